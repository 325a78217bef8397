import type { APIPromise } from '../core/api-promise.ts';
import { APIUserAbortError, AssetdError } from '../core/errors.ts';
import { Page, PagePromise } from '../core/pagination.ts';
import { sleep } from '../core/retry.ts';
import { newIdempotencyKey, type RequestOptions, type Transport } from '../core/transport.ts';
import type {
  ReceivedPart,
  Upload,
  UploadCreateParams,
  UploadListParams,
  UploadPartLink,
  UploadRetrieveParams,
  UploadStatus,
} from '../types.ts';

const path = (id: string) => `/v1/uploads/${encodeURIComponent(id)}`;

/** The statuses an upload never leaves. */
export const FINAL_STATUSES: readonly UploadStatus[] = ['imported', 'failed', 'complete'];

/** How long one long poll may be held; the server caps it at 30 s. */
const LONG_POLL_SECONDS = 25;
/** A server that answers a long poll at once (one without it) is asked again no faster than this. */
const MIN_POLL_INTERVAL_MS = 500;

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Told every status the upload passes through, the first one included. */
  readonly onStatus?: (upload: Upload) => void;
  /** Give up after this many milliseconds (default: wait as long as it takes). */
  readonly timeout?: number;
}

/** `/v1/uploads`: multipart uploads and imports, step by step (`client.upload` does them all in one call). */
export class Uploads {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  #one(request: Parameters<Transport['request']>[0]): APIPromise<Upload> {
    return this.#http.request<{ upload: Upload }>(request).map((body) => body.upload);
  }

  /** Starts a multipart upload (the answer has one part URL per part) or an import from a URL or a model hub. */
  create(params: UploadCreateParams, options?: RequestOptions): APIPromise<Upload> {
    return this.#one({
      method: 'POST',
      path: '/v1/uploads',
      body: params,
      ...options,
      idempotencyKey: options?.idempotencyKey ?? newIdempotencyKey(),
    });
  }

  /**
   * The upload. With `waitSeconds`, the server holds the answer until the status is no longer
   * `status` (or the time is up): a long poll, so waiting costs one request per change.
   */
  retrieve(uploadId: string, params: UploadRetrieveParams = {}, options?: RequestOptions): APIPromise<Upload> {
    const wait = params.waitSeconds ?? 0;
    return this.#one({
      method: 'GET',
      path: path(uploadId),
      query: { ...params },
      ...options,
      // The attempt must outlive the time the server may hold it.
      ...(wait > 0 ? { timeout: wait * 1000 + (options?.timeout ?? this.#http.options.timeout) } : {}),
    });
  }

  /** The project's uploads, newest first (`status` to find the unfinished ones); `for await` walks every page. */
  list(params: UploadListParams = {}, options?: RequestOptions): PagePromise<Upload> {
    const fetchPage = async (paginationToken?: string): Promise<Page<Upload>> => {
      const body = await this.#http.request<{ uploads: Upload[]; nextPaginationToken?: string }>({
        method: 'GET',
        path: '/v1/uploads',
        query: { ...params, ...(paginationToken ? { paginationToken } : {}) },
        ...options,
      });
      return new Page(body.uploads, body.nextPaginationToken, fetchPage);
    };
    return new PagePromise(() => fetchPage(params.paginationToken));
  }

  /** Checks and joins the parts, then starts validation; calling it again returns the upload as it is. */
  complete(uploadId: string, options?: RequestOptions): APIPromise<Upload> {
    // The server makes completing idempotent: a retry returns the upload as it is.
    return this.#one({ method: 'POST', path: `${path(uploadId)}/action`, body: { action: 'complete' }, idempotent: true, ...options });
  }

  /** Abandons a pending upload: its parts are deleted and it ends failed. */
  abort(uploadId: string, options?: RequestOptions): APIPromise<Upload> {
    return this.#one({ method: 'POST', path: `${path(uploadId)}/action`, body: { action: 'abort' }, ...options });
  }

  /** The parts the server holds so far, to resume a pending upload. */
  async listParts(uploadId: string, options?: RequestOptions): Promise<{ upload: Upload; parts: ReceivedPart[] }> {
    return this.#http.request({ method: 'GET', path: `${path(uploadId)}/parts`, ...options });
  }

  /** Fresh URLs for the parts named (all when none are), for a pending upload whose URLs expired. */
  async signParts(uploadId: string, partNumbers?: readonly number[], options?: RequestOptions): Promise<UploadPartLink[]> {
    const body = partNumbers ? { partNumbers } : {};
    return (
      await this.#http.request<{ parts: UploadPartLink[] }>({
        method: 'POST',
        path: `${path(uploadId)}/parts`,
        body,
        idempotent: true,
        ...options,
      })
    ).parts;
  }

  /** Waits, by long polls, until the upload is imported or failed, and returns it as it ended. */
  async waitForCompletion(uploadId: string, options: WaitOptions = {}): Promise<Upload> {
    const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeout;
    const signal = options.signal;
    let upload = await this.retrieve(uploadId, {}, { signal });
    options.onStatus?.(upload);
    while (!FINAL_STATUSES.includes(upload.status)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new AssetdError(`Upload ${uploadId} is still ${upload.status} after ${options.timeout} ms`);
      const asked = Date.now();
      const waitSeconds = Math.max(1, Math.min(LONG_POLL_SECONDS, Math.ceil(left / 1000)));
      const next = await this.retrieve(uploadId, { waitSeconds, status: upload.status }, { signal });
      if (next.status === upload.status) {
        const early = MIN_POLL_INTERVAL_MS - (Date.now() - asked);
        if (early > 0) await sleep(early, signal).catch(() => Promise.reject(new APIUserAbortError()));
      } else {
        options.onStatus?.(next);
      }
      upload = next;
    }
    return upload;
  }
}
