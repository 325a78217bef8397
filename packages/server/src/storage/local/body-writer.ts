import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { bodyBytesRead } from '../../lib/heap-pacing.ts';

/** 1 MiB writes: the 16 KiB default halves throughput (DESIGN.md §7). */
export const WRITE_BUFFER = 1024 * 1024;

/**
 * Reused write buffers. A socket hands over a fresh 64 KiB Buffer per read; copying them into
 * two long-lived 1 MiB buffers (one filling while the other is written) lets those chunks die
 * young, instead of a stream holding up to a megabyte of them per write, and allocates nothing
 * per part. A few are kept for the next bodies; more are made when more bodies run at once.
 */
const spare: Buffer[] = [];
const SPARE_LIMIT = 16;

const take = () => spare.pop() ?? Buffer.allocUnsafeSlow(WRITE_BUFFER);
const give = (buffer: Buffer) => {
  if (spare.length < SPARE_LIMIT) spare.push(buffer);
};

/** Thrown when a body passes its limit; the caller says which limit it was. */
export class BodyTooLongError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the body is longer than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * Writes `body` into `handle` from `position` on, in 1 MiB writes, refusing it as soon as it
 * passes `limit` bytes (nothing past the limit is written). Returns the byte count. The body is
 * read while the previous buffer is being written, so the disk and the socket overlap.
 */
export async function writeBody(body: Readable, handle: FileHandle, position: number, limit: number): Promise<number> {
  let filling = take();
  let other = take();
  let filled = 0;
  let size = 0;
  let writing: Promise<unknown> = Promise.resolve();
  let at = position;
  const flush = async () => {
    await writing;
    const full = filling;
    const length = filled;
    const offset = at;
    writing = writeFully(handle, full, length, offset);
    at += length;
    filling = other;
    other = full;
    filled = 0;
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new BodyTooLongError(limit);
      let read = 0;
      while (read < chunk.length) {
        const copied = chunk.copy(filling, filled, read);
        filled += copied;
        read += copied;
        if (filled === WRITE_BUFFER) await flush();
      }
      // The chunk is copied and let go: see that such garbage is collected young.
      bodyBytesRead(chunk.length);
    }
    if (filled > 0) await flush();
    await writing;
    return size;
  } finally {
    // A failed write must not leave a rejection unobserved, nor a buffer in use given back.
    await writing.catch(() => undefined);
    give(filling);
    give(other);
  }
}

async function writeFully(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await handle.write(buffer, done, length - done, position + done);
    done += bytesWritten;
  }
}
