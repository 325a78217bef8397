import { type Kysely, sql, type Transaction } from 'kysely';
import type { Engine } from '../db/database.ts';
import type { Database, JobsTable } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';

export interface Job {
  readonly id: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  /** 1 on the first run. */
  readonly attempts: number;
  readonly maxAttempts: number;
}

export interface EnqueueOptions {
  /** The job's id, when the caller already gave it out (an upload's public job id). */
  readonly id?: string;
  readonly maxAttempts?: number;
  readonly runAt?: Date;
}

const toJob = (row: JobsTable): Job => ({
  id: row.id,
  type: row.type,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
});

/**
 * The jobs table as a queue. A claim takes the oldest ready job, or one whose lease has
 * run out (its worker died), and leases it to one worker. On PostgreSQL the claim skips rows
 * other workers hold (SKIP LOCKED), so any number of workers share the queue; SQLite has a
 * single writer, which gives the same guarantee.
 */
export class JobQueue {
  readonly #db: Kysely<Database>;
  readonly #engine: Engine;

  constructor(db: Kysely<Database>, engine: Engine) {
    this.#db = db;
    this.#engine = engine;
  }

  /** Adds a job inside the caller's transaction, so it exists exactly when the change that needs it does. */
  async enqueue(
    trx: Transaction<Database> | Kysely<Database>,
    type: string,
    payload: Record<string, unknown>,
    options: EnqueueOptions = {},
  ): Promise<string> {
    const id = options.id ?? newId('job');
    const now = nowIso();
    await trx
      .insertInto('jobs')
      .values({
        id,
        type,
        payload: JSON.stringify(payload),
        status: 'queued',
        attempts: 0,
        max_attempts: options.maxAttempts ?? 5,
        run_at: options.runAt?.toISOString() ?? now,
        locked_by: null,
        locked_until: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  async claim(workerId: string, leaseMs: number): Promise<Job | undefined> {
    const now = new Date();
    const nowText = now.toISOString();
    let candidate = this.#db
      .selectFrom('jobs')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowText)]),
          eb.and([eb('status', '=', 'running'), eb('locked_until', '<', nowText)]),
        ]),
      )
      .orderBy('run_at')
      .orderBy('id')
      .limit(1);
    if (this.#engine === 'postgres') candidate = candidate.forUpdate().skipLocked();
    const row = await this.#db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        locked_by: workerId,
        locked_until: new Date(now.getTime() + leaseMs).toISOString(),
        attempts: eb('attempts', '+', 1),
        updated_at: nowText,
      }))
      .where('id', '=', (eb) => eb.selectFrom(candidate.as('c')).select('c.id'))
      .returningAll()
      .executeTakeFirst();
    return row && toJob(row);
  }

  /** Extends the lease; false when the job is no longer this worker's. */
  async renew(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('jobs')
      .set({ locked_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async succeed(jobId: string, workerId: string): Promise<void> {
    await this.#db
      .updateTable('jobs')
      .set({ status: 'done', locked_by: null, locked_until: null, updated_at: nowIso() })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Schedules another attempt, or marks the job dead; says which. */
  async fail(job: Job, workerId: string, error: string, retryInMs: number | undefined): Promise<'retry' | 'dead'> {
    const outcome = retryInMs !== undefined && job.attempts < job.maxAttempts ? 'retry' : 'dead';
    await this.#db
      .updateTable('jobs')
      .set({
        status: outcome === 'retry' ? 'queued' : 'dead',
        run_at: new Date(Date.now() + (retryInMs ?? 0)).toISOString(),
        locked_by: null,
        locked_until: null,
        last_error: error.slice(0, 2000),
        updated_at: nowIso(),
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute();
    return outcome;
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('jobs')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }
}
