import type { Kysely } from 'kysely';

/**
 * Listing by author, kind or type (`GET /v1/assets?authorId=…`, `kind=`, `type=`) in a large
 * project: with only `(project_id, created_at, id)`, a rare value means reading the project's
 * rows in date order until a page of matches is found (a 0.1% author: ~50,000 rows per page at
 * 1M assets). Each of these indexes holds one value's rows already in the default order, so a
 * page is read where it starts, whatever the value's share, and no sort is needed.
 */
const INDEXES = {
  assets_project_author_created: 'author_id',
  assets_project_kind_created: 'kind',
  assets_project_type_created: 'type',
} as const;

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, column] of Object.entries(INDEXES)) {
    await db.schema.createIndex(name).ifNotExists().on('assets').columns(['project_id', column, 'created_at', 'id']).execute();
  }
}
