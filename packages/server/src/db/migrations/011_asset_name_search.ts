import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * `GET /v1/assets?search=`: a case-insensitive substring of the name, `lower(name) LIKE '%…%'`.
 * No B-tree serves a pattern with a leading wildcard; on PostgreSQL a trigram GIN index on
 * lower(name) does, so a search stays fast at 100k assets. SQLite has no such index: it scans
 * the project's rows, which the embedded, single-process setup can afford.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const schema = await trigramSchema(db);
  // The operator class is named with the extension's schema: it need not be on the search path.
  await sql`create index if not exists assets_name_trgm on assets using gin (lower(name) ${sql.id(schema, 'gin_trgm_ops')})`.execute(db);
}

/**
 * The schema pg_trgm lives in, installing it when the database lacks it. An extension is one
 * per database: processes migrating other schemas at the same moment may race to create it,
 * and the loser's unique violation only means it now exists.
 */
// biome-ignore lint/suspicious/noExplicitAny: as above
async function trigramSchema(db: Kysely<any>): Promise<string> {
  const find = async () =>
    (
      await sql<{
        schema: string;
      }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(
        db,
      )
    ).rows[0]?.schema;
  const existing = await find();
  if (existing) return existing;
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  const created = await find();
  if (!created) throw new Error('pg_trgm was created but cannot be found');
  return created;
}
