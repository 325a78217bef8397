import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { randomToken } from '../lib/ids.ts';
import type { Job, JobQueue } from './job-queue.ts';

/** Says whether a failure is worth another attempt; errors without it are retried. */
export interface MaybeRetryable {
  readonly retryable?: boolean;
}

export interface JobHandler {
  run(job: Job): Promise<void>;
  /** Called once when the job will not be tried again, with the last error. */
  onDead?(job: Job, error: unknown): Promise<void>;
}

export interface RunnerOptions {
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  /** First retry delay; each later one doubles, with jitter, up to five minutes. */
  readonly backoffMs: number;
  /** For tests only (ASSETD_TEST_JOB_DELAY_MS): each job waits this long, leased, before it runs. */
  readonly delayMs?: number;
}

const isRetryable = (error: unknown) => (error as MaybeRetryable | undefined)?.retryable !== false;

/**
 * Runs queued jobs in this process with bounded concurrency. Each running job's lease is
 * renewed while it runs; a job whose process dies is taken over by any runner once its lease
 * runs out. Failures are retried with exponential backoff until the job's last attempt.
 */
export class JobRunner {
  readonly #queue: JobQueue;
  readonly #handlers: ReadonlyMap<string, JobHandler>;
  readonly #options: RunnerOptions;
  readonly #log: Logger;
  readonly #workerId = `${hostname()}:${process.pid}:${randomToken(6)}`;
  readonly #active = new Set<Promise<void>>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(queue: JobQueue, handlers: ReadonlyMap<string, JobHandler>, options: RunnerOptions, log: Logger) {
    this.#queue = queue;
    this.#handlers = handlers;
    this.#options = options;
    this.#log = log;
  }

  get workerId(): string {
    return this.#workerId;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Looks for work now rather than at the next poll (a job was just queued). */
  wake(): void {
    this.#wake?.();
  }

  /** Stops taking jobs and waits for those running to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled(this.#active);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let claimed = false;
      if (this.#active.size < this.#options.concurrency) {
        try {
          const job = await this.#queue.claim(this.#workerId, this.#options.leaseMs);
          if (job) {
            claimed = true;
            const run = this.#execute(job).finally(() => {
              this.#active.delete(run);
              this.wake();
            });
            this.#active.add(run);
          }
        } catch (error) {
          this.#log.error({ err: error }, 'could not claim a job');
        }
      }
      if (!claimed) await this.#sleep(this.#options.pollMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #execute(job: Job): Promise<void> {
    const handler = this.#handlers.get(job.type);
    const log = this.#log.child({ jobId: job.id, jobType: job.type, attempt: job.attempts });
    // Renewed at a third of the lease, so two renewals may fail (a slow database) before it lapses.
    const heartbeat = setInterval(
      () => {
        this.#queue
          .renew(job.id, this.#workerId, this.#options.leaseMs)
          .then((held) => {
            // Another worker took the job over: the handlers' state checks keep its effects single.
            if (!held) log.warn('lease lost: another worker has taken this job over');
          })
          .catch((error) => log.warn({ err: error }, 'lease renewal failed'));
      },
      Math.max(50, Math.floor(this.#options.leaseMs / 3)),
    );
    try {
      if (!handler) throw Object.assign(new Error(`no handler for job type ${job.type}`), { retryable: false });
      if (this.#options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.#options.delayMs));
      await handler.run(job);
      await this.#queue.succeed(job.id, this.#workerId);
      log.debug('job done');
    } catch (error) {
      const retryIn = isRetryable(error) ? this.#backoff(job.attempts) : undefined;
      const message = error instanceof Error ? error.message : String(error);
      const outcome = await this.#queue.fail(job, this.#workerId, message, retryIn).catch((inner) => {
        log.error({ err: inner }, 'could not record a job failure');
        return 'unknown' as const;
      });
      log.warn({ err: error, outcome, retryInMs: retryIn }, 'job failed');
      if (outcome === 'dead') await handler?.onDead?.(job, error).catch((inner) => log.error({ err: inner }, 'dead-job handler failed'));
    } finally {
      clearInterval(heartbeat);
    }
  }

  #backoff(attempt: number): number {
    const base = this.#options.backoffMs * 2 ** (attempt - 1);
    return Math.min(5 * 60_000, Math.round(base * (0.75 + Math.random() * 0.5)));
  }
}
