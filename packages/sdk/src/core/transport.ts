import { APIPromise } from './api-promise.ts';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { isRetryableStatus, retryDelayMs, sleep } from './retry.ts';

export type QueryValue = string | number | boolean | readonly string[] | undefined | null;

/** What a single call may change about how it is sent. */
export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds for one attempt; default the client's. */
  readonly timeout?: number;
  /** Retries for this call; default the client's. */
  readonly maxRetries?: number;
  readonly headers?: Record<string, string>;
  /**
   * Sent as `Idempotency-Key` where the server honours one (creating an asset or an upload): a
   * retry, by the client or by you, then creates nothing twice. The SDK makes one per call
   * when you give none.
   */
  readonly idempotencyKey?: string;
}

export interface ApiRequest extends RequestOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, QueryValue>;
  readonly body?: unknown;
  /** A POST that is safe to send twice as it is (the server makes it so): it may be retried. */
  readonly idempotent?: boolean;
}

/** A random idempotency key; getRandomValues works where randomUUID does not (pages served over plain http). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `idem_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Sends API requests: credentials, the project, JSON in and out, a timeout per attempt, and
 * retries with backoff on what may succeed if tried again (network errors, timeouts, 408, 429,
 * 5xx), never on the other 4xx, which say the request or the resource's state is wrong.
 */
export class Transport {
  readonly options: ResolvedOptions;

  constructor(options: ResolvedOptions) {
    this.options = options;
  }

  url(path: string, query: Record<string, QueryValue> = {}): string {
    const url = new URL(`${this.options.baseURL}${path}`);
    const all = { ...(this.options.projectId ? { projectId: this.options.projectId } : {}), ...query };
    for (const [name, value] of Object.entries(all)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, item);
      else url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /** The parsed JSON answer; `.withResponse()` on it also gives the raw Response. */
  request<T>(request: ApiRequest): APIPromise<T> {
    return new APIPromise(
      this.send(request).then(async (response) => {
        // A clone is read, so the Response handed out by withResponse() still has its body.
        const text = await response.clone().text();
        return { data: (text ? JSON.parse(text) : {}) as T, response };
      }),
    );
  }

  #headers(request: ApiRequest, accept: string): Record<string, string> {
    const headers: Record<string, string> = { accept, ...this.options.defaultHeaders, ...request.headers };
    if (this.options.authorization) headers.authorization = this.options.authorization;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    return headers;
  }

  /** The successful response, unread; throws an APIError subclass for an error status. */
  async send(request: ApiRequest): Promise<Response> {
    const url = this.url(request.path, request.query);
    const headers = this.#headers(request, 'application/json');
    const init = { method: request.method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) };
    // A POST that failed on the way may still have been done: it is repeated only when the
    // server makes repeating it safe (an idempotency key, or an action that is idempotent).
    const repeatable = request.method !== 'POST' || request.idempotent === true || Boolean(request.idempotencyKey);
    const maxRetries = repeatable ? (request.maxRetries ?? this.options.maxRetries) : 0;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(url, init, request);
      const retriesLeft = attempt < maxRetries;
      if (outcome instanceof Response) {
        if (outcome.ok) return outcome;
        if (retriesLeft && isRetryableStatus(outcome.status, outcome.headers)) {
          await outcome.body?.cancel().catch(() => {});
          await this.#wait(attempt + 1, outcome.headers, request.signal);
          continue;
        }
        throw APIError.from(outcome.status, await errorBody(outcome), outcome.headers);
      }
      if (outcome instanceof APIUserAbortError || !retriesLeft) throw outcome;
      await this.#wait(attempt + 1, undefined, request.signal);
    }
  }

  /** One try: the response, or the connection-level error it ended in (never thrown, so the caller decides). */
  async #attempt(url: string, init: RequestInit, request: ApiRequest): Promise<Response | APIConnectionError | APIUserAbortError> {
    const timeout = request.timeout ?? this.options.timeout;
    const timer = AbortSignal.timeout(timeout);
    const signal = request.signal ? AbortSignal.any([request.signal, timer]) : timer;
    try {
      return await this.options.fetch(url, { ...init, signal });
    } catch (error) {
      if (request.signal?.aborted) return new APIUserAbortError();
      if (timer.aborted) return new APIConnectionTimeoutError(timeout);
      return new APIConnectionError(`Could not reach ${this.options.baseURL}: ${(error as Error)?.message ?? error}`, { cause: error });
    }
  }

  /**
   * Opens a long-lived response (an event stream): one attempt, whose timeout covers only the
   * wait for the headers, never the body that follows. Throws an APIError subclass for an error
   * status, APIConnectionError when the server cannot be reached.
   */
  async open(request: ApiRequest, accept: string): Promise<Response> {
    const timeout = request.timeout ?? this.options.timeout;
    const waiting = new AbortController();
    const timer = setTimeout(() => waiting.abort(), timeout);
    const signal = request.signal ? AbortSignal.any([request.signal, waiting.signal]) : waiting.signal;
    let response: Response;
    try {
      response = await this.options.fetch(this.url(request.path, request.query), {
        method: request.method,
        headers: this.#headers(request, accept),
        signal,
      });
    } catch (error) {
      if (request.signal?.aborted) throw new APIUserAbortError();
      if (waiting.signal.aborted) throw new APIConnectionTimeoutError(timeout);
      throw new APIConnectionError(`Could not reach ${this.options.baseURL}: ${(error as Error)?.message ?? error}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw APIError.from(response.status, await errorBody(response), response.headers);
    return response;
  }

  /**
   * GETs a signed file link. No credentials go with it: it may point at a bucket, and the
   * signature is all the authority it needs.
   */
  async fetchFile(url: string, signal?: AbortSignal): Promise<Response> {
    const outcome = await this.#attempt(url, { method: 'GET' }, { method: 'GET', path: url, signal, timeout: this.options.timeout });
    if (!(outcome instanceof Response)) throw outcome;
    if (!outcome.ok) throw APIError.from(outcome.status, await errorBody(outcome), outcome.headers);
    return outcome;
  }

  async #wait(attempt: number, headers: Headers | undefined, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(retryDelayMs(attempt, headers), signal);
    } catch {
      throw new APIUserAbortError();
    }
  }
}

async function errorBody(response: Response): Promise<Record<string, never> | undefined> {
  try {
    return (await response.json()) as Record<string, never>;
  } catch {
    return undefined;
  }
}
