import { type Kysely, sql } from 'kysely';

/**
 * Quotas (issue #16): what each project stores, kept as counters beside the assets so that a
 * creation can check and reserve room in one conditional update, and per-project limits that
 * override the server's defaults.
 *
 * - `project_usage`: one row per project. `bytes` counts each distinct original file of the
 *   project's assets once (identical bytes uploaded twice cost one file), `assets` the assets;
 *   `reserved_*` what unfinished uploads have claimed (their declared size and one asset each).
 * - `project_quotas`: the overrides `assetd projects set-quota` writes; a null column means the
 *   server's default applies.
 * - `uploads.reserved_bytes`: what an upload holds in its project's reservation (null: nothing),
 *   released in the transaction that ends it or turns it into an asset.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('project_usage')
    .addColumn('project_id', 'text', (c) => c.primaryKey())
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('assets', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('reserved_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('reserved_assets', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('project_quotas')
    .addColumn('project_id', 'text', (c) => c.primaryKey())
    .addColumn('max_bytes', 'bigint')
    .addColumn('max_assets', 'bigint')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('uploads').addColumn('reserved_bytes', 'bigint').execute();
  // "Does another asset of this project use this file?" is asked on every creation and delete.
  await db.schema.createIndex('assets_project_file').on('assets').columns(['project_id', 'file_id']).execute();
  // What the projects already hold: counted once here, kept up to date by every change after.
  await sql`
    insert into project_usage (project_id, bytes, assets, reserved_bytes, reserved_assets)
    select p.id,
      coalesce((select sum(f.size) from files f where f.id in (select a.file_id from assets a where a.project_id = p.id)), 0),
      (select count(*) from assets a where a.project_id = p.id),
      0, 0
    from projects p`.execute(db);
}
