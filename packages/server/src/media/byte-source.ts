import { open } from 'node:fs/promises';
import type { LocalCopy, StorageBackend } from '../storage/storage.ts';

/**
 * The bytes the pipeline describes. Extractors that need only headers and indexes read
 * ranges; those that need the whole file (image decoding, 3D parsing) ask for a local path,
 * which for remote storage is downloaded once, on first request, and only then.
 */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Promise<Buffer>;
  /** A local file holding every byte. */
  localPath(): Promise<string>;
  /** A URL a tool that reads by HTTP ranges (ffmpeg) may use instead of a local copy, if any. */
  remoteUrl?(): string | undefined;
  /**
   * Bytes `start`–`end` (inclusive) in order, for a reader that goes through them once (a WAV's
   * samples). A chunk is valid only until the next is asked for: its memory may be reused.
   */
  chunks?(start: number, end: number): AsyncIterable<Buffer>;
}

/** Bytes of a sequential read when the source has no stream of its own. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Bytes `start`–`end` (inclusive) in order, a chunk at a time (valid until the next): the
 * source's own when it has them, else ranged reads of 1 MiB. Memory stays at a chunk or two
 * whatever the range's length.
 */
export async function* readSequentially(source: ByteSource, start: number, end: number): AsyncIterable<Buffer> {
  if (end < start) return;
  if (source.chunks) {
    yield* source.chunks(start, end);
    return;
  }
  for (let offset = start; offset <= end; offset += CHUNK_BYTES) {
    const chunk = await source.read(offset, Math.min(CHUNK_BYTES, end - offset + 1));
    if (chunk.length === 0) return;
    yield chunk;
  }
}

/** A file already on local disk (staged uploads, the local storage backend). */
export function fileSource(file: { path: string; size: number }): ByteSource {
  return {
    size: file.size,
    async read(offset, length) {
      const handle = await open(file.path, 'r');
      try {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, file.size - offset)));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    localPath: async () => file.path,
    async *chunks(start, end) {
      // One buffer, read into again and again: a pass over a 600 MB file leaves no garbage behind.
      const handle = await open(file.path, 'r');
      try {
        const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
        for (let offset = start; offset <= end; ) {
          const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, end - offset + 1), offset);
          if (bytesRead === 0) return;
          offset += bytesRead;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await handle.close();
      }
    },
  };
}

/** Either kind of input, as one source: the extractors accept a local file or a source. */
export const asSource = (input: ByteSource | { path: string; size: number }): ByteSource => ('read' in input ? input : fileSource(input));

/** An object in storage, read by ranged GETs; `release` removes any local copy made. */
export function storageSource(storage: StorageBackend, key: string, size: number): ByteSource & { release(): Promise<void> } {
  let copy: Promise<LocalCopy> | undefined;
  return {
    size,
    read: (offset, length) => storage.readRange(key, { start: offset, end: Math.min(size, offset + length) - 1 }),
    // One GET for the range rather than one per chunk.
    async *chunks(start, end) {
      for await (const chunk of await storage.read(key, { start, end })) yield chunk as Buffer;
    },
    async localPath() {
      // Downloaded once, by whichever extractor asks first; the others share the copy.
      if (!copy) copy = storage.openLocal(key);
      return (await copy).path;
    },
    remoteUrl: () =>
      storage.presignDownload?.(key, {
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        contentType: 'application/octet-stream',
        contentDisposition: 'attachment',
      }),
    async release() {
      if (copy) await (await copy).release();
    },
  };
}
