import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { AssetKind } from './asset.ts';
import { ASSET_PREVIEWS_JOB, type AssetPreviewsPayload, KINDS_WITH_PREVIEWS, PREVIEW_COLUMNS, PREVIEWS_BY_KIND } from './previews.ts';

export interface BackfillSelection {
  /** The asset kinds to make previews for; every kind that has previews when empty. */
  readonly kinds: readonly AssetKind[];
  /** Only assets that lack a preview of their kind, and only what they lack. */
  readonly missingOnly: boolean;
}

/** A queued job as the backfill follows it. */
export interface QueuedJob {
  readonly jobId: string;
  readonly assetId: string;
}

export interface JobOutcome {
  readonly status: 'queued' | 'running' | 'done' | 'dead';
  readonly lastError: string | null;
}

/** Attempts of a preview job: a file that fails three times is not going to make it. */
const MAX_ATTEMPTS = 3;

/**
 * Queues `asset.previews` jobs for existing assets, a page at a time in the assets' id order
 * (the primary key: a page never rescans what came before, and assets added meanwhile are
 * either in a later page or already have their previews), and reads what became of them.
 */
export class PreviewBackfill {
  readonly #db: Kysely<Database>;
  readonly #jobs: JobQueue;

  constructor(db: Kysely<Database>, jobs: JobQueue) {
    this.#db = db;
    this.#jobs = jobs;
  }

  /** Up to `limit` assets after `afterId` that the selection covers. */
  async candidates(selection: BackfillSelection, afterId: string | undefined, limit: number): Promise<{ id: string; projectId: string }[]> {
    const kinds = (selection.kinds.length > 0 ? selection.kinds : KINDS_WITH_PREVIEWS).filter((kind) => PREVIEWS_BY_KIND[kind].length > 0);
    if (kinds.length === 0) return [];
    let query = this.#db.selectFrom('assets').select(['id', 'project_id']).where('kind', 'in', kinds);
    if (selection.missingOnly) {
      query = query.where((eb) =>
        eb.or(
          kinds.map((kind) =>
            eb.and([eb('kind', '=', kind), eb.or(PREVIEWS_BY_KIND[kind].map((slot) => eb(PREVIEW_COLUMNS[slot], 'is', null)))]),
          ),
        ),
      );
    }
    if (afterId !== undefined) query = query.where('id', '>', afterId);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, projectId: row.project_id }));
  }

  /** One job per asset, all in one transaction. */
  async queue(assets: readonly { id: string; projectId: string }[], missingOnly: boolean): Promise<QueuedJob[]> {
    if (assets.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      const queued: QueuedJob[] = [];
      for (const asset of assets) {
        const payload: AssetPreviewsPayload = { assetId: asset.id, projectId: asset.projectId, missingOnly };
        // The project too, for its fair share of the workers: a project's backfill waits behind its own jobs, not the others'.
        const jobId = await this.#jobs.enqueue(
          trx,
          ASSET_PREVIEWS_JOB,
          { ...payload },
          { maxAttempts: MAX_ATTEMPTS, projectId: asset.projectId },
        );
        queued.push({ jobId, assetId: asset.id });
      }
      return queued;
    });
  }

  /** What became of these jobs, by id (a job no longer in the table is absent). */
  async outcomes(jobIds: readonly string[]): Promise<Map<string, JobOutcome>> {
    if (jobIds.length === 0) return new Map();
    const rows = await this.#db.selectFrom('jobs').select(['id', 'status', 'last_error']).where('id', 'in', jobIds).execute();
    return new Map(rows.map((row) => [row.id, { status: row.status as JobOutcome['status'], lastError: row.last_error }]));
  }
}
