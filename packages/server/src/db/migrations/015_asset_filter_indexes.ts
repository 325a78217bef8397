import type { Kysely } from 'kysely';

/**
 * Listing by author, kind or type (`GET /v1/assets?authorId=…`, `kind=`, `type=`) in a large
 * project: with only `(project_id, created_at, id)`, a rare value means reading the project's
 * rows in date order until a page of matches is found (a 0.1% author: ~50,000 rows per page at
 * 1M assets). Each of these indexes holds one value's rows already in page order, so a page is
 * read where it starts, whatever the value's share, and no sort is needed. Kind, the library's
 * main facet, also has one in `updatedAt` order (a rare kind sorted by update otherwise sorts
 * all its rows for every page).
 */
const INDEXES: ReadonlyArray<readonly [name: string, column: string, sort: 'created_at' | 'updated_at']> = [
  ['assets_project_author_created', 'author_id', 'created_at'],
  ['assets_project_kind_created', 'kind', 'created_at'],
  ['assets_project_kind_updated', 'kind', 'updated_at'],
  ['assets_project_type_created', 'type', 'created_at'],
];

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, column, sort] of INDEXES) {
    await db.schema.createIndex(name).ifNotExists().on('assets').columns(['project_id', column, sort, 'id']).execute();
  }
}
