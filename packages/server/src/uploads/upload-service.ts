import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Scope } from '../assets/asset.ts';
import type { AssetOptions, AssetService } from '../assets/asset-service.ts';
import type { Database } from '../db/schema.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';
import type { StorageBackend, StoredPart } from '../storage/storage.ts';
import { plainFileName } from './import/file-name.ts';
import { checkImportUrl } from './import/safe-request.ts';
import { MAX_PARTS, maxPartSize, type PartPlan, partProblems, planParts, planProblem } from './part-plan.ts';
import {
  type PartLink,
  type PartLinker,
  PROCESS_UPLOAD_JOB,
  type Upload,
  type UploadProvider,
  type UploadSource,
  type UploadStatus,
} from './upload.ts';
import { bareType, contentTypeFits, typesForKind, type UploadKind } from './upload-kinds.ts';
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
}

/** How often a waiting request looks at the upload again: often enough to feel immediate, rare enough to cost little. */
const WAIT_POLL_MS = 100;

/** How long a completion may take before another request may try again. */
const COMPLETION_CLAIM_MS = 15 * 60 * 1000;

/** A name safe to show and store: only ever a label, never a path. */
export const displayName = (name: string) => plainFileName(name) ?? 'upload';

const objectKey = (fileId: string) => `objects/${fileId.slice(-2)}/${fileId}`;

/**
 * The upload state machine: pending (parts arriving, or a download queued) → validating →
 * validated → imported, or failed with a message. Nothing about an upload lives in a
 * process: any process can serve any request of any upload.
 */
export class UploadService {
  readonly #db: Kysely<Database>;
  readonly #repo: UploadRepository;
  readonly #storage: StorageBackend;
  readonly #jobs: JobQueue;
  readonly #assets: AssetService;
  readonly #limits: UploadLimits;
  /** Told when a job is queued, so an in-process runner starts at once. */
  readonly #onQueued: () => void;

  constructor(
    db: Kysely<Database>,
    storage: StorageBackend,
    jobs: JobQueue,
    assets: AssetService,
    limits: UploadLimits,
    onQueued: () => void = () => {},
  ) {
    this.#db = db;
    this.#repo = new UploadRepository(db);
    this.#storage = storage;
    this.#jobs = jobs;
    this.#assets = assets;
    this.#limits = limits;
    this.#onQueued = onQueued;
  }

  get repository(): UploadRepository {
    return this.#repo;
  }

  async create(scope: Scope, input: CreateUploadInput, linker: PartLinker): Promise<{ upload: Upload; parts?: PartLink[] }> {
    if (input.huggingFaceModelName) return { upload: await this.#createImport(scope, input, 'huggingface', input.huggingFaceModelName) };
    if (input.civitaiModelUrl) return { upload: await this.#createImport(scope, input, 'civitai', input.civitaiModelUrl) };
    if (input.url) return { upload: await this.#createImport(scope, input, 'url', input.url) };
    return this.#createMultipart(scope, input, linker);
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

    const plan = planParts(fileSize, parts);
    const fileId = newId('file');
    const storageKey = objectKey(fileId);
    const multipartId = await this.#storage.createMultipart(storageKey, plan);
    const now = nowIso();
    const id = newId('upload');
    try {
      await this.#repo.insert(this.#db, {
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
        job_id: null,
        file_id: fileId,
        storage_key: storageKey,
        multipart_id: multipartId,
        completing_at: null,
        expires_at: new Date(Date.now() + this.#limits.uploadTtlSeconds * 1000).toISOString(),
        created_at: now,
        updated_at: now,
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
    if (input.contentType && !contentTypeFits(kind, input.contentType))
      throw invalid(`contentType "${input.contentType}" does not fit kind "${kind}"`);
    await this.#checkOptions(scope, kind, input.assetOptions);
    const provider: UploadProvider = source === 'url' ? 'other' : source;
    const fileId = newId('file');
    const id = newId('upload');
    const now = nowIso();
    const fallbackName = source === 'url' ? (new URL(reference).pathname.split('/').pop() ?? '') : reference;
    await this.#db.transaction().execute(async (trx) => {
      const jobId = await this.#jobs.enqueue(trx, PROCESS_UPLOAD_JOB, { uploadId: id });
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
   * The upload as soon as its status is no longer `status` (the status it has now, when not
   * given), or as it is once `ms` have passed or `signal` aborts. It polls the database rather
   * than waiting for an in-process event, because any process (a worker, another API process)
   * may be the one that moves the upload on.
   */
  async waitForChange(scope: Scope, id: string, status: UploadStatus | undefined, ms: number, signal?: AbortSignal): Promise<Upload> {
    const deadline = Date.now() + ms;
    let upload = await this.#get(scope, id);
    const from = status ?? upload.status;
    while (upload.status === from && Date.now() < deadline && !signal?.aborted) {
      try {
        await sleep(Math.min(WAIT_POLL_MS, deadline - Date.now()), undefined, signal ? { signal } : undefined);
      } catch {
        break; // aborted: answer with what we have
      }
      upload = await this.#get(scope, id);
    }
    return upload;
  }

  #plan(upload: Upload): PartPlan {
    return { fileSize: upload.fileSize ?? 0, partsCount: upload.partsCount ?? 1, partSize: upload.partSize ?? upload.fileSize ?? 0 };
  }

  #requirePendingMultipart(upload: Upload): void {
    if (upload.source !== 'multipart' || !upload.multipartId) {
      throw new AppError('UPLOAD_STATE', `Upload "${upload.id}" is a ${upload.source} import: it has no parts`);
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
    return { upload, parts: await this.#storage.listParts(upload.storageKey, upload.multipartId as string) };
  }

  /** The largest body part n may have, for the part endpoint. */
  maxPartBytes(upload: Upload, partNumber: number): number {
    return maxPartSize(this.#plan(upload), partNumber);
  }

  /** For the signed part endpoint, which is authorised by its signature rather than a key. */
  async pendingForPart(id: string, partNumber: number): Promise<Upload> {
    const upload = await this.#repo.find(null, id);
    if (!upload) throw notFound('UPLOAD_NOT_FOUND', 'Upload', id);
    this.#requirePendingMultipart(upload);
    if (Date.parse(upload.expiresAt) <= Date.now()) throw new AppError('UPLOAD_STATE', `Upload "${id}" has expired: create a new upload`);
    if (partNumber > (upload.partsCount ?? 1)) throw invalid(`part ${partNumber} is outside this upload's ${upload.partsCount} parts`);
    return upload;
  }

  /**
   * `action: complete`. Checks the parts, joins them, and queues validation. Calling it again
   * returns the upload as it is; while another request is completing it, the caller is told so.
   */
  async complete(scope: Scope, id: string): Promise<Upload> {
    const upload = await this.#get(scope, id);
    if (upload.status !== 'pending') return upload;
    if (upload.source !== 'multipart' || !upload.multipartId) return upload;
    const staleBefore = new Date(Date.now() - COMPLETION_CLAIM_MS).toISOString();
    if (!(await this.#repo.claimCompletion(id, staleBefore))) {
      const now = await this.#get(scope, id);
      if (now.status !== 'pending') return now;
      throw new AppError('UPLOAD_STATE', `Upload "${id}" is being completed by another request: poll GET /v1/uploads/${id}`);
    }
    try {
      const parts = await this.#storage.listParts(upload.storageKey, upload.multipartId);
      const problems = partProblems(this.#plan(upload), parts);
      if (problems.length > 0) {
        throw new AppError('UPLOAD_NOT_COMPLETABLE', `The upload cannot be completed: ${problems.join('; ')}`, { problems });
      }
      await this.#storage.completeMultipart(upload.storageKey, upload.multipartId, parts);
    } catch (error) {
      await this.#repo.releaseCompletion(id);
      throw error;
    }
    await this.#db.transaction().execute(async (trx) => {
      const jobId = await this.#jobs.enqueue(trx, PROCESS_UPLOAD_JOB, { uploadId: id });
      await this.#repo.transition(id, ['pending'], { status: 'validating', job_id: jobId, multipart_id: null, completing_at: null }, trx);
    });
    this.#onQueued();
    return this.#get(scope, id);
  }

  /** Abandons a pending upload: its parts are deleted and it ends failed. */
  async abort(scope: Scope, id: string): Promise<Upload> {
    const upload = await this.#get(scope, id);
    if (upload.status !== 'pending') {
      throw new AppError('UPLOAD_STATE', `Upload "${id}" is ${upload.status}: only a pending upload can be aborted`);
    }
    await this.#end(upload, 'The upload was aborted by the client');
    return this.#get(scope, id);
  }

  /** Ends pending uploads whose time ran out and deletes their bytes; safe to run in several processes. */
  async sweepExpired(limit = 100): Promise<number> {
    let swept = 0;
    // An upload whose parts are being joined right now is left to its complete request.
    const completingSince = new Date(Date.now() - COMPLETION_CLAIM_MS).toISOString();
    for (const upload of await this.#repo.expired(nowIso(), completingSince, limit)) {
      if (await this.#end(upload, 'The upload expired before it was completed: create a new upload')) swept++;
    }
    return swept;
  }

  async #end(upload: Upload, message: string): Promise<boolean> {
    // The conditional update decides which process does it; only the winner deletes bytes.
    const won = await this.#repo.transition(upload.id, ['pending'], { status: 'failed', error_message: message, completing_at: null });
    if (!won) return false;
    if (upload.multipartId) await this.#storage.abortMultipart(upload.storageKey, upload.multipartId).catch(() => {});
    await this.#storage.delete(upload.storageKey).catch(() => {});
    return true;
  }
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
