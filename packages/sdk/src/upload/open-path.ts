import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { AssetdError } from '../core/errors.ts';
import type { ByteSource } from './source.ts';

/** A file on disk, read by range so parts can be sent in parallel without holding the file in memory. */
export async function openPath(filePath: string): Promise<ByteSource> {
  const handle = await open(filePath, 'r');
  const { size } = await handle.stat();
  return {
    size,
    name: basename(filePath),
    type: undefined,
    seekable: true,
    async read(start, end) {
      const buffer = new Uint8Array(end - start);
      let filled = 0;
      while (filled < buffer.byteLength) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, start + filled);
        if (bytesRead === 0) throw new AssetdError(`${filePath} is shorter than when it was opened (${size} bytes): was it changed?`);
        filled += bytesRead;
      }
      return buffer;
    },
    close: () => handle.close(),
  };
}
