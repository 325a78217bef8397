import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_PARTS, type PartPlan, partProblems, planParts, planProblem } from '@assetd/contract/part-plan';
import type { Kysely, Transaction } from 'kysely';
import type { Scope } from '../assets/asset.ts';
import type { AssetOptions, AssetService } from '../assets/asset-service.ts';
import type { Database } from '../db/schema.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import type { EventType } from '../events/event-types.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';
import type { QuotaService } from '../quotas/quota-service.ts';
import { MultipartChangedError, UnknownMultipartError } from '../storage/part-errors.ts';
import type { StorageBackend, StoredPart } from '../storage/storage.ts';
import { plainFileName } from './import/file-name.ts';
import { parseCivitaiUrl, parseHuggingFaceName } from './import/hubs.ts';
import { checkImportUrl } from './import/safe-request.ts';
import {
  DOWNLOAD_UPLOAD_JOB,
  type PartLink,
  type PartLinker,
  PROCESS_UPLOAD_JOB,
  type Upload,
  type UploadProvider,
  type UploadSource,
} from './upload.ts';
import { toUploadJob, type UploadJob } from './upload-job.ts';
import { bareType, contentTypeFits, typesForKind, type UploadKind } from './upload-kinds.ts';
import {
  isTerminal,
  type JobStatus,
  jobStatus,
  type UploadStatus,
  uploadStatusesOf,
  type VisibleUploadStatus,
  visibleStatus,
} from './upload-lifecycle.ts';
import { UploadRepository } from './upload-repository.ts';

export interface CreateUploadInput {
  readonly fileName?: string;
  readonly contentType?: string;
  readonly kind?: UploadKind;
  readonly parts?: number;
  readonly fileSize?: number;
  readonly url?: string;
  readonly huggingFaceModelName?: string;
  readonly civitaiModelUrl?: string;
  readonly assetOptions?: AssetOptions;
}

export interface UploadLimits {
  readonly maxFileBytes: number;
  readonly allowedImportHosts: readonly string[];
  readonly partUrlTtlSeconds: number;
  readonly uploadTtlSeconds: number;
  readonly completionLeaseSeconds: number;
  readonly maxPendingPerProject: number;
}

/** How often a waiting request looks at the upload again: often enough to feel immediate, rare enough to cost little. */
const WAIT_POLL_MS = 100;

/** Rolls back a completion's transaction when another request already moved the upload on. */
const ALREADY_COMPLETED = new Error('the upload was completed by another request');

/** A name safe to show and store: only ever a label, never a path. */
export const displayName = (name: string) => plainFileName(name) ?? 'upload';

const objectKey = (fileId: string) => `objects/${fileId.slice(-2)}/${fileId}`;

/**
 * The queue job that validates an import once its download (the job with the upload's public
 * job id) is done. Derived rather than random, so it can be found from the upload; a multipart
 * upload's validation job has the public id itself.
 */
export const validationJobId = (upload: Pick<Upload, 'jobId'>) => `${upload.jobId}.validate`;

/**
 * The upload state machine: pending (parts arriving, or a download queued) → validating →
 * validated → imported, or failed with a message. Nothing about an upload lives in a
 * process: any process can serve any request of any upload.
 */
/** The event each final state records. */
const ENDED_EVENTS: Partial<Record<string, EventType>> = {
  imported: 'upload.imported',
  failed: 'upload.failed',
  canceled: 'upload.canceled',
};

export class UploadService {
  readonly #db: Kysely<Database>;
  readonly #repo: UploadRepository;
  readonly #storage: StorageBackend;
  readonly #jobs: JobQueue;
  readonly #assets: AssetService;
  readonly #limits: UploadLimits;
  readonly #quotas: QuotaService;
  /** Runs work that frees space so that it works on a full disk too (files/disk-room.ts). */
  readonly #withRoom: <T>(work: () => Promise<T>) => Promise<T>;
  /** Told when a job is queued, so an in-process runner starts at once. */
  readonly #onQueued: () => void;
  readonly #events: EventLog;

  constructor(
    db: Kysely<Database>,
    storage: StorageBackend,
    jobs: JobQueue,
    assets: AssetService,
    quotas: QuotaService,
    events: EventLog,
    limits: UploadLimits,
    onQueued: () => void = () => {},
    withRoom: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
  ) {
    this.#withRoom = withRoom;
    this.#db = db;
    this.#repo = new UploadRepository(db);
    this.#storage = storage;
    this.#jobs = jobs;
    this.#assets = assets;
    this.#quotas = quotas;
    this.#limits = limits;
    this.#onQueued = onQueued;
    this.#events = events;
  }

  async create(scope: Scope, input: CreateUploadInput, linker: PartLinker): Promise<{ upload: Upload; parts?: PartLink[] }> {
    await this.#checkRoom(scope);
    if (input.huggingFaceModelName) return { upload: await this.#createImport(scope, input, 'huggingface', input.huggingFaceModelName) };
    if (input.civitaiModelUrl) return { upload: await this.#createImport(scope, input, 'civitai', input.civitaiModelUrl) };
    if (input.url) return { upload: await this.#createImport(scope, input, 'url', input.url) };
    return this.#createMultipart(scope, input, linker);
  }

  /**
   * Bounds what one project may leave unfinished: each pending upload holds a storage multipart
   * upload (or a queued download) until it completes, is aborted or expires. A soft bound:
   * requests racing past it together may overshoot by their number.
   */
  async #checkRoom(scope: Scope): Promise<void> {
    const limit = this.#limits.maxPendingPerProject;
    if ((await this.#repo.countUnfinished(scope.projectId)) < limit) return;
    throw new AppError(
      'TOO_MANY_PENDING_UPLOADS',
      `This project has ${limit} unfinished uploads, the most it may have: complete or abort some (GET /v1/jobs?status=queued lists them) before starting more`,
      { limit },
    );
  }

  async #checkOptions(scope: Scope, kind: UploadKind, options: AssetOptions | undefined): Promise<void> {
    if (!options) return;
    if (kind === 'model') throw invalid('assetOptions are not available for kind "model": a model import creates no asset options');
    await this.#assets.checkReferences(scope, options);
  }

  async #createMultipart(scope: Scope, input: CreateUploadInput, linker: PartLinker): Promise<{ upload: Upload; parts: PartLink[] }> {
    const missing = (['fileName', 'contentType', 'kind', 'parts', 'fileSize'] as const).filter((field) => input[field] === undefined);
    if (missing.length > 0) {
      throw invalid(
        `A multipart upload needs ${missing.join(', ')}: send fileName, contentType, kind, parts and fileSize (or url with kind to import from a URL)`,
        { missing },
      );
    }
    const { fileName, contentType, kind, parts, fileSize } = input as Required<
      Pick<CreateUploadInput, 'fileName' | 'contentType' | 'kind' | 'parts' | 'fileSize'>
    >;
    if (!Number.isInteger(fileSize) || fileSize < 1) throw invalid('fileSize must be a positive whole number of bytes');
    if (fileSize > this.#limits.maxFileBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `fileSize ${fileSize} is over this server's limit of ${this.#limits.maxFileBytes} bytes`);
    }
    if (!Number.isInteger(parts) || parts < 1 || parts > MAX_PARTS) throw invalid(`parts must be a whole number from 1 to ${MAX_PARTS}`);
    const problem = planProblem(fileSize, parts);
    if (problem) throw invalid(problem);
    if (!contentTypeFits(kind, contentType)) {
      const allowed = typesForKind(kind);
      throw invalid(
        `contentType "${contentType}" does not fit kind "${kind}"${allowed === 'any' ? '' : `: use one of ${allowed.join(', ')}`}`,
      );
    }
    await this.#checkOptions(scope, kind, input.assetOptions);
    // Refused before storage starts a multipart upload; the reservation below is the real check.
    await this.#quotas.precheck(scope.projectId, fileSize);

    const plan = planParts(fileSize, parts);
    const fileId = newId('file');
    const storageKey = objectKey(fileId);
    const expiresAt = new Date(Date.now() + this.#limits.uploadTtlSeconds * 1000).toISOString();
    // The backend that receives parts itself refuses them after the upload's expiry, from its own record.
    const multipartId = await this.#storage.createMultipart(storageKey, { ...plan, expiresAt });
    const now = nowIso();
    const id = newId('upload');
    try {
      await this.#db.transaction().execute(async (trx) => {
        // The declared size and one asset are held from now until the upload ends or is imported.
        await this.#quotas.reserve(trx, scope.projectId, fileSize);
        await this.#repo.insert(trx, {
          id,
          project_id: scope.projectId,
          author_id: scope.authorId,
          kind,
          source: 'multipart',
          provider: null,
          status: 'pending',
          file_name: displayName(fileName),
          original_file_name: fileName,
          content_type: bareType(contentType),
          file_size: fileSize,
          parts_count: parts,
          part_size: plan.partSize,
          asset_options: input.assetOptions ? JSON.stringify(input.assetOptions) : null,
          url: null,
          entity_id: null,
          error_message: null,
          // Public from now on; the queue job that validates the parts gets the same id at completion.
          job_id: newId('job'),
          file_id: fileId,
          storage_key: storageKey,
          multipart_id: multipartId,
          completing_at: null,
          reserved_bytes: fileSize,
          started_at: null,
          ended_at: null,
          progress: null,
          expires_at: expiresAt,
          created_at: now,
          updated_at: now,
        });
      });
    } catch (error) {
      await this.#storage.abortMultipart(storageKey, multipartId).catch(() => {});
      throw error;
    }
    const upload = await this.#get(scope, id);
    return {
      upload,
      parts: await this.#links(
        upload,
        Array.from({ length: parts }, (_, i) => i + 1),
        linker,
      ),
    };
  }

  async #createImport(
    scope: Scope,
    input: CreateUploadInput,
    source: Exclude<UploadSource, 'multipart'>,
    reference: string,
  ): Promise<Upload> {
    const kind: UploadKind = source === 'url' ? (input.kind ?? missingKind()) : (input.kind ?? 'model');
    // What can be refused without the network is refused now; host names are checked when fetched.
    if (source === 'url') checkImportUrl(reference, this.#limits.allowedImportHosts);
    if (source === 'huggingface') parseHuggingFaceName(reference);
    if (source === 'civitai') parseCivitaiUrl(reference);
    if (input.contentType && !contentTypeFits(kind, input.contentType))
      throw invalid(`contentType "${input.contentType}" does not fit kind "${kind}"`);
    await this.#checkOptions(scope, kind, input.assetOptions);
    const provider: UploadProvider = source === 'url' ? 'other' : source;
    const fileId = newId('file');
    const id = newId('upload');
    const now = nowIso();
    const fallbackName = source === 'url' ? (new URL(reference).pathname.split('/').pop() ?? '') : reference;
    await this.#db.transaction().execute(async (trx) => {
      // One asset now; the bytes once the download knows them (finishDownload).
      await this.#quotas.reserve(trx, scope.projectId, 0);
      // The download has a job (and a pool of workers) of its own; it queues the validation when done.
      const jobId = await this.#jobs.enqueue(trx, DOWNLOAD_UPLOAD_JOB, { uploadId: id }, { projectId: scope.projectId });
      await this.#repo.insert(trx, {
        id,
        project_id: scope.projectId,
        author_id: scope.authorId,
        kind,
        source,
        provider,
        status: 'pending',
        file_name: displayName(input.fileName ?? decodeURIComponentSafe(fallbackName)),
        original_file_name: input.fileName ?? null,
        content_type: input.contentType ? bareType(input.contentType) : null,
        file_size: null,
        parts_count: null,
        part_size: null,
        asset_options: input.assetOptions ? JSON.stringify(input.assetOptions) : null,
        url: reference,
        entity_id: null,
        error_message: null,
        job_id: jobId,
        file_id: fileId,
        storage_key: objectKey(fileId),
        multipart_id: null,
        completing_at: null,
        reserved_bytes: 0,
        started_at: null,
        ended_at: null,
        progress: null,
        expires_at: new Date(Date.now() + this.#limits.uploadTtlSeconds * 1000).toISOString(),
        created_at: now,
        updated_at: now,
      });
    });
    this.#onQueued();
    return this.#get(scope, id);
  }

  async #get(scope: Scope, id: string): Promise<Upload> {
    const upload = await this.#repo.find(scope.projectId, id);
    if (!upload) throw notFound('UPLOAD_NOT_FOUND', 'Upload', id);
    return upload;
  }

  get(scope: Scope, id: string): Promise<Upload> {
    return this.#get(scope, id);
  }

  /**
   * The upload as soon as its visible status is no longer `seen` (the one it has now, when not
   * given), or as it is once `ms` have passed or `signal` aborts.
   */
  async waitForChange(scope: Scope, id: string, seen: VisibleUploadStatus | undefined, ms: number, signal?: AbortSignal): Promise<Upload> {
    const first = await this.#get(scope, id);
    const from = seen ?? visibleStatus(first.status);
    return this.#waitWhile(
      first,
      () => this.#get(scope, id),
      (upload) => visibleStatus(upload.status) === from,
      ms,
      signal,
    );
  }

  /**
   * Polls the database rather than waiting for an in-process event, because any process (a
   * worker, another API process) may be the one that moves the upload on.
   */
  async #waitWhile(
    first: Upload,
    load: () => Promise<Upload>,
    unchanged: (upload: Upload) => boolean,
    ms: number,
    signal: AbortSignal | undefined,
  ): Promise<Upload> {
    const deadline = Date.now() + ms;
    let upload = first;
    while (unchanged(upload) && Date.now() < deadline && !signal?.aborted) {
      try {
        await sleep(Math.min(WAIT_POLL_MS, deadline - Date.now()), undefined, signal ? { signal } : undefined);
      } catch {
        break; // aborted: answer with what we have
      }
      upload = await load();
    }
    return upload;
  }

  // Scenario's jobs resource: one job per upload, derived from it (upload-job.ts).

  async #getByJob(scope: Scope, jobId: string): Promise<Upload> {
    const upload = await this.#repo.findByJob(scope.projectId, jobId);
    if (!upload) throw notFound('JOB_NOT_FOUND', 'Job', jobId);
    return upload;
  }

  async getJob(scope: Scope, jobId: string): Promise<UploadJob> {
    return toUploadJob(await this.#getByJob(scope, jobId));
  }

  /** The job once its status is no longer `seen` (its current one when not given), or after `ms`. */
  async waitForJob(scope: Scope, jobId: string, seen: JobStatus | undefined, ms: number, signal?: AbortSignal): Promise<UploadJob> {
    const first = await this.#getByJob(scope, jobId);
    const from = seen ?? jobStatus(first.status);
    const upload = await this.#waitWhile(
      first,
      () => this.#getByJob(scope, jobId),
      (u) => jobStatus(u.status) === from,
      ms,
      signal,
    );
    return toUploadJob(upload);
  }

  /** The project's uploads, newest first, in keyset pages; `statuses` are upload statuses. */
  async list(
    scope: Scope,
    query: { readonly pageSize: number; readonly paginationToken?: string; readonly statuses?: readonly UploadStatus[] },
  ): Promise<{ uploads: Upload[]; nextPaginationToken?: string }> {
    const after = query.paginationToken === undefined ? undefined : decodeUploadCursor(query.paginationToken);
    const rows = await this.#repo.page(scope.projectId, {
      limit: query.pageSize + 1,
      ...(query.statuses ? { statuses: query.statuses } : {}),
      ...(after ? { after } : {}),
    });
    const page = rows.slice(0, query.pageSize);
    const last = page.at(-1);
    return { uploads: page, ...(rows.length > query.pageSize && last ? { nextPaginationToken: encodeUploadCursor(last) } : {}) };
  }

  /** The project's jobs, newest first (each upload's job view). */
  async listJobs(
    scope: Scope,
    query: { readonly pageSize: number; readonly paginationToken?: string; readonly statuses?: readonly JobStatus[] },
  ): Promise<{ jobs: UploadJob[]; nextPaginationToken?: string }> {
    const statuses = query.statuses?.flatMap(uploadStatusesOf);
    const page = await this.list(scope, {
      pageSize: query.pageSize,
      ...(query.paginationToken !== undefined ? { paginationToken: query.paginationToken } : {}),
      ...(statuses ? { statuses } : {}),
    });
    return { jobs: page.uploads.map(toUploadJob), ...(page.nextPaginationToken ? { nextPaginationToken: page.nextPaginationToken } : {}) };
  }

  #plan(upload: Upload): PartPlan {
    return { fileSize: upload.fileSize ?? 0, partsCount: upload.partsCount ?? 1, partSize: upload.partSize ?? upload.fileSize ?? 0 };
  }

  #requirePendingMultipart(upload: Upload): void {
    if (upload.source !== 'multipart' || !upload.multipartId) {
      throw new AppError('UPLOAD_STATE', `Upload "${upload.id}" is a ${upload.source} import: it has no parts`);
    }
    if (upload.status === 'completing') {
      throw new AppError('UPLOAD_COMPLETING', `Upload "${upload.id}" is being completed: it takes no more parts`, { retryAfterSeconds: 2 });
    }
    if (upload.status !== 'pending') {
      throw new AppError('UPLOAD_STATE', `Upload "${upload.id}" is ${upload.status}: it no longer takes parts`);
    }
  }

  async #links(upload: Upload, numbers: readonly number[], linker: PartLinker): Promise<PartLink[]> {
    const ttl = this.#limits.partUrlTtlSeconds;
    // A part URL never outlives the upload itself.
    const expiresAt = Math.min(Math.floor(Date.now() / 1000) + ttl, Math.floor(Date.parse(upload.expiresAt) / 1000));
    const expires = new Date(expiresAt * 1000).toISOString();
    return Promise.all(numbers.map(async (number) => ({ number, url: await linker(upload, number, expiresAt), expires })));
  }

  /** Fresh URLs for chosen parts (all when none are named), for a client resuming a pending upload. */
  async signParts(scope: Scope, id: string, numbers: readonly number[] | undefined, linker: PartLinker): Promise<PartLink[]> {
    const upload = await this.#get(scope, id);
    this.#requirePendingMultipart(upload);
    const count = upload.partsCount ?? 1;
    const wanted =
      numbers && numbers.length > 0 ? [...new Set(numbers)].sort((a, b) => a - b) : Array.from({ length: count }, (_, i) => i + 1);
    const outside = wanted.filter((n) => !Number.isInteger(n) || n < 1 || n > count);
    if (outside.length > 0) throw invalid(`part numbers must be from 1 to ${count}; got ${outside.join(', ')}`);
    return this.#links(upload, wanted, linker);
  }

  /** The parts received so far, with their sizes and ETags. */
  async listParts(scope: Scope, id: string): Promise<{ upload: Upload; parts: StoredPart[] }> {
    const upload = await this.#get(scope, id);
    this.#requirePendingMultipart(upload);
    try {
      return { upload, parts: await this.#storage.listParts(upload.storageKey, upload.multipartId as string) };
    } catch (error) {
      // Storage dropped it on its own (an S3 lifecycle rule, a hand-cleaned folder): the client's to redo.
      if (error instanceof UnknownMultipartError) {
        throw new AppError('UPLOAD_STATE', `Upload "${id}" lost its parts in storage: abort it and create a new upload`);
      }
      throw error;
    }
  }

  /**
   * `action: complete`. Records the intent (`completing`) before storage joins anything, then
   * checks the parts, joins them and queues validation. Idempotent: calling it again returns
   * the upload as it is, finishes a completion that a crashed or failed request left behind, or
   * — while another request is completing it — answers UPLOAD_COMPLETING, which is worth retrying.
   */
  async complete(scope: Scope, id: string): Promise<Upload> {
    let upload = await this.#get(scope, id);
    if (upload.source !== 'multipart' || !upload.multipartId) return upload;
    if (upload.status === 'pending') {
      if (Date.parse(upload.expiresAt) <= Date.now()) {
        throw new AppError('UPLOAD_STATE', `Upload "${id}" has expired before it was completed: create a new upload`);
      }
      const until = this.#leaseUntil();
      if (await this.#repo.move(id, 'beginCompletion', { completing_at: until })) {
        await this.#finishCompletion({ ...upload, status: 'completing' }, until);
        return this.#get(scope, id);
      }
      upload = await this.#get(scope, id);
    }
    if (upload.status !== 'completing') return upload;
    const until = this.#leaseUntil();
    if (!(await this.#repo.holdCompletion(id, until))) {
      throw new AppError('UPLOAD_COMPLETING', `Upload "${id}" is being completed by another request: retry in a moment`, {
        retryAfterSeconds: 2,
      });
    }
    await this.#finishCompletion(upload, until);
    return this.#get(scope, id);
  }

  #leaseUntil(): string {
    return new Date(Date.now() + this.#limits.completionLeaseSeconds * 1000).toISOString();
  }

  /**
   * Finishes a completing upload this process holds, from wherever the last attempt stopped:
   * the object already there with the planned size means storage completed (a crash, a failed
   * database write, or on S3 a CompleteMultipartUpload whose reply was lost); else the parts are
   * checked and joined. Part problems reopen the upload (`pending`) for the client to fix;
   * neither path ever deletes the object.
   */
  async #finishCompletion(upload: Upload, heldUntil: string): Promise<void> {
    const { id, storageKey } = upload;
    const multipartId = upload.multipartId as string;
    const plan = this.#plan(upload);
    let held = heldUntil;
    // Renewed while storage works (a join of a large file takes a while), so no one takes it over.
    const renewal = setInterval(
      () => {
        const next = this.#leaseUntil();
        void this.#repo.renewCompletion(id, held, next).then(
          (ok) => {
            if (ok) held = next;
          },
          () => {},
        );
      },
      Math.max(250, (this.#limits.completionLeaseSeconds * 1000) / 3),
    );
    renewal.unref();
    try {
      let done = await this.#objectComplete(storageKey, plan.fileSize);
      let parts: StoredPart[] = [];
      let sha256: string | undefined;
      if (!done) {
        try {
          parts = await this.#storage.listParts(storageKey, multipartId);
        } catch (error) {
          if (!(error instanceof UnknownMultipartError)) throw error;
          // Gone: completed by an attempt that died after, or lost (then the upload cannot be saved).
          done = await this.#objectComplete(storageKey, plan.fileSize);
          if (!done) {
            await this.#end(upload, 'fail', 'The uploaded parts were lost before they could be joined: upload the file again');
            throw new AppError('UPLOAD_STATE', `Upload "${id}" lost its parts before they were joined: upload the file again`);
          }
        }
      }
      if (!done) {
        let problems = partProblems(plan, parts);
        const intake = this.#storage.partIntake;
        if (problems.length > 0 && intake) {
          // A part being sent again is unlisted until its new bytes are whole: let the PUTs under
          // way end, then look again, so "missing" means missing.
          try {
            await intake.settle(multipartId);
          } catch (error) {
            if (!(error instanceof MultipartChangedError)) throw error;
            await this.#reopen(upload);
            throw new AppError('UPLOAD_STATE', `Upload "${id}" cannot be completed now: ${error.message}`);
          }
          parts = await this.#storage.listParts(storageKey, multipartId);
          problems = partProblems(plan, parts);
        }
        if (problems.length > 0) {
          await this.#reopen(upload);
          throw new AppError('UPLOAD_NOT_COMPLETABLE', `The upload cannot be completed: ${problems.join('; ')}`, { problems });
        }
        try {
          ({ sha256 } = await this.#storage.completeMultipart(storageKey, multipartId, parts));
        } catch (error) {
          if (error instanceof MultipartChangedError) {
            await this.#reopen(upload);
            throw new AppError('UPLOAD_STATE', `Upload "${id}" cannot be completed now: ${error.message}`);
          }
          // Completed all the same (S3 finished a request whose reply was lost): carry on.
          if (!(await this.#objectComplete(storageKey, plan.fileSize))) throw error;
        }
      } else {
        // Storage completed before a crash: whatever is left of the multipart upload goes.
        await this.#storage.abortMultipart(storageKey, multipartId).catch(() => {});
      }
      const moved = await this.#db
        .transaction()
        .execute(async (trx) => {
          const won = await this.#repo.move(id, 'queueValidation', { multipart_id: null, completing_at: null }, trx);
          // Another holder (this one's lease ran out under load) finished first: keep its job only.
          if (!won) throw ALREADY_COMPLETED;
          // The queue job takes the upload's public job id, so the two are one job to everyone.
          // The digest storage made of the very bytes it joined spares the job a pass over them.
          const payload = { uploadId: id, ...(sha256 ? { sha256 } : {}) };
          await this.#jobs.enqueue(trx, PROCESS_UPLOAD_JOB, payload, { id: upload.jobId, projectId: upload.projectId });
          return true;
        })
        .catch((error: unknown) => {
          if (error === ALREADY_COMPLETED) return false;
          throw error;
        });
      if (moved) this.#onQueued();
    } finally {
      clearInterval(renewal);
    }
  }

  async #objectComplete(storageKey: string, fileSize: number): Promise<boolean> {
    return (await this.#storage.size(storageKey)) === fileSize;
  }

  /** Back to pending, for the client to fix its parts and complete again. */
  async #reopen(upload: Upload): Promise<void> {
    await this.#repo.move(upload.id, 'reopen', { completing_at: null });
    // A completion that died after sealing the parts must not leave them refusing PUTs.
    if (upload.multipartId) await this.#storage.partIntake?.unseal(upload.multipartId);
  }

  /**
   * Finishes (or undoes) completions whose holder died or stalled past its lease: a restart or
   * any process's sweep picks them up. Safe in several processes at once: each takes its hold.
   */
  async recoverCompletions(limit = 100): Promise<number> {
    let recovered = 0;
    for (const upload of await this.#repo.abandonedCompletions(nowIso(), limit)) {
      const until = this.#leaseUntil();
      if (!(await this.#repo.holdCompletion(upload.id, until))) continue;
      try {
        await this.#finishCompletion(upload, until);
        recovered++;
      } catch (error) {
        // Reopened for the client (part problems) or left for the next sweep (storage unreachable).
        if (!(error instanceof AppError)) throw error;
      }
    }
    return recovered;
  }

  /**
   * Abandons an upload that has not begun validating: its parts are deleted, a running download
   * is cancelled (its job sees the upload leave `downloading` within a second and stops), and it
   * ends canceled.
   */
  async abort(scope: Scope, id: string): Promise<Upload> {
    const upload = await this.#get(scope, id);
    if (!(await this.#withRoom(() => this.#end(upload, 'abort', 'The upload was aborted by the client')))) {
      const now = await this.#get(scope, id);
      throw new AppError('UPLOAD_STATE', `Upload "${id}" is ${visibleStatus(now.status)}: only a pending upload can be aborted`);
    }
    return this.#get(scope, id);
  }

  /** Ends pending uploads whose time ran out and deletes their bytes; safe to run in several processes. */
  async sweepExpired(limit = 100): Promise<number> {
    let swept = 0;
    // Only pending ones: a completing upload is finished by its recovery, never deleted.
    for (const upload of await this.#repo.expired(nowIso(), limit)) {
      if (await this.#end(upload, 'expire', 'The upload expired before it was completed: create a new upload')) swept++;
    }
    return swept;
  }

  async #end(upload: Upload, transition: 'abort' | 'expire' | 'fail', message: string): Promise<boolean> {
    // The conditional update decides which process does it; only the winner gives back the
    // upload's quota reservation (in the same transaction) and deletes bytes.
    const won = await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#repo.move(upload.id, transition, { error_message: message, completing_at: null }, trx))) return false;
      await this.#quotas.release(trx, upload);
      await this.#recordEnded(trx, upload.id);
      return true;
    });
    if (!won) return false;
    await this.#dropBytes(upload);
    return true;
  }

  /** Deletes what an ended upload left in storage, unless a stored file row already owns the object. */
  async #dropBytes(upload: Upload): Promise<void> {
    if (upload.multipartId) await this.#storage.abortMultipart(upload.storageKey, upload.multipartId).catch(() => {});
    if (!(await this.#repo.objectIsRecorded(upload.storageKey))) await this.#storage.delete(upload.storageKey).catch(() => {});
  }

  // The steps of the upload.download and upload.process jobs (pipeline/). Each is one named
  // transition and says whether it happened; false means the upload moved on without this job.

  /** Any upload, whatever its project: the job knows it by id. */
  findForJob(id: string): Promise<Upload | undefined> {
    return this.#repo.find(null, id);
  }

  /** An import's download begins (or begins again after a crash or a retry). */
  beginDownload(upload: Upload): Promise<boolean> {
    return this.#repo.move(upload.id, 'beginDownload', { progress: null });
  }

  /** Records how far a download got; false once the upload stopped downloading (it was aborted). */
  recordDownloadProgress(upload: Upload, progress: number | null): Promise<boolean> {
    return this.#repo.recordProgress(upload.id, progress);
  }

  /**
   * The downloaded bytes are stored under the upload's key: on to validation, whose job is
   * queued in the same transaction (so the upload is never `validating` without one). When the
   * upload was aborted or failed meanwhile, the object just stored is deleted here (the abort
   * ran before it existed); when another attempt already handed it on, that object is left alone.
   */
  async finishDownload(upload: Upload, fileSize: number): Promise<boolean> {
    let refusal: AppError | undefined;
    const moved = await this.#db
      .transaction()
      .execute(async (trx) => {
        if (!(await this.#repo.move(upload.id, 'downloaded', { file_size: fileSize, progress: 1 }, trx))) return false;
        // Its size is known now; refused, the move rolls back with it.
        await this.#quotas.reserveMore(trx, upload, fileSize);
        await this.#jobs.enqueue(
          trx,
          PROCESS_UPLOAD_JOB,
          { uploadId: upload.id },
          { id: validationJobId(upload), projectId: upload.projectId },
        );
        return true;
      })
      .catch((error: unknown) => {
        if (!(error instanceof AppError && error.code === 'QUOTA_EXCEEDED')) throw error;
        refusal = error;
        return false;
      });
    if (refusal) {
      // The file turned out bigger than the project has room for: the upload fails, its bytes go.
      await this.fail(upload, `The downloaded file does not fit: ${refusal.message}`);
      return false;
    }
    if (moved) {
      this.#onQueued();
      return true;
    }
    const now = await this.#repo.find(null, upload.id);
    if (!now || isTerminal(now.status)) await this.#dropBytes(upload);
    return false;
  }

  /** The file passed its checks. True also when an earlier attempt of the job got this far. */
  async markValidated(upload: Upload): Promise<boolean> {
    if (await this.#repo.move(upload.id, 'validate')) return true;
    return (await this.#repo.find(null, upload.id))?.status === 'validated';
  }

  /** The asset exists (inside the transaction that created it, which counted it): the reservation goes. */
  async markImported(upload: Upload, assetId: string, trx: Transaction<Database>): Promise<boolean> {
    if (!(await this.#repo.move(upload.id, 'import', { entity_id: assetId }, trx))) return false;
    await this.#quotas.release(trx, upload);
    await this.#recordEnded(trx, upload.id);
    return true;
  }

  /** Records `upload.<imported|failed|canceled>` with the upload as it ended, in the transaction that ended it. */
  async #recordEnded(trx: Transaction<Database>, id: string): Promise<void> {
    const ended = await this.#repo.find(null, id, trx);
    if (!ended) return;
    const type = ENDED_EVENTS[ended.status];
    if (type) await this.#events.record(trx, ended.projectId, type, ended);
  }

  /** Ends the upload failed with `message` and deletes its bytes; false when it had already ended. */
  fail(upload: Upload, message: string): Promise<boolean> {
    return this.#end(upload, 'fail', message);
  }
}

/** A page token: where the last page ended, (createdAt, id) in the newest-first order. */
function encodeUploadCursor(upload: Upload): string {
  return Buffer.from(JSON.stringify([upload.createdAt, upload.id])).toString('base64url');
}

function decodeUploadCursor(token: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string' && part.length <= 200)) {
      return { createdAt: value[0] as string, id: value[1] as string };
    }
  } catch {
    // falls through to the error below
  }
  throw new AppError('INVALID_PAGINATION_TOKEN', 'paginationToken is not one this server issued: pass nextPaginationToken back unchanged');
}

function missingKind(): never {
  throw invalid('kind is required with url: say what the file is (image, audio, video, 3d, …)');
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
