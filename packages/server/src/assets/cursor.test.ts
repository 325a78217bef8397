import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('pagination cursor', () => {
  it('round-trips', () => {
    const cursor = { sortBy: 'createdAt', direction: 'desc', value: '2026-01-01T00:00:00.000Z', id: 'asset_1' } as const;
    expect(decodeCursor(encodeCursor(cursor), 'createdAt', 'desc')).toEqual(cursor);
  });

  it('refuses garbage and tokens of another sort order', () => {
    expect(() => decodeCursor('not-a-token', 'createdAt', 'desc')).toThrow(/not valid/);
    expect(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'), 'createdAt', 'desc')).toThrow(/not valid/);
    const token = encodeCursor({ sortBy: 'updatedAt', direction: 'desc', value: 'x', id: 'y' });
    expect(() => decodeCursor(token, 'createdAt', 'desc')).toThrow(/another sort order/);
    expect(() => decodeCursor(token, 'updatedAt', 'asc')).toThrow(/another sort order/);
  });
});
