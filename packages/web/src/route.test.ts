import { describe, expect, it } from 'vitest';
import { listParams, NO_FILTERS, parseRoute, routeUrl } from './route.ts';

const at = (url: string) => parseRoute(new URL(url, 'http://assetd.test'));

describe('the URL of the library', () => {
  it('round-trips every filter and the open asset', () => {
    const route = {
      assetId: 'asset_abc',
      filters: {
        kind: 'audio',
        collectionId: 'coll_1',
        tags: ['a b', 'c&d'],
        from: '2026-01-02',
        to: '2026-02-03',
        sortBy: 'createdAt',
        sortDirection: 'asc',
        privacy: 'private',
        search: 'hero %',
      },
    } as const;
    const url = routeUrl(route);
    expect(url.startsWith('/assets/asset_abc?')).toBe(true);
    expect(at(url)).toEqual(route);
    expect(routeUrl({ filters: NO_FILTERS })).toBe('/');
    expect(at('/')).toEqual({ filters: NO_FILTERS });
  });

  it('ignores what it does not know rather than passing it on', () => {
    expect(at('/?kind=nonsense&sort=name&dir=up&privacy=all&from=yesterday&tag=&q=%20')).toEqual({ filters: NO_FILTERS });
    expect(at('/some/client/route')).toEqual({ filters: NO_FILTERS });
  });

  it('maps the filters to the list API, dates as whole days and only with the creation order', () => {
    expect(listParams({ ...NO_FILTERS, from: '2026-03-01', to: '2026-03-01', tags: ['x'], search: 'cat' })).toEqual({
      sortBy: 'createdAt',
      sortDirection: 'desc',
      tags: ['x'],
      search: 'cat',
      createdAfter: '2026-02-28T23:59:59.999Z',
      createdBefore: '2026-03-02T00:00:00.000Z',
    });
    expect(listParams({ ...NO_FILTERS, sortBy: 'updatedAt', from: '2026-03-01' })).toEqual({ sortBy: 'updatedAt', sortDirection: 'desc' });
  });
});
