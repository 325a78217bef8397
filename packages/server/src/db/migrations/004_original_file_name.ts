import type { Kysely } from 'kysely';

/** The file name the client sent, when it sent one (a form's file, an upload's fileName). */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('assets').addColumn('original_file_name', 'text').execute();
}
