import type { Logger } from 'pino';
import type { Job, JobQueue } from './job-queue.ts';

/** The reason a job's signal aborts: this worker no longer holds the job, and must stop. */
export class LeaseLostError extends Error {
  readonly retryable = false;

  constructor(reason: string) {
    super(`lease lost: ${reason}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Keeps a claimed job's lease while it runs: renewed every third of its length, so two renewals
 * may fail (a slow database) before it lapses. `signal` aborts the moment the lease may be lost:
 * a renewal found it taken over, or the lease ran out on this process's clock before a renewal
 * got through (the process was paused, or the database unreachable) — from then on another
 * worker may hold the job, so this one stops instead of racing it.
 */
export class Lease {
  readonly #queue: JobQueue;
  readonly #job: Job;
  readonly #leaseMs: number;
  readonly #log: Logger;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  /** Until when the lease is surely held, by this process's clock. */
  #heldUntil: number;
  #renewing = false;

  constructor(queue: JobQueue, job: Job, leaseMs: number, log: Logger) {
    this.#queue = queue;
    this.#job = job;
    this.#leaseMs = leaseMs;
    this.#log = log;
    this.#heldUntil = Date.parse(job.lease.until);
    this.#timer = setInterval(() => this.#beat(), Math.max(50, Math.floor(leaseMs / 3)));
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Renews now and says whether the lease is still held: checked before acting on the job's owner. */
  async confirm(): Promise<boolean> {
    if (this.#lapsed()) return false;
    const sentAt = Date.now();
    const held = await this.#queue.renew(this.#job, this.#leaseMs);
    if (!held) this.#lose('another worker has taken the job over');
    else this.#heldUntil = Math.max(this.#heldUntil, sentAt + this.#leaseMs);
    return held;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #lapsed(): boolean {
    // A timer that fires late (the process was stopped) sees the lease already past.
    if (Date.now() < this.#heldUntil) return this.#controller.signal.aborted;
    this.#lose('it ran out before it could be renewed (the process stalled, or the database was unreachable)');
    return true;
  }

  #beat(): void {
    if (this.#lapsed() || this.#renewing) return;
    this.#renewing = true;
    this.confirm()
      .catch((error: unknown) => this.#log.warn({ err: error }, 'lease renewal failed; retrying before it runs out'))
      .finally(() => {
        this.#renewing = false;
      });
  }

  #lose(reason: string): void {
    if (this.#controller.signal.aborted) return;
    this.stop();
    const error = new LeaseLostError(reason);
    this.#log.warn({ reason }, 'lease lost: stopping this job, another worker may hold it now');
    this.#controller.abort(error);
  }
}
