import { AppError } from '../errors.ts';
import type { SortDirection, SortField } from './asset.ts';

/** Where a page ended: the sort value and id of its last asset, plus the order it was read in. */
export interface Cursor {
  readonly sortBy: SortField;
  readonly direction: SortDirection;
  readonly value: string;
  readonly id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sortBy, cursor.direction, cursor.value, cursor.id])).toString('base64url');
}

const invalidToken = () =>
  new AppError('INVALID_PAGINATION_TOKEN', 'paginationToken is not valid: pass the nextPaginationToken of the previous page unchanged');

export function decodeCursor(token: string, sortBy: SortField, direction: SortDirection): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || !parsed.every((part) => typeof part === 'string')) throw invalidToken();
  const [tokenSort, tokenDirection, value, id] = parsed as string[];
  if (tokenSort !== sortBy || tokenDirection !== direction) {
    throw new AppError(
      'INVALID_PAGINATION_TOKEN',
      'paginationToken was issued for another sort order: use the same sortBy and sortDirection as the first page',
    );
  }
  return { sortBy, direction, value: value as string, id: id as string };
}
