import { type Kysely, sql } from 'kysely';

/**
 * Scenario's jobs resource and token360's asset groups.
 *
 * An upload's `job_id` becomes its public job id from the moment it is created (before, a
 * multipart upload got one only at completion); `started_at`, `ended_at` and `progress` are what
 * the job view derives its history and progress from. Collections gain what an asset group
 * carries beyond a name: its kind, a description and whether it takes uploads.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('uploads').addColumn('started_at', 'text').execute();
  await db.schema.alterTable('uploads').addColumn('ended_at', 'text').execute();
  await db.schema.alterTable('uploads').addColumn('progress', 'real').execute();
  // Uploads made before jobs were public: a job id derived from the upload's own (unique) id.
  await db.updateTable('uploads').set({ job_id: sql`'job_' || id` }).where('job_id', 'is', null).execute();
  await db.schema.createIndex('uploads_project_job').on('uploads').columns(['project_id', 'job_id']).unique().execute();
  await db.schema.alterTable('collections').addColumn('group_kind', 'text').execute();
  await db.schema.alterTable('collections').addColumn('description', 'text').execute();
  await db.schema
    .alterTable('collections')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}
