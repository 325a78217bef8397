import { type Kysely, sql, type Transaction } from 'kysely';
import type { AssetOptions } from '../assets/asset-service.ts';
import type { Database, UploadsTable } from '../db/schema.ts';
import { nowIso } from '../lib/time.ts';
import type { Upload, UploadProvider, UploadSource } from './upload.ts';
import type { UploadKind } from './upload-kinds.ts';
import { stampsEnd, stampsStart, UPLOAD_TRANSITIONS, type UploadStatus, type UploadTransition } from './upload-lifecycle.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export function toUpload(row: UploadsTable): Upload {
  return {
    id: row.id,
    projectId: row.project_id,
    authorId: row.author_id,
    kind: row.kind as UploadKind,
    source: row.source as UploadSource,
    provider: row.provider as UploadProvider | null,
    status: row.status as UploadStatus,
    fileName: row.file_name,
    originalFileName: row.original_file_name,
    contentType: row.content_type,
    fileSize: row.file_size,
    partsCount: row.parts_count,
    partSize: row.part_size,
    assetOptions: row.asset_options ? (JSON.parse(row.asset_options) as AssetOptions) : null,
    url: row.url,
    entityId: row.entity_id,
    errorMessage: row.error_message,
    // Every row has one since migration 007; the fallback only keeps the type honest.
    jobId: row.job_id ?? `job_${row.id}`,
    fileId: row.file_id,
    storageKey: row.storage_key,
    multipartId: row.multipart_id,
    expiresAt: row.expires_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    progress: row.progress === null ? null : Number(row.progress),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What a transition may set besides the status and its timestamps. */
export type TransitionChanges = Partial<
  Pick<UploadsTable, 'entity_id' | 'error_message' | 'job_id' | 'multipart_id' | 'completing_at' | 'file_size' | 'progress'>
>;

export class UploadRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(trx: Executor, row: UploadsTable): Promise<void> {
    await trx.insertInto('uploads').values(row).execute();
  }

  /** The upload in the project; any project when `projectId` is null (signed part URLs, jobs). */
  async find(projectId: string | null, id: string, db: Executor = this.#db): Promise<Upload | undefined> {
    let query = db.selectFrom('uploads').selectAll().where('id', '=', id);
    if (projectId !== null) query = query.where('project_id', '=', projectId);
    const row = await query.executeTakeFirst();
    return row && toUpload(row);
  }

  /**
   * Makes a named transition of the lifecycle (upload-lifecycle.ts) only if the upload is still
   * in one of the states it starts from; says whether it did. Entering the first in-progress
   * state stamps `started_at`, a final one `ended_at`; going back to pending clears the start.
   */
  async move(id: string, transition: UploadTransition, changes: TransitionChanges = {}, db: Executor = this.#db): Promise<boolean> {
    const { from, to } = UPLOAD_TRANSITIONS[transition];
    const now = nowIso();
    const result = await db
      .updateTable('uploads')
      .set({
        ...changes,
        status: to,
        updated_at: now,
        ...(stampsStart(to) ? { started_at: sql<string>`coalesce(started_at, ${now})` } : {}),
        ...(stampsEnd(to) ? { ended_at: now } : {}),
        ...(to === 'pending' ? { started_at: null } : {}),
      })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Records a download's progress while the upload is still downloading; false once it is not (aborted). */
  async recordProgress(id: string, progress: number | null): Promise<boolean> {
    const result = await this.#db
      .updateTable('uploads')
      .set({ progress })
      .where('id', '=', id)
      .where('status', '=', 'downloading')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** How many of the project's uploads are unfinished (waiting for parts, a download or a completion). */
  async countUnfinished(projectId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('status', 'in', ['pending', 'downloading', 'completing'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The upload whose public job id is `jobId`, in the project. */
  async findByJob(projectId: string, jobId: string): Promise<Upload | undefined> {
    const row = await this.#db
      .selectFrom('uploads')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return row && toUpload(row);
  }

  /** A page of the project's uploads, newest first, after the (createdAt, id) of the last one seen. */
  async page(
    projectId: string,
    options: { readonly limit: number; readonly statuses?: readonly UploadStatus[]; readonly after?: { createdAt: string; id: string } },
  ): Promise<Upload[]> {
    let query = this.#db.selectFrom('uploads').selectAll().where('project_id', '=', projectId);
    if (options.statuses) query = query.where('status', 'in', [...options.statuses]);
    const after = options.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
    return rows.map(toUpload);
  }

  /**
   * Takes (or renews) the hold on a completing upload until `until`, when no one else holds it:
   * never held, or the holder's lease ran out (it crashed or stalled). Says whether it did.
   */
  async holdCompletion(id: string, until: string, now: string = nowIso()): Promise<boolean> {
    const result = await this.#db
      .updateTable('uploads')
      .set({ completing_at: until })
      .where('id', '=', id)
      .where('status', '=', 'completing')
      .where((eb) => eb.or([eb('completing_at', 'is', null), eb('completing_at', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Extends a hold this process has; false when it was lost (the upload moved on or was taken over). */
  async renewCompletion(id: string, held: string, until: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('uploads')
      .set({ completing_at: until })
      .where('id', '=', id)
      .where('status', '=', 'completing')
      .where('completing_at', '=', held)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Pending uploads past their expiry, oldest first. A completing upload is never among them. */
  async expired(now: string, limit: number): Promise<Upload[]> {
    const rows = await this.#db
      .selectFrom('uploads')
      .selectAll()
      .where('status', '=', 'pending')
      .where('expires_at', '<', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map(toUpload);
  }

  /** Completing uploads whose holder's lease ran out: the recovery sweep finishes or undoes them. */
  async abandonedCompletions(now: string, limit: number): Promise<Upload[]> {
    const rows = await this.#db
      .selectFrom('uploads')
      .selectAll()
      .where('status', '=', 'completing')
      .where((eb) => eb.or([eb('completing_at', 'is', null), eb('completing_at', '<', now)]))
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map(toUpload);
  }

  /** Whether any stored file row owns the object (then it must not be deleted with the upload). */
  async objectIsRecorded(storageKey: string): Promise<boolean> {
    const row = await this.#db.selectFrom('files').select('id').where('storage_key', '=', storageKey).executeTakeFirst();
    return row !== undefined;
  }
}
