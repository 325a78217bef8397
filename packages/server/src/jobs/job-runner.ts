import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { randomToken } from '../lib/ids.ts';
import type { Job, JobQueue, JobTypes } from './job-queue.ts';
import { Lease } from './lease.ts';

/** Says whether a failure is worth another attempt; errors without it are retried. */
export interface MaybeRetryable {
  readonly retryable?: boolean;
}

export interface JobHandler {
  /**
   * Runs the job. `signal` aborts when this worker lost the job's lease (another worker may be
   * running it now): long steps should stop, and nothing more should be written for the job.
   * It aborts too when this process stops (a shutdown): a run that fails then goes back to the
   * queue, not failed.
   */
  run(job: Job, signal: AbortSignal): Promise<void>;
  /**
   * Called when the job will not be tried again, with the last error; also for a job whose last
   * attempt's process died. May be called more than once (a crash after it, before the job is
   * marked dead, calls it again), so it must be idempotent.
   */
  onDead?(job: Job, error: unknown): Promise<void>;
}

/**
 * Slots of their own for some job types: those jobs never wait for the general slots, and never
 * hold them (a slow download does not keep a validation waiting).
 */
export interface PoolOptions {
  readonly name: string;
  readonly types: readonly string[];
  readonly concurrency: number;
}

export interface RunnerOptions {
  /** Jobs run at once of the types no pool names. */
  readonly concurrency: number;
  readonly pools?: readonly PoolOptions[];
  readonly leaseMs: number;
  readonly pollMs: number;
  /** First retry delay; each later one doubles, with jitter, up to five minutes. */
  readonly backoffMs: number;
  /** For tests only (ASSETD_TEST_JOB_DELAY_MS): each job waits this long, leased, before it runs. */
  readonly delayMs?: number;
}

const isRetryable = (error: unknown) => (error as MaybeRetryable | undefined)?.retryable !== false;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The longest pause between claims while the database fails them. */
const MAX_CLAIM_BACKOFF_MS = 30_000;

/** One pool's slots: the types it claims and the jobs it runs now. */
interface Pool {
  readonly name: string;
  readonly types: JobTypes;
  readonly concurrency: number;
  readonly active: Set<Promise<void>>;
  wake?: () => void;
}

/** The configured pools, then the general one, which takes every type they do not name. */
function poolsOf(options: RunnerOptions): Pool[] {
  const own = options.pools ?? [];
  return [
    ...own.map((pool) => ({
      name: pool.name,
      types: { only: pool.types },
      concurrency: pool.concurrency,
      active: new Set<Promise<void>>(),
    })),
    {
      name: 'jobs',
      types: { except: own.flatMap((pool) => pool.types) },
      concurrency: options.concurrency,
      active: new Set<Promise<void>>(),
    },
  ];
}

/**
 * Runs queued jobs in this process with bounded concurrency per pool: each pool claims only its
 * own job types, into its own slots (and the queue serves, among those, the project with the
 * fewest running jobs first). Each running job's lease is renewed while it runs
 * (jobs/lease.ts); a job whose process dies is taken over by any runner once its lease runs
 * out, and counts an attempt. Failures are retried with exponential backoff until the job's
 * last attempt. Database errors never end the process: claims back off, and an outcome that
 * could not be recorded is left to the lease (the job is taken again).
 */
export class JobRunner {
  readonly #queue: JobQueue;
  readonly #handlers: ReadonlyMap<string, JobHandler>;
  readonly #options: RunnerOptions;
  readonly #log: Logger;
  readonly #workerId = `${hostname()}:${process.pid}:${randomToken(6)}`;
  readonly #pools: readonly Pool[];
  #running = false;
  #loops: Promise<void>[] = [];
  /** Aborted by stop(): running jobs end early and go back to the queue, to run again. */
  #stopping = new AbortController();

  constructor(queue: JobQueue, handlers: ReadonlyMap<string, JobHandler>, options: RunnerOptions, log: Logger) {
    this.#queue = queue;
    this.#handlers = handlers;
    this.#options = options;
    this.#log = log;
    this.#pools = poolsOf(options);
  }

  get workerId(): string {
    return this.#workerId;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController();
    this.#loops = this.#pools.map((pool) => this.#run(pool));
  }

  /** Looks for work now rather than at the next poll (a job was just queued). */
  wake(): void {
    for (const pool of this.#pools) pool.wake?.();
  }

  /** Stops taking jobs, stops those running (they go back to the queue) and waits for them to end. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping.abort(new Error('this worker is shutting down'));
    this.wake();
    await Promise.all(this.#loops);
    await Promise.allSettled(this.#pools.flatMap((pool) => [...pool.active]));
  }

  async #run(pool: Pool): Promise<void> {
    let failures = 0;
    while (this.#running) {
      let claimed = false;
      if (pool.active.size < pool.concurrency) {
        try {
          const job = await this.#queue.claim(this.#workerId, this.#options.leaseMs, pool.types);
          failures = 0;
          if (job) {
            claimed = true;
            const run = this.#execute(job).finally(() => {
              pool.active.delete(run);
              // Its slot is free, and it may have queued a job for another pool (a download, its validation).
              this.wake();
            });
            pool.active.add(run);
          }
        } catch (error) {
          // The database is down or stuck: back off (doubling, capped) rather than hammer it.
          failures++;
          const retryInMs = Math.min(MAX_CLAIM_BACKOFF_MS, this.#options.pollMs * 2 ** failures);
          this.#log.error({ err: error, failures, retryInMs, pool: pool.name }, 'could not claim a job');
          await this.#sleep(pool, retryInMs);
          continue;
        }
      }
      if (!claimed) await this.#sleep(pool, this.#options.pollMs);
    }
  }

  #sleep(pool: Pool, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      pool.wake = done;
    });
  }

  /** Never rejects: whatever fails here is logged, and the lease decides what happens next. */
  async #execute(job: Job): Promise<void> {
    const handler = this.#handlers.get(job.type);
    const log = this.#log.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
    const lease = new Lease(this.#queue, job, this.#options.leaseMs, log);
    try {
      if (job.exhausted) {
        log.warn({ maxAttempts: job.maxAttempts }, 'the last attempt never finished: the job is dead');
        const reason = `attempt ${job.attempts} of ${job.maxAttempts} never finished: the process running it died or stalled past its lease`;
        await this.#bury(job, handler, lease, new Error(reason), log);
        return;
      }
      let failure: { error: unknown } | undefined;
      try {
        if (!handler) throw Object.assign(new Error(`no handler for job type ${job.type}`), { retryable: false });
        // The lease lost, or this process stopping.
        const signal = AbortSignal.any([lease.signal, this.#stopping.signal]);
        if (this.#options.delayMs) await sleep(this.#options.delayMs, undefined, { signal });
        await handler.run(job, signal);
      } catch (error) {
        failure = { error };
      }
      // Another worker may hold the job now: whatever happened here is not this worker's to record.
      if (lease.signal.aborted) return;
      if (!failure) {
        if (await this.#queue.succeed(job)) log.debug('job done');
        else log.warn('lease lost before the job was recorded done; its new holder will find it done');
        return;
      }
      const { error } = failure;
      if (this.#stopping.signal.aborted) return await this.#release(job, error, log);
      if (isRetryable(error) && job.attempts < job.maxAttempts) {
        const retryInMs = this.#backoff(job.attempts);
        const recorded = await this.#queue.retry(job, messageOf(error), retryInMs);
        log.warn({ err: error, retryInMs, recorded }, 'job failed; it will be retried');
        return;
      }
      log.warn({ err: error }, 'job failed for the last time');
      await this.#bury(job, handler, lease, error, log);
    } catch (error) {
      // The database failed while recording the outcome: the job stays leased to this worker,
      // and is taken again (or buried) once the lease runs out.
      log.error({ err: error }, "could not record the job's outcome; it is taken again once its lease runs out");
    } finally {
      lease.stop();
    }
  }

  /**
   * Tells the handler the job is dead (it fails the upload), then marks it dead, in that order:
   * if this process dies in between, the job is found exhausted and buried again, so no upload
   * is left waiting for a job that will never run. Only while the lease is held: a worker that
   * lost it must not fail what another worker may be importing.
   */
  async #bury(job: Job, handler: JobHandler | undefined, lease: Lease, error: unknown, log: Logger): Promise<void> {
    if (!(await lease.confirm())) return;
    await handler?.onDead?.(job, error);
    if (!(await this.#queue.bury(job, messageOf(error)))) log.warn('lease lost before the job was recorded dead');
  }

  /**
   * A job the shutdown interrupted is not failed: it goes back to the queue, its attempt
   * uncounted, for the next process to run. Should that fail (the database), its lease runs out
   * and any worker takes it over as after a crash.
   */
  async #release(job: Job, error: unknown, log: Logger): Promise<void> {
    const released = await this.#queue.release(job);
    log.info({ err: error, released }, 'job interrupted by shutdown: it will run again');
  }

  #backoff(attempt: number): number {
    const base = this.#options.backoffMs * 2 ** (attempt - 1);
    return Math.min(5 * 60_000, Math.round(base * (0.75 + Math.random() * 0.5)));
  }
}
