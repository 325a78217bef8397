import { type ExpressionBuilder, type Kysely, type RawBuilder, sql, type Transaction, type Updateable } from 'kysely';
import type { Engine } from '../db/database.ts';
import type { Database, JobsTable } from '../db/schema.ts';
import { newId, randomToken } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';

export interface Job {
  readonly id: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  /** 1 on the first run. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /**
   * Claimed only to be buried: its last attempt's process died or stalled (the lease ran out)
   * and it has no attempt left. It must not run again; its owner is told it is dead.
   */
  readonly exhausted: boolean;
  /** The lease this claim holds: every write of the job names it, and fails once it is lost. */
  readonly lease: { readonly holder: string; readonly token: string; readonly until: string };
}

export interface EnqueueOptions {
  /** The job's id, when the caller already gave it out (an upload's public job id). */
  readonly id?: string;
  readonly maxAttempts?: number;
  readonly runAt?: Date;
  /** The project the job works for: claims share workers fairly between projects. */
  readonly projectId?: string;
}

/**
 * The job types a claim may take: those named, or every type but those named. A runner with
 * several pools (jobs/job-runner.ts) gives each its own types, so that one kind of work never
 * waits for the slots another kind holds.
 */
export type JobTypes = { readonly only: readonly string[] } | { readonly except: readonly string[] };

/** `column` restricted to `types`, as a condition; `only: []` matches nothing. */
function typeIs(column: string, types: JobTypes | undefined): RawBuilder<boolean> {
  const ref = sql.ref(column);
  if (types && 'only' in types) return types.only.length === 0 ? sql<boolean>`1 = 0` : sql<boolean>`${ref} in (${sql.join(types.only)})`;
  if (types && types.except.length > 0) return sql<boolean>`${ref} not in (${sql.join(types.except)})`;
  return sql<boolean>`1 = 1`;
}

/** The jobs table under the aliases the claim reads it by. */
type ReadyScope = { j: JobsTable; w: JobsTable };

/** What every write that ends a lease clears. */
const RELEASED = { locked_by: null, locked_until: null, lease_token: null } as const;

const toJob = (row: JobsTable, exhausted: boolean): Job => ({
  id: row.id,
  type: row.type,
  payload: JSON.parse(row.payload) as Record<string, unknown>,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  exhausted,
  lease: { holder: row.locked_by ?? '', token: row.lease_token ?? '', until: row.locked_until ?? '' },
});

/**
 * The jobs table as a queue. A claim takes a ready job — of the project with the fewest jobs
 * running, the oldest first — or one whose lease has run out (its worker died), and leases it
 * to one worker. On PostgreSQL the claim skips rows other workers hold (SKIP LOCKED), so any
 * number of workers share the queue; SQLite has a single writer, which gives the same guarantee.
 *
 * Each claim writes a fresh fencing token, and the job's later writes (renew, succeed, retry,
 * bury) apply only while the row still carries it: a worker whose lease was taken over cannot
 * touch the job again, even if the same worker claimed it anew in between.
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
        project_id: options.projectId ?? '',
        run_at: options.runAt?.toISOString() ?? now,
        locked_by: null,
        locked_until: null,
        lease_token: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /**
   * Leases a job of `types` (any, when not given) to `workerId`: first one to bury (its last
   * attempt's process died, so it is never run past `max_attempts`), else a ready one, or one
   * whose worker died with attempts left (that death counts as an attempt: `attempts` was raised
   * when it was claimed). Among ready jobs, the project with the fewest jobs of these types
   * running comes first, then the oldest job: a project that queued many jobs takes its share
   * of the workers, not all of them.
   */
  async claim(workerId: string, leaseMs: number, types?: JobTypes): Promise<Job | undefined> {
    return (await this.#claimExhausted(workerId, leaseMs, types)) ?? (await this.#claimReady(workerId, leaseMs, types));
  }

  /**
   * One statement, so that two workers never take the same job: on PostgreSQL candidate rows are
   * locked (others skip them), on SQLite the single writer runs the statement alone.
   *
   * The fair pick comes in two steps: first the project (the ready jobs read once and grouped
   * by project, the running counts joined to one row per project: joined to every waiting job,
   * PostgreSQL without statistics looped 93 ms per claim over a 10,000-job backlog), then that
   * project's oldest ready job. When other workers hold every ready job of that project at this
   * very moment, the oldest ready job of any project is taken instead (the second operand of
   * `coalesce`, evaluated only then), so a claim never comes back empty while a job is free.
   * Under concurrent claims the running counts are each claim's snapshot: the fair order is best
   * effort between claims made at the same instant; that a job goes to one worker is exact.
   */
  async #claimReady(workerId: string, leaseMs: number, types: JobTypes | undefined): Promise<Job | undefined> {
    const now = new Date();
    const nowText = now.toISOString();
    const ready = (alias: 'j' | 'w') => (eb: ExpressionBuilder<ReadyScope, typeof alias>) =>
      eb.or([
        eb.and([eb(`${alias}.status`, '=', 'queued'), eb(`${alias}.run_at`, '<=', nowText)]),
        eb.and([
          eb(`${alias}.status`, '=', 'running'),
          eb(`${alias}.locked_until`, '<', nowText),
          eb(`${alias}.attempts`, '<', eb.ref(`${alias}.max_attempts`)),
        ]),
      ]);
    // Per project: its oldest ready job, and its jobs of these types running under a live lease.
    const waiting = this.#db
      .selectFrom('jobs as w')
      .select(['w.project_id', sql<string>`min(w.run_at)`.as('first_at')])
      .where(ready('w'))
      .where(typeIs('w.type', types))
      .groupBy('w.project_id')
      .as('waiting');
    const running = this.#db
      .selectFrom('jobs as live')
      .select(['live.project_id', sql<number>`count(*)`.as('n')])
      .where('live.status', '=', 'running')
      .where('live.locked_until', '>=', nowText)
      .where(typeIs('live.type', types))
      .groupBy('live.project_id')
      .as('running');
    const fairest = this.#db
      .selectFrom(waiting)
      .leftJoin(running, 'running.project_id', 'waiting.project_id')
      .select('waiting.project_id')
      .orderBy(sql`coalesce(running.n, 0)`)
      .orderBy('waiting.first_at')
      .orderBy('waiting.project_id')
      .limit(1);
    const oldest = (project: typeof fairest | undefined) => {
      let candidate = this.#db
        .selectFrom('jobs as j')
        .select('j.id')
        .where(ready('j'))
        .where(typeIs('j.type', types))
        .$if(project !== undefined, (qb) => qb.where('j.project_id', '=', project as typeof fairest))
        .orderBy('j.run_at')
        .orderBy('j.id')
        .limit(1);
      if (this.#engine === 'postgres') candidate = candidate.forUpdate().skipLocked();
      return candidate;
    };
    const row = await this.#db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        locked_by: workerId,
        locked_until: new Date(now.getTime() + leaseMs).toISOString(),
        lease_token: randomToken(16),
        attempts: eb('attempts', '+', 1),
        updated_at: nowText,
      }))
      .where('id', '=', (eb) =>
        eb.fn.coalesce(
          eb.selectFrom(oldest(fairest).as('fair')).select('fair.id'),
          eb.selectFrom(oldest(undefined).as('any')).select('any.id'),
        ),
      )
      .returningAll()
      .executeTakeFirst();
    return row && toJob(row, false);
  }

  /** A running job past its lease with no attempt left: leased (attempts unchanged) to be buried, never run. */
  async #claimExhausted(workerId: string, leaseMs: number, types: JobTypes | undefined): Promise<Job | undefined> {
    const now = new Date();
    const nowText = now.toISOString();
    let candidate = this.#db
      .selectFrom('jobs')
      .select('id')
      .where('status', '=', 'running')
      .where('locked_until', '<', nowText)
      .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
      .where(typeIs('type', types))
      .orderBy('locked_until')
      .limit(1);
    if (this.#engine === 'postgres') candidate = candidate.forUpdate().skipLocked();
    const row = await this.#db
      .updateTable('jobs')
      .set({
        locked_by: workerId,
        locked_until: new Date(now.getTime() + leaseMs).toISOString(),
        lease_token: randomToken(16),
        updated_at: nowText,
      })
      .where('id', '=', (eb) => eb.selectFrom(candidate.as('c')).select('c.id'))
      .returningAll()
      .executeTakeFirst();
    return row && toJob(row, true);
  }

  /** Extends the lease; false when it was lost (taken over by another claim, or the job ended). */
  async renew(job: Job, leaseMs: number): Promise<boolean> {
    return this.#write(job, { locked_until: new Date(Date.now() + leaseMs).toISOString() });
  }

  /** Records the job done; false when the lease was lost, and nothing was written. */
  async succeed(job: Job): Promise<boolean> {
    return this.#write(job, { status: 'done', ...RELEASED, updated_at: nowIso() });
  }

  /** Queues the job again in `retryInMs`; false when the lease was lost, and nothing was written. */
  async retry(job: Job, error: string, retryInMs: number): Promise<boolean> {
    return this.#write(job, {
      status: 'queued',
      run_at: new Date(Date.now() + retryInMs).toISOString(),
      ...RELEASED,
      last_error: error.slice(0, 2000),
      updated_at: nowIso(),
    });
  }

  /** Marks the job dead, never to run again; false when the lease was lost, and nothing was written. */
  async bury(job: Job, error: string): Promise<boolean> {
    return this.#write(job, { status: 'dead', ...RELEASED, last_error: error.slice(0, 2000), updated_at: nowIso() });
  }

  /** The fence: a write applies only while the job is running under this very lease. */
  async #write(job: Job, changes: Updateable<JobsTable>): Promise<boolean> {
    const result = await this.#db
      .updateTable('jobs')
      .set(changes)
      .where('id', '=', job.id)
      .where('status', '=', 'running')
      .where('lease_token', '=', job.lease.token)
      // The holder too: a worker of an older version claims without writing a token.
      .where('locked_by', '=', job.lease.holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('jobs')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  /**
   * Gives a running job back to the queue, ready at once, its attempt uncounted: this process
   * stopped it (a shutdown), which says nothing about the job. False when the lease was lost.
   */
  async release(job: Job): Promise<boolean> {
    return this.#write(job, {
      status: 'queued',
      attempts: Math.max(0, job.attempts - 1),
      run_at: nowIso(),
      ...RELEASED,
      updated_at: nowIso(),
    });
  }
}
