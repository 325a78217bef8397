import type { Kysely } from 'kysely';

/**
 * Previews beyond the thumbnail: a larger image (a 3D model's 1024-px render), why a preview
 * could not be made, and an audio asset's waveform peaks (a JSON file).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('assets')
    .addColumn('preview_file_id', 'text', (c) => c.references('files.id'))
    .execute();
  await db.schema.alterTable('assets').addColumn('preview_error', 'text').execute();
  await db.schema
    .alterTable('assets')
    .addColumn('waveform_file_id', 'text', (c) => c.references('files.id'))
    .execute();
}
