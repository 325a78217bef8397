import { setTimeout as sleep } from 'node:timers/promises';
import type { AssetKind } from './assets/asset.ts';
import { type BackfillSelection, PreviewBackfill, type QueuedJob } from './assets/preview-backfill.ts';
import { loadConfig } from './config.ts';
import { createContainer } from './container.ts';

export interface BackfillOptions {
  /** Asset kinds to make previews for (image, audio, video, 3d); all of them when empty or absent. */
  readonly kinds?: readonly AssetKind[];
  /** Only assets that lack a preview of their kind, and only what they lack; otherwise every preview is made anew. */
  readonly missingOnly?: boolean;
  /** Wait until every job has run, reporting progress; otherwise return once they are queued. */
  readonly wait?: boolean;
  /**
   * With `wait`: at most this many of the backfill's jobs queued or running at once, the rest queued
   * as those finish, so uploads queued meanwhile wait behind that many at most. All at once when absent.
   */
  readonly inFlight?: number;
  /** How often progress is read while waiting (ms). */
  readonly pollMs?: number;
  readonly onProgress?: (progress: BackfillProgress) => void;
  /** Stops queuing and waiting (the jobs already queued still run). */
  readonly signal?: AbortSignal;
}

export interface BackfillProgress {
  readonly queued: number;
  readonly done: number;
  readonly failed: number;
  /** Every asset the selection covers has been queued. */
  readonly allQueued: boolean;
}

export interface BackfillFailure {
  readonly assetId: string;
  readonly jobId: string;
  readonly error: string;
}

export interface BackfillResult extends BackfillProgress {
  /** The first failures (at most MAX_FAILURES_KEPT), with the reason each job gave. */
  readonly failures: readonly BackfillFailure[];
}

const PAGE = 500;
const MAX_FAILURES_KEPT = 50;

/**
 * `assetd previews backfill`: queues `asset.previews` jobs for existing assets through the same
 * queue the server's workers (`assetd serve`, `assetd worker`) take jobs from, and with `wait`
 * follows them until each is done or failed. Jobs run in the queue's order, the oldest first.
 */
export async function backfillPreviews(env: Record<string, string | undefined>, options: BackfillOptions = {}): Promise<BackfillResult> {
  const config = loadConfig(env);
  const container = await createContainer({ ...config, logLevel: 'silent' });
  try {
    const backfill = new PreviewBackfill(container.db.kysely, container.jobs);
    return await new BackfillRun(backfill, options).run();
  } finally {
    await container.close();
  }
}

/** One backfill: what is queued, what is still followed, and what became of the rest. */
class BackfillRun {
  readonly #backfill: PreviewBackfill;
  readonly #options: BackfillOptions;
  readonly #selection: BackfillSelection;
  /** Queued and not yet seen finished, oldest first (the order they run in). */
  #following: QueuedJob[] = [];
  #after: string | undefined;
  #allQueued = false;
  #queued = 0;
  #done = 0;
  #failed = 0;
  readonly #failures: BackfillFailure[] = [];

  constructor(backfill: PreviewBackfill, options: BackfillOptions) {
    this.#backfill = backfill;
    this.#options = options;
    this.#selection = { kinds: options.kinds ?? [], missingOnly: options.missingOnly ?? false };
  }

  async run(): Promise<BackfillResult> {
    const { signal } = this.#options;
    if (!this.#options.wait) {
      while (!this.#allQueued && !signal?.aborted) await this.#queueMore(PAGE);
      return this.#result();
    }
    const limit = this.#options.inFlight ?? Number.POSITIVE_INFINITY;
    while (!signal?.aborted) {
      while (!this.#allQueued && this.#following.length < limit && !signal?.aborted) {
        await this.#queueMore(Math.min(PAGE, limit - this.#following.length));
      }
      await this.#collect();
      this.#options.onProgress?.(this.#progress());
      if (this.#allQueued && this.#following.length === 0) break;
      await sleep(this.#options.pollMs ?? 1000, undefined, { signal }).catch(() => {});
    }
    return this.#result();
  }

  async #queueMore(limit: number): Promise<void> {
    const assets = await this.#backfill.candidates(this.#selection, this.#after, limit);
    if (assets.length < limit) this.#allQueued = true;
    if (assets.length === 0) return;
    this.#after = assets.at(-1)?.id;
    const jobs = await this.#backfill.queue(assets, this.#selection.missingOnly);
    this.#queued += jobs.length;
    if (this.#options.wait) this.#following.push(...jobs);
  }

  /**
   * Reads the oldest followed jobs a window at a time; while a whole window has finished, the
   * next is read at once. Jobs run oldest first, so the first window is where the work is.
   */
  async #collect(): Promise<void> {
    for (;;) {
      const window = this.#following.slice(0, PAGE);
      if (window.length === 0) return;
      const outcomes = await this.#backfill.outcomes(window.map((job) => job.jobId));
      const open: QueuedJob[] = [];
      for (const job of window) {
        const outcome = outcomes.get(job.jobId);
        if (outcome?.status === 'queued' || outcome?.status === 'running') open.push(job);
        else if (outcome?.status === 'dead') {
          this.#failed++;
          if (this.#failures.length < MAX_FAILURES_KEPT) {
            this.#failures.push({ assetId: job.assetId, jobId: job.jobId, error: outcome.lastError ?? 'unknown' });
          }
        } else this.#done++;
      }
      this.#following = [...open, ...this.#following.slice(window.length)];
      if (open.length > 0) return;
    }
  }

  #progress(): BackfillProgress {
    return { queued: this.#queued, done: this.#done, failed: this.#failed, allQueued: this.#allQueued };
  }

  #result(): BackfillResult {
    return { ...this.#progress(), failures: [...this.#failures] };
  }
}
