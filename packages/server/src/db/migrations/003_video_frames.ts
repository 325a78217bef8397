import type { Kysely } from 'kysely';

/** A video's first and last frames, stored as files of their own. */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('assets')
    .addColumn('first_frame_file_id', 'text', (c) => c.references('files.id'))
    .execute();
  await db.schema
    .alterTable('assets')
    .addColumn('last_frame_file_id', 'text', (c) => c.references('files.id'))
    .execute();
}
