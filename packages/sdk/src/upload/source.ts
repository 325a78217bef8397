import { openPath } from '#open-path';
import { AssetdError } from '../core/errors.ts';

/**
 * What `client.upload` accepts: a file path (Node), bytes, a Blob or File (browsers, Node), or a
 * stream of bytes (a web ReadableStream or any async iterable, such as a Node Readable) whose
 * size is given in the options.
 */
export type UploadSource = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** A source made uniform: its size, what it says about itself, and its bytes by range. */
export interface ByteSource {
  readonly size: number;
  readonly name: string | undefined;
  /** The content type a Blob carries, if any. */
  readonly type: string | undefined;
  /** Whether read() may be called in any order; a stream may only be read forwards. */
  readonly seekable: boolean;
  /** Bytes [start, end). On a stream, calls must come in ascending order; skipped bytes are read and dropped. */
  read(start: number, end: number): Promise<Uint8Array | Blob>;
  close(): Promise<void>;
}

export async function openSource(source: UploadSource, declared: { name?: string; size?: number }): Promise<ByteSource> {
  if (typeof source === 'string') return openPath(source);
  if (source instanceof ArrayBuffer) return bytesSource(new Uint8Array(source));
  if (source instanceof Uint8Array) return bytesSource(source);
  if (isBlob(source)) {
    const name = (source as Blob & { name?: unknown }).name;
    return {
      size: source.size,
      name: typeof name === 'string' ? name : undefined,
      type: source.type || undefined,
      seekable: true,
      read: async (start, end) => source.slice(start, end),
      close: async () => {},
    };
  }
  if (declared.size === undefined || !Number.isInteger(declared.size) || declared.size < 0) {
    throw new AssetdError('A stream needs its size: pass options.size (bytes), since the server must know it before the first part');
  }
  return streamSource(chunksOf(source), declared.size);
}

const isBlob = (value: unknown): value is Blob => typeof Blob !== 'undefined' && value instanceof Blob;

function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    name: undefined,
    type: undefined,
    seekable: true,
    read: async (start, end) => bytes.subarray(start, end),
    close: async () => {},
  };
}

async function* chunksOf(stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (!('getReader' in stream)) {
    // A Node Readable without an encoding yields Buffers; with one, strings.
    for await (const chunk of stream) yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    return;
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** A stream read forwards only; each read collects exactly the bytes of its range. */
function streamSource(chunks: AsyncGenerator<Uint8Array>, size: number): ByteSource {
  let position = 0;
  let leftover: Uint8Array | undefined;
  const next = async (): Promise<Uint8Array> => {
    if (leftover) {
      const chunk = leftover;
      leftover = undefined;
      return chunk;
    }
    const { done, value } = await chunks.next();
    if (done) throw new AssetdError(`The stream ended after ${position} bytes, but its size was given as ${size}`);
    return value;
  };
  return {
    size,
    name: undefined,
    type: undefined,
    seekable: false,
    async read(start, end) {
      if (start < position) throw new AssetdError('A stream cannot be read backwards: its parts must be read in order');
      const out = new Uint8Array(end - start);
      let filled = 0;
      while (position < end) {
        const chunk = await next();
        const chunkStart = position;
        position += chunk.byteLength;
        // The part of this chunk that falls inside [start, end); what is before start is dropped.
        const from = Math.max(0, start - chunkStart);
        const to = Math.min(chunk.byteLength, end - chunkStart);
        if (to > from) {
          out.set(chunk.subarray(from, to), filled);
          filled += to - from;
        }
        if (to < chunk.byteLength) {
          leftover = chunk.subarray(to);
          position = chunkStart + to;
        }
      }
      return out;
    },
    close: async () => {
      await chunks.return(undefined);
    },
  };
}
