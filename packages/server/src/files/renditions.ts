import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import { AppError } from '../errors.ts';
import { MAX_SVG_BYTES } from '../media/preview-types.ts';
import { OUTPUT_MIME, outputFormat, type Rendition, renditionName, renditionSource } from '../media/rendition.ts';
import type { StorageBackend } from '../storage/storage.ts';
import { type FileRef, renditionKey, renditionPrefix } from './file-store.ts';

export interface RenditionOptions {
  /** Originals with more pixels are not decoded (decompression bombs). */
  readonly maxPixels: number;
  /** Distinct renditions kept per file; past it they are made and served, not kept. */
  readonly maxPerFile: number;
  /** Renditions drawn at once in this process; the others wait their turn. */
  readonly concurrency?: number;
}

/** A rendition to serve: from the cache (a stream) or just drawn (its bytes). */
export type ServedRendition = { readonly mimeType: string; readonly size: number; readonly cached: boolean } & (
  | { readonly stream: Readable }
  | { readonly bytes: Buffer }
);

export const DEFAULT_MAX_RENDITIONS_PER_FILE = 32;

/**
 * Resized copies of stored images, drawn on first request and kept in storage under
 * `renditions/<xx>/<fileId>/<name>` (the name is the rendition's canonical one): later
 * requests, from any process, are served from there. They go with their file
 * (FileStore.deleteReleased), and the collector keeps those of live files.
 *
 * Concurrent first requests for one rendition in this process wait for one drawing; in several
 * processes each draws it and writes it whole under the same key: the local backend writes a
 * temporary file and renames it into place, S3 makes an object visible only once its PUT is
 * complete, so a reader finds the old copy, the new one or none, never half of one. The copies
 * are the same image either way.
 */
export class Renditions {
  readonly #storage: StorageBackend;
  readonly #options: RenditionOptions;
  readonly #drawing = new Map<string, Promise<Buffer>>();
  readonly #limit: LimitFunction;

  constructor(storage: StorageBackend, options: RenditionOptions) {
    this.#storage = storage;
    this.#options = options;
    // Decoding a large original holds its pixels in memory: a burst of new renditions (a grid
    // of fresh images) is drawn a few at a time, not all at once.
    this.#limit = pLimit(options.concurrency ?? Math.max(1, availableParallelism()));
  }

  /** The rendition of `file`: the cached copy, or one drawn now (and kept, under the cap). */
  async open(file: FileRef, rendition: Rendition): Promise<ServedRendition> {
    const source = renditionSource(file.mimeType);
    if (!source) {
      throw new AppError(
        'RENDITION_UNSUPPORTED',
        `Renditions are made of images; this file is ${file.mimeType}: leave out the size parameters`,
      );
    }
    const mimeType = OUTPUT_MIME[outputFormat(rendition.format, source)];
    const key = renditionKey(file.id, renditionName(rendition));
    const size = await this.#storage.size(key);
    if (size !== undefined) return { mimeType, size, cached: true, stream: await this.#storage.read(key) };
    let drawing = this.#drawing.get(key);
    if (!drawing) {
      drawing = this.#limit(() => this.#draw(file, rendition, key)).finally(() => this.#drawing.delete(key));
      this.#drawing.set(key, drawing);
    }
    const bytes = await drawing;
    return { mimeType, size: bytes.length, cached: false, bytes };
  }

  async #draw(file: FileRef, rendition: Rendition, key: string): Promise<Buffer> {
    const source = renditionSource(file.mimeType) as NonNullable<ReturnType<typeof renditionSource>>;
    // sharp loads with the first rendition drawn, not with the API process.
    const { renderRendition } = await import('../media/render-rendition.ts');
    let bytes: Buffer;
    if (source === 'svg') {
      // As bytes: librsvg then has no base path to resolve references against.
      if (file.size > MAX_SVG_BYTES) throw new AppError('UNPROCESSABLE_IMAGE', 'The SVG is too large to resize');
      const svg = await this.#storage.readRange(file.storageKey, { start: 0, end: file.size - 1 });
      bytes = (await renderRendition(svg, source, rendition, this.#options.maxPixels)).bytes;
    } else {
      const local = await this.#storage.openLocal(file.storageKey);
      try {
        bytes = (await renderRendition(local.path, source, rendition, this.#options.maxPixels)).bytes;
      } finally {
        await local.release();
      }
    }
    if ((await this.#count(file.id)) < this.#options.maxPerFile) await this.#storage.putBuffer(key, bytes);
    return bytes;
  }

  /** Renditions kept for the file (temporaries of writes in progress included: they will be some). */
  async #count(fileId: string): Promise<number> {
    let count = 0;
    for await (const _ of this.#storage.listObjects(renditionPrefix(fileId))) count++;
    return count;
  }
}
