/**
 * Responses worth trying again: the request may succeed unchanged. Other 4xx are about the
 * request or the state, and would fail again — except a 409 with Retry-After, a conflict the
 * server says will pass (an upload's completion in progress in another request).
 */
export function isRetryableStatus(status: number, headers?: Headers): boolean {
  return status === 408 || status === 429 || status >= 500 || (status === 409 && headers?.has('retry-after') === true);
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;
/** A Retry-After longer than this is not waited for: the caller is better told. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * How long to wait before retry number `attempt` (1-based): the server's Retry-After (or
 * retry-after-ms) when it gave a usable one, else exponential backoff with jitter, so many
 * clients failing together do not come back together.
 */
export function retryDelayMs(attempt: number, headers?: Headers): number {
  const fromServer = headers ? retryAfterMs(headers) : undefined;
  if (fromServer !== undefined && fromServer >= 0 && fromServer <= MAX_RETRY_AFTER_MS) return fromServer;
  const exponential = Math.min(BASE_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
  return exponential * (1 - Math.random() * 0.25);
}

function retryAfterMs(headers: Headers): number | undefined {
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? date - Date.now() : undefined;
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
