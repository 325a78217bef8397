import type { Kysely } from 'kysely';

/**
 * A fencing token on each job's lease: a fresh one with every claim, and every later write of
 * the job (renew, done, retry, dead) names it. A worker that lost its lease (paused past it,
 * cut off from the database) and comes back holds a stale token, so its writes change nothing.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current schema type
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('lease_token', 'text').execute();
}
