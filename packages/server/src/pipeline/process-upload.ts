import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { AssetService } from '../assets/asset-service.ts';
import { AppError } from '../errors.ts';
import type { Job } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { storageSource } from '../media/byte-source.ts';
import type { StorageBackend } from '../storage/storage.ts';
import type { Upload } from '../uploads/upload.ts';
import { assetKindsFor, sameFormat } from '../uploads/upload-kinds.ts';
import { isTerminal } from '../uploads/upload-lifecycle.ts';
import type { UploadService } from '../uploads/upload-service.ts';
import { type Description, describeFile } from './description.ts';

/** The `upload.download` job's handler (pipeline/download-upload.ts), run inline for an older job. */
export interface DownloadStep {
  run(job: Job, signal?: AbortSignal): Promise<void>;
}

export interface ProcessOptions {
  readonly maxPixels: number;
  /** A validation step that runs longer is stopped and the upload fails. */
  readonly stepTimeoutMs: number;
  readonly ffmpeg?: string | false;
}

/** A failure that retrying cannot fix: the file itself is wrong, or the request was. */
export function isPermanent(error: unknown): boolean {
  const retryable = (error as { retryable?: boolean } | undefined)?.retryable;
  if (retryable !== undefined) return !retryable;
  return error instanceof AppError && error.status < 500;
}

/** The SHA-256 that identifies identical files: it needs every byte, streamed, never stored. */
async function sha256Of(bytes: Readable, signal: AbortSignal | undefined): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(bytes, hash, ...(signal ? [{ signal }] : []));
  return hash.digest('hex');
}

/** `work`, telling `done` how many milliseconds it took (when it succeeds). */
async function timed<T>(work: Promise<T>, done: (ms: number) => void): Promise<T> {
  const started = performance.now();
  const value = await work;
  done(Math.round(performance.now() - started));
  return value;
}

/** The SHA-256 completion queued with the job (see UploadService.complete), when it is one. */
function knownDigest(job: Job): string | undefined {
  const { sha256 } = job.payload;
  return typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256) ? sha256 : undefined;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AppError(
            'UNSUPPORTED_FORMAT',
            `${what} took longer than ${Math.round(ms / 1000)} s and was stopped: the file may be corrupt`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const describeKind = (d: Description) => `${d.format.toUpperCase()} ${d.kind === '3d' ? '3D model' : d.kind} (${d.mimeType})`;

/** Refuses a file whose bytes contradict what the upload declared, saying what it really is. */
export function checkDeclared(upload: Upload, description: Description): void {
  const kinds = assetKindsFor(upload.kind);
  if (kinds && !kinds.includes(description.kind)) {
    throw new AppError(
      'FORMAT_MISMATCH',
      `The file is a ${describeKind(description)}, but the upload declared kind "${upload.kind}": create the upload again with kind "${description.kind}" and contentType "${description.mimeType}"`,
    );
  }
  const declared = upload.contentType;
  if (declared && declared !== 'application/octet-stream' && upload.kind !== 'model' && !sameFormat(declared, description.mimeType)) {
    throw new AppError(
      'FORMAT_MISMATCH',
      `The file is a ${describeKind(description)}, but the upload declared contentType "${declared}": create the upload again with contentType "${description.mimeType}"`,
    );
  }
}

/**
 * The `upload.process` job: validate and describe the file and record the asset (an import's
 * bytes were fetched by its `upload.download` job, which queued this one). Each step is one of
 * the lifecycle's transitions (made by UploadService) and checks that it happened, so a retried
 * or taken-over job resumes where the last attempt stopped, never imports twice, and stops when
 * the upload moved on without it.
 */
export class UploadProcessor implements JobHandler {
  readonly #uploads: UploadService;
  readonly #assets: AssetService;
  readonly #storage: StorageBackend;
  /** Downloads an import whose `upload.process` job was queued by a version that downloaded in it. */
  readonly #download: DownloadStep;
  readonly #options: ProcessOptions;
  readonly #log: Logger;

  constructor(
    uploads: UploadService,
    assets: AssetService,
    storage: StorageBackend,
    download: DownloadStep,
    options: ProcessOptions,
    log: Logger,
  ) {
    this.#uploads = uploads;
    this.#assets = assets;
    this.#storage = storage;
    this.#download = download;
    this.#options = options;
    this.#log = log;
  }

  async run(job: Job, signal?: AbortSignal): Promise<void> {
    const uploadId = String(job.payload.uploadId);
    const upload = await this.#uploads.findForJob(uploadId);
    if (!upload || isTerminal(upload.status)) return;
    if ((upload.status === 'pending' || upload.status === 'downloading') && upload.source !== 'multipart') {
      // Queued before downloads had a job of their own (migration 008): the download runs here,
      // once, and queues the validation as a job of its own like any download.
      return this.#download.run(job, signal);
    }
    try {
      if (upload.status === 'validating' || upload.status === 'validated') await this.#import(upload, knownDigest(job), signal);
    } catch (error) {
      // A worker that lost the job's lease fails nothing: another worker may be importing this
      // upload. Nor does one shutting down (ffmpeg killed): the job runs again.
      if (!isPermanent(error) || signal?.aborted) throw error;
      await this.#fail(upload, error instanceof Error ? error.message : String(error));
    }
  }

  async onDead(job: Job, error: unknown): Promise<void> {
    const upload = await this.#uploads.findForJob(String(job.payload.uploadId));
    if (!upload) return;
    const reason = error instanceof Error ? error.message : String(error);
    await this.#fail(upload, `Processing failed after ${job.attempts} attempts (${reason}): try the upload again later`);
  }

  /** Ends the upload failed (its bytes deleted, unless a stored file owns them). */
  async #fail(upload: Upload, message: string): Promise<void> {
    if (await this.#uploads.fail(upload, message)) this.#log.info({ uploadId: upload.id, reason: message }, 'upload failed');
  }

  /** `sha256`: the digest storage made of the file while joining it, when it did; else the file is hashed here. */
  async #import(upload: Upload, sha256: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    const started = Date.now();
    const size = await this.#storage.size(upload.storageKey);
    if (size === undefined) throw new AppError('UNSUPPORTED_FORMAT', 'The uploaded bytes are missing: upload the file again');
    // Extractors read the ranges they need; only images and 3D models get a local copy.
    const source = storageSource(this.#storage, upload.storageKey, size);
    try {
      if (upload.fileSize !== null && upload.source === 'multipart' && size !== upload.fileSize) {
        throw new AppError('UPLOAD_NOT_COMPLETABLE', `The file has ${size} bytes, but fileSize was ${upload.fileSize}`);
      }
      // Timed apart, for the log line: which of the two passes an import waits for.
      let hashMs = 0;
      let describeMs = 0;
      const [digest, description] = await withTimeout(
        Promise.all([
          sha256 ??
            timed(
              this.#storage.read(upload.storageKey).then((bytes) => sha256Of(bytes, signal)),
              (ms) => (hashMs = ms),
            ),
          timed(
            describeFile(source, {
              maxPixels: this.#options.maxPixels,
              ffmpeg: this.#options.ffmpeg,
              // Half the step's budget: a model too large to draw in it is imported without a preview, not failed.
              renderTimeoutMs: this.#options.stepTimeoutMs / 2,
              waveformTimeoutMs: this.#options.stepTimeoutMs / 2,
              declaredType: upload.contentType ?? undefined,
              ...(upload.kind === 'model' ? { opaqueKind: 'model' as const } : {}),
              signal,
            }),
            (ms) => (describeMs = ms),
          ),
        ]),
        this.#options.stepTimeoutMs,
        'Reading the file',
      );
      signal?.throwIfAborted();
      checkDeclared(upload, description);
      // Failed or aborted meanwhile (another worker, a sweep): nothing more to do here.
      if (!(await this.#uploads.markValidated(upload))) return;
      const scope = { projectId: upload.projectId, authorId: upload.authorId };
      const asset = await this.#assets.createFromStored(
        scope,
        {
          // The display name is the sanitised one; the client's own is kept beside it.
          name: upload.fileName,
          ...(upload.originalFileName ? { originalFileName: upload.originalFileName } : {}),
          description,
          source: 'uploaded',
          ...(upload.assetOptions ?? {}),
          file: { id: upload.fileId, storageKey: upload.storageKey, size, sha256: digest, mimeType: description.mimeType },
        },
        async (trx, assetId) => {
          const moved = await this.#uploads.markImported(upload, assetId, trx);
          // Another worker got there first, or the upload ended: roll this asset back.
          if (!moved)
            throw Object.assign(new Error(`upload ${upload.id} was imported by another worker`), { retryable: false, alreadyDone: true });
        },
      );
      // One line per import, for the operator: what came in, how big, how long it took, and
      // whether the digest came with the job (hashed as the parts landed) or took a pass here.
      this.#log.info(
        {
          uploadId: upload.id,
          assetId: asset,
          kind: description.kind,
          format: description.format,
          size,
          ms: Date.now() - started,
          digest: sha256 ? 'from parts' : 'hashed',
          hashMs,
          describeMs,
        },
        'upload imported',
      );
    } catch (error) {
      if ((error as { alreadyDone?: boolean }).alreadyDone) return;
      throw error;
    } finally {
      await source.release();
    }
  }
}
