import { describe, expect, it } from 'vitest';
import { isId, newId, randomToken } from './ids.ts';

describe('ids', () => {
  it('makes prefixed base62 ids that isId recognises', () => {
    const id = newId('asset');
    expect(id).toMatch(/^asset_[0-9A-Za-z]{24}$/);
    expect(isId('asset', id)).toBe(true);
    expect(isId('proj', id)).toBe(false);
    expect(isId('asset', `${id}x`)).toBe(false);
    expect(isId('asset', 'asset_../../etc/passwd00000')).toBe(false);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomToken()));
    expect(ids.size).toBe(1000);
  });
});
