import type { Logger } from 'pino';
import type { AssetService, PreviewFiles } from '../assets/asset-service.ts';
import { type AssetPreviewsPayload, missingPreviews, PREVIEWS_BY_KIND, type PreviewSlot } from '../assets/previews.ts';
import type { Job } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { storageSource } from '../media/byte-source.ts';
import { PREVIEW_MIME, THUMBNAIL_MIME, WAVEFORM_MIME } from '../media/preview-types.ts';
import type { StorageBackend } from '../storage/storage.ts';
import { type Description, describeFile } from './description.ts';
import { isPermanent } from './process-upload.ts';

export interface RefreshOptions {
  readonly maxPixels: number;
  /** The whole job's budget: past it, the long steps (ffmpeg, rendering) are stopped and the job fails. */
  readonly stepTimeoutMs: number;
  readonly ffmpeg?: string | false;
}

/** A failure that another attempt cannot fix (the runner buries the job at once). */
const permanent = (message: string) => Object.assign(new Error(message), { retryable: false });

/** The bytes the description has for a slot, with their type. */
function fileFor(description: Description, slot: PreviewSlot): { bytes: Buffer; mimeType: string } | undefined {
  const frameMime = description.frames?.mimeType ?? THUMBNAIL_MIME;
  const bytes = {
    thumbnail: [description.thumbnail, THUMBNAIL_MIME],
    firstFrame: [description.frames?.first, frameMime],
    lastFrame: [description.frames?.last, frameMime],
    preview: [description.preview, PREVIEW_MIME],
    waveform: [description.waveform, WAVEFORM_MIME],
  } as const satisfies Record<PreviewSlot, readonly [Buffer | undefined, string]>;
  const [data, mimeType] = bytes[slot];
  return data ? { bytes: data, mimeType } : undefined;
}

/**
 * The `asset.previews` job: reads an asset's stored file again, makes its previews with the same
 * pipeline an import uses, and puts on the asset those it lacks (or, without `missingOnly`, all of
 * its kind, replacing the old ones). Safe to run twice and in any number of workers: the asset
 * is changed only while it still has the previews the job read (else the job is retried and
 * reads it again), and identical bytes end in the same file. A job that can make none of what
 * the asset lacks (no ffmpeg here, a model too large to draw) fails, saying why; the reason is
 * also recorded on the asset (`previewError`) when the pipeline gave one.
 */
export class PreviewRefresher implements JobHandler {
  readonly #assets: AssetService;
  readonly #storage: StorageBackend;
  readonly #options: RefreshOptions;
  readonly #log: Logger;

  constructor(assets: AssetService, storage: StorageBackend, options: RefreshOptions, log: Logger) {
    this.#assets = assets;
    this.#storage = storage;
    this.#options = options;
    this.#log = log;
  }

  async run(job: Job, signal: AbortSignal): Promise<void> {
    const payload = job.payload as Partial<AssetPreviewsPayload>;
    const asset = await this.#assets.findAny(String(payload.assetId));
    // Deleted since the job was queued: nothing to do.
    if (!asset) return;
    const wanted = payload.missingOnly ? missingPreviews(asset) : PREVIEWS_BY_KIND[asset.kind];
    if (wanted.length === 0) return;
    const description = await this.#describe(asset.file, signal);
    const made: PreviewFiles = {};
    for (const slot of wanted) {
      const file = fileFor(description, slot);
      if (file) made[slot] = file;
    }
    const reason = description.previewError ?? null;
    const nothing = Object.keys(made).length === 0;
    // Nothing to put on the asset and nothing to say about it: leave the row alone.
    if (!nothing || reason) {
      signal.throwIfAborted();
      if (!(await this.#assets.replacePreviews(asset, made, reason))) {
        // Changed or deleted meanwhile: the next attempt reads it again (or finds it gone).
        throw new Error(`the previews of asset ${asset.id} changed while new ones were made; it is read again`);
      }
    }
    if (nothing) {
      const missing = wanted.join(', ');
      const why =
        reason ?? (asset.kind === 'video' || asset.kind === 'audio' ? 'ffmpeg is not available where the jobs run' : 'none was made');
      throw permanent(`No ${missing} for asset ${asset.id} (${asset.kind}): ${why}`);
    }
    this.#log.debug({ assetId: asset.id, made: Object.keys(made) }, 'previews made');
  }

  /** The pipeline's description of the stored file, within the job's budget. */
  async #describe(file: { storageKey: string; size: number }, lease: AbortSignal): Promise<Description> {
    const budget = AbortSignal.timeout(this.#options.stepTimeoutMs);
    const source = storageSource(this.#storage, file.storageKey, file.size);
    try {
      return await describeFile(source, {
        maxPixels: this.#options.maxPixels,
        ffmpeg: this.#options.ffmpeg,
        renderTimeoutMs: this.#options.stepTimeoutMs / 2,
        waveformTimeoutMs: this.#options.stepTimeoutMs / 2,
        signal: AbortSignal.any([lease, budget]),
      });
    } catch (error) {
      lease.throwIfAborted();
      if (budget.aborted) throw permanent(`Making the previews took longer than ${Math.round(this.#options.stepTimeoutMs / 1000)} s`);
      // A file the pipeline now refuses stays refused; I/O and storage errors are retried.
      if (isPermanent(error)) throw Object.assign(error as Error, { retryable: false });
      throw error;
    } finally {
      await source.release();
    }
  }
}
