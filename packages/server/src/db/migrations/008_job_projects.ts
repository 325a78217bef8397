import { type Kysely, sql } from 'kysely';

/**
 * The project each job works for, so that claims can share workers fairly between projects
 * (jobs/job-queue.ts): the project with the fewest running jobs is served first. Jobs of no
 * project have '' and share one fair share. Jobs already waiting get their upload's project:
 * an upload's public job id is the id of the job queued for it.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('project_id', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  // A claim takes the chosen project's oldest ready job.
  await db.schema.createIndex('jobs_project_ready').on('jobs').columns(['project_id', 'status', 'run_at']).execute();
  await db
    .updateTable('jobs')
    .set({ project_id: sql`coalesce((select u.project_id from uploads u where u.job_id = jobs.id), '')` })
    .where('status', 'in', ['queued', 'running'])
    .execute();
}
