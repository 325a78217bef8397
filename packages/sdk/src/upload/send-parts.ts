import { type PartPlan, partRange } from '@assetd/contract/part-plan';
import { APIConnectionError, APIError } from '../core/errors.ts';
import type { Fetch } from '../core/options.ts';
import { isRetryableStatus, retryDelayMs, sleep } from '../core/retry.ts';
import type { UploadPartLink } from '../types.ts';
import type { ByteSource } from './source.ts';

/** A part URL this close to its expiry is renewed before use rather than risked. */
const EXPIRY_MARGIN_MS = 30_000;

export interface SentPart {
  readonly number: number;
  readonly size: number;
}

export interface SendPartsInput {
  readonly fetch: Fetch;
  readonly source: ByteSource;
  readonly plan: PartPlan;
  /** The URLs known so far, by part number; missing or expiring ones are asked for again. */
  readonly links: Map<number, UploadPartLink>;
  /** The parts to send, in ascending order. */
  readonly numbers: readonly number[];
  readonly concurrency: number;
  /** Retries per part after its first PUT, for network errors, 408, 429 and 5xx. */
  readonly retries: number;
  readonly signal: AbortSignal | undefined;
  /** Fresh URLs for these parts (`POST /v1/uploads/{id}/parts`). */
  readonly renew: (numbers: number[]) => Promise<UploadPartLink[]>;
  readonly onPartSent: (part: SentPart) => void;
  /**
   * Bytes on their way: told as they leave where the runtime streams request bodies (Node, Bun,
   * Deno), else a whole part at a time once it is sent; told a negative count when an attempt
   * whose bytes were counted fails, so the sum stays what the server holds or is receiving.
   */
  readonly onBytes?: (delta: number) => void;
}

/**
 * Whether fetch here may send a stream as a request body with its Content-Length (which
 * presigned S3 URLs require): server runtimes do; browsers only stream over HTTP/2, without one.
 */
const streamsRequestBodies = (): boolean =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** How finely progress moves: a part is handed to fetch in pieces of this size. */
const PROGRESS_STEP = 256 * 1024;

/** The body as a stream of small pieces, each counted as fetch pulls it. */
function countedBody(body: Uint8Array | Blob, count: (bytes: number) => void): ReadableStream<Uint8Array> {
  const blob = body instanceof Blob ? body : new Blob([body as Uint8Array<ArrayBuffer>]);
  return blob.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        for (let start = 0; start < chunk.byteLength; start += PROGRESS_STEP) {
          const piece = chunk.subarray(start, start + PROGRESS_STEP);
          count(piece.byteLength);
          controller.enqueue(piece);
        }
      },
    }),
  );
}

/**
 * PUTs the parts, `concurrency` at a time. The bytes are read in part order (a stream allows
 * no other), so at most `concurrency` parts are in memory. A failed PUT is retried; a 403 (the
 * URL expired or its signature no longer holds) gets a fresh URL once. The first part that
 * fails for good stops the others, and its error is thrown.
 */
export async function sendParts(input: SendPartsInput): Promise<void> {
  const stop = new AbortController();
  const signal = input.signal ? AbortSignal.any([input.signal, stop.signal]) : stop.signal;
  const queue = readParts(input);
  let failure: { error: unknown } | undefined;

  const worker = async () => {
    while (!signal.aborted) {
      try {
        // Concurrent next() calls on one generator are queued: each worker gets the next part in order.
        const next = await queue.next();
        if (next.done) return;
        await sendPart(input, next.value.number, next.value.body, signal);
      } catch (error) {
        failure ??= { error };
        stop.abort();
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, input.numbers.length)) }, worker));
  if (failure) throw failure.error;
  if (input.signal?.aborted) throw input.signal.reason;
}

async function* readParts(input: SendPartsInput): AsyncGenerator<{ number: number; body: Uint8Array | Blob }> {
  for (const number of input.numbers) {
    const { start, end } = partRange(input.plan, number);
    yield { number, body: await input.source.read(start, end) };
  }
}

async function sendPart(input: SendPartsInput, number: number, body: Uint8Array | Blob, signal: AbortSignal): Promise<void> {
  const size = body instanceof Uint8Array ? body.byteLength : body.size;
  const streaming = input.onBytes !== undefined && streamsRequestBodies();
  let renewedAfter403 = false;
  for (let attempt = 0; ; attempt++) {
    let link = input.links.get(number);
    if (!link || Date.parse(link.expires) - Date.now() < EXPIRY_MARGIN_MS) {
      [link] = await input.renew([number]);
      if (!link) throw new APIConnectionError(`The server gave no URL for part ${number}`);
      input.links.set(number, link);
    }
    let response: Response | undefined;
    let networkError: unknown;
    let counted = 0;
    const count = (bytes: number) => {
      counted += bytes;
      input.onBytes?.(bytes);
    };
    try {
      // No credentials: the URL is presigned, and a bucket would refuse a request carrying ours.
      response = await input.fetch(link.url, {
        method: 'PUT',
        ...(streaming
          ? {
              body: countedBody(body, count),
              duplex: 'half',
              headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
            }
          : { body: body as NonNullable<RequestInit['body']>, headers: { 'content-type': 'application/octet-stream' } }),
        signal,
      } as RequestInit);
    } catch (error) {
      if (counted > 0) input.onBytes?.(-counted);
      if (signal.aborted) throw error;
      networkError = error;
    }
    if (response?.ok) {
      await response.body?.cancel().catch(() => {});
      if (size - counted !== 0) input.onBytes?.(size - counted);
      input.onPartSent({ number, size });
      return;
    }
    if (response && counted > 0) input.onBytes?.(-counted);
    if (response?.status === 403 && !renewedAfter403) {
      renewedAfter403 = true;
      await response.body?.cancel().catch(() => {});
      input.links.delete(number);
      continue;
    }
    const retryable = response === undefined || isRetryableStatus(response.status);
    if (!retryable || attempt >= input.retries) {
      if (response === undefined) {
        throw new APIConnectionError(`Part ${number} could not be sent: ${(networkError as Error)?.message ?? networkError}`, {
          cause: networkError,
        });
      }
      const errorBody = (await response.json().catch(() => undefined)) as Parameters<typeof APIError.from>[1];
      throw APIError.from(response.status, errorBody, response.headers);
    }
    await response?.body?.cancel().catch(() => {});
    await sleep(retryDelayMs(attempt + 1, response?.headers), signal);
  }
}
