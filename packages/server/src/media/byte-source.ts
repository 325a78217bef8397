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
