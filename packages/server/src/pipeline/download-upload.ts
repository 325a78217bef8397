import type { Logger } from 'pino';
import type { Job } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import type { StorageBackend } from '../storage/storage.ts';
import type { Importer } from '../uploads/importer.ts';
import type { Upload } from '../uploads/upload.ts';
import type { UploadService } from '../uploads/upload-service.ts';
import { isPermanent } from './process-upload.ts';

/**
 * How often a download reports its progress, and learns whether its upload was aborted: the
 * abort may come to any process, so the job asks the database rather than waiting for a signal.
 */
const DOWNLOAD_HEARTBEAT_MS = 1000;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The `upload.download` job: fetches an import's bytes (URL or model hub) into storage; the
 * transaction that then moves the upload to `validating` queues its `upload.process` job.
 * Downloads run in a pool of their own, so however slow a source is, it never holds a slot a
 * validation needs. A failure the source causes for good (forbidden, missing, too large, too
 * slow or past the deadline) fails the upload at once; a lost connection or a 5xx is retried.
 */
export class UploadDownloader implements JobHandler {
  readonly #uploads: UploadService;
  readonly #storage: StorageBackend;
  readonly #importer: Importer;
  readonly #log: Logger;

  constructor(uploads: UploadService, storage: StorageBackend, importer: Importer, log: Logger) {
    this.#uploads = uploads;
    this.#storage = storage;
    this.#importer = importer;
    this.#log = log;
  }

  async run(job: Job, signal?: AbortSignal): Promise<void> {
    const upload = await this.#uploads.findForJob(String(job.payload.uploadId));
    // Downloaded by an earlier attempt, or ended meanwhile: nothing left for this job.
    if (!upload || upload.source === 'multipart' || (upload.status !== 'pending' && upload.status !== 'downloading')) return;
    try {
      await this.#download(upload, signal);
    } catch (error) {
      // A worker that lost the job's lease fails nothing: another worker may be downloading this
      // upload. Nor does one shutting down (a cancelled transfer reads as permanent): it runs again.
      if (!isPermanent(error) || signal?.aborted) throw error;
      await this.#fail(upload, messageOf(error));
    }
  }

  async onDead(job: Job, error: unknown): Promise<void> {
    const upload = await this.#uploads.findForJob(String(job.payload.uploadId));
    if (!upload) return;
    await this.#fail(upload, `The download failed after ${job.attempts} attempts (${messageOf(error)}): try the upload again later`);
  }

  async #fail(upload: Upload, message: string): Promise<void> {
    if (await this.#uploads.fail(upload, message)) this.#log.info({ uploadId: upload.id, reason: message }, 'upload failed');
  }

  /**
   * Downloads the import into storage and hands it on to validation. Stops (the transfer
   * cancelled, whatever it stored deleted) when the upload is aborted meanwhile or moved on
   * without this job, and records nothing once this worker lost the job's lease.
   */
  async #download(upload: Upload, lease: AbortSignal | undefined): Promise<void> {
    if (!(await this.#uploads.beginDownload(upload))) return;
    const cancel = new AbortController();
    let progress: number | null = null;
    const heartbeat = setInterval(() => {
      void this.#uploads.recordDownloadProgress(upload, progress).then(
        (downloading) => {
          if (!downloading) cancel.abort();
        },
        () => {}, // the database is unreachable for a moment: the next beat asks again
      );
    }, DOWNLOAD_HEARTBEAT_MS);
    let fetched: Awaited<ReturnType<Importer['fetch']>>;
    try {
      fetched = await this.#importer.fetch(upload, {
        // Stopped when the upload is aborted, when this worker lost the job's lease, or at shutdown
        // (the upload then stays downloading, and the next run starts the download again).
        signal: lease ? AbortSignal.any([cancel.signal, lease]) : cancel.signal,
        onProgress: (received, total) => {
          progress = total ? Math.min(1, received / total) : null;
        },
      });
    } catch (error) {
      if (cancel.signal.aborted) return;
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
    const { staged } = fetched;
    await this.#storage.putFile(upload.storageKey, staged.path);
    lease?.throwIfAborted();
    await this.#uploads.finishDownload(upload, staged.size);
  }
}
