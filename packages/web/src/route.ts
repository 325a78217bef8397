import { useCallback, useSyncExternalStore } from 'react';

export type Kind = 'image' | 'video' | 'audio' | '3d';
export const KINDS: readonly Kind[] = ['image', 'video', 'audio', '3d'];

/** The library's filters, each one a parameter of GET /v1/assets. */
export interface Filters {
  readonly kind?: Kind;
  readonly collectionId?: string;
  readonly tags: readonly string[];
  /** Dates (YYYY-MM-DD) of creation, inclusive in the UI; only with sortBy createdAt. */
  readonly from?: string;
  readonly to?: string;
  readonly sortBy: 'createdAt' | 'updatedAt';
  readonly sortDirection: 'asc' | 'desc';
  readonly privacy?: 'public' | 'private';
  readonly search?: string;
}

/** What the URL says: the filters (its query) and the open asset (its path, `/assets/<id>`). */
export interface Route {
  readonly filters: Filters;
  readonly assetId?: string;
}

export const NO_FILTERS: Filters = { tags: [], sortBy: 'createdAt', sortDirection: 'desc' };

const oneOf = <T extends string>(value: string | null, allowed: readonly T[]): T | undefined =>
  allowed.includes(value as T) ? (value as T) : undefined;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseRoute(url: URL): Route {
  const q = url.searchParams;
  const text = (name: string) => q.get(name)?.trim() || undefined;
  const date = (name: string) => {
    const value = text(name);
    return value && DATE.test(value) ? value : undefined;
  };
  const kind = oneOf(q.get('kind'), KINDS);
  const privacy = oneOf(q.get('privacy'), ['public', 'private'] as const);
  const collectionId = text('collection');
  const from = date('from');
  const to = date('to');
  const search = text('q');
  const filters: Filters = {
    tags: q.getAll('tag').filter(Boolean),
    sortBy: oneOf(q.get('sort'), ['createdAt', 'updatedAt'] as const) ?? 'createdAt',
    sortDirection: oneOf(q.get('dir'), ['asc', 'desc'] as const) ?? 'desc',
    ...(kind ? { kind } : {}),
    ...(privacy ? { privacy } : {}),
    ...(collectionId ? { collectionId } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(search ? { search } : {}),
  };
  const match = /^\/assets\/([^/]+)\/?$/.exec(url.pathname);
  const assetId = match?.[1] ? decodeURIComponent(match[1]) : undefined;
  return assetId ? { filters, assetId } : { filters };
}

export function routeUrl(route: Route): string {
  const q = new URLSearchParams();
  const f = route.filters;
  if (f.search) q.set('q', f.search);
  if (f.kind) q.set('kind', f.kind);
  if (f.collectionId) q.set('collection', f.collectionId);
  for (const tag of f.tags) q.append('tag', tag);
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  if (f.sortBy !== 'createdAt') q.set('sort', f.sortBy);
  if (f.sortDirection !== 'desc') q.set('dir', f.sortDirection);
  if (f.privacy) q.set('privacy', f.privacy);
  const query = q.toString();
  return `${route.assetId ? `/assets/${encodeURIComponent(route.assetId)}` : '/'}${query ? `?${query}` : ''}`;
}

/** The list API's parameters for the filters. */
export function listParams(f: Filters) {
  // A date is a whole day here; the API's bounds are exclusive instants.
  const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00.000Z`) - 1).toISOString();
  const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00.000Z`) + 86_400_000).toISOString();
  const dated = f.sortBy === 'createdAt';
  return {
    sortBy: f.sortBy,
    sortDirection: f.sortDirection,
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.collectionId ? { collectionId: f.collectionId } : {}),
    ...(f.tags.length > 0 ? { tags: [...f.tags] } : {}),
    ...(dated && f.from ? { createdAfter: dayBefore(f.from) } : {}),
    ...(dated && f.to ? { createdBefore: dayAfter(f.to) } : {}),
    ...(f.privacy ? { privacy: f.privacy } : {}),
    ...(f.search ? { search: f.search } : {}),
  };
}

const CHANGE = 'assetd:navigate';
const subscribe = (listener: () => void) => {
  window.addEventListener('popstate', listener);
  window.addEventListener(CHANGE, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(CHANGE, listener);
  };
};
const snapshot = () => window.location.href;

/** The route from the address bar, and a navigate that pushes (or replaces) a history entry. */
export function useRoute(): [Route, (route: Route, options?: { replace?: boolean }) => void] {
  const href = useSyncExternalStore(subscribe, snapshot);
  const navigate = useCallback((route: Route, options: { replace?: boolean } = {}) => {
    const url = routeUrl(route);
    if (url === `${window.location.pathname}${window.location.search}`) return;
    if (options.replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    window.dispatchEvent(new Event(CHANGE));
  }, []);
  return [parseRoute(new URL(href)), navigate];
}
