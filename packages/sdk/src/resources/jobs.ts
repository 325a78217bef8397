import type { APIPromise } from '../core/api-promise.ts';
import { APIUserAbortError, AssetdError } from '../core/errors.ts';
import { Page, PagePromise } from '../core/pagination.ts';
import { sleep } from '../core/retry.ts';
import type { RequestOptions, Transport } from '../core/transport.ts';
import type { Job, JobListParams, JobRetrieveParams, JobStatus } from '../types.ts';

const path = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

/** The statuses a job never leaves. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['success', 'failure', 'canceled'];

/** How long one long poll may be held; the server caps it at 30 s. */
const LONG_POLL_SECONDS = 25;
/** A server that answers a long poll at once is asked again no faster than this. */
const MIN_POLL_INTERVAL_MS = 500;

export interface JobWaitOptions {
  readonly signal?: AbortSignal;
  /** Told every status the job passes through, the first one included. */
  readonly onStatus?: (job: Job) => void;
  /** Give up after this many milliseconds (default: wait as long as it takes). */
  readonly timeout?: number;
}

/**
 * `/v1/jobs` (Scenario's jobs resource): every upload has a job from the moment it is created
 * (`upload.jobId`); on success `job.metadata.output.entityId` is the asset's id.
 */
export class Jobs {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** The job. With `waitSeconds`, the server holds the answer until the status is no longer `status`. */
  get(jobId: string, params: JobRetrieveParams = {}, options?: RequestOptions): APIPromise<Job> {
    const wait = params.waitSeconds ?? 0;
    return this.#http
      .request<{ job: Job }>({
        method: 'GET',
        path: path(jobId),
        query: { ...params },
        ...options,
        ...(wait > 0 ? { timeout: wait * 1000 + (options?.timeout ?? this.#http.options.timeout) } : {}),
      })
      .map((body) => body.job);
  }

  /** A page of the project's jobs, newest first; `for await` walks every page. */
  list(params: JobListParams = {}, options?: RequestOptions): PagePromise<Job> {
    const fetchPage = async (paginationToken?: string): Promise<Page<Job>> => {
      const body = await this.#http.request<{ jobs: Job[]; nextPaginationToken?: string }>({
        method: 'GET',
        path: '/v1/jobs',
        query: { ...params, ...(paginationToken ? { paginationToken } : {}) },
        ...options,
      });
      return new Page(body.jobs, body.nextPaginationToken, fetchPage);
    };
    return new PagePromise(() => fetchPage(params.paginationToken));
  }

  /** Waits, by long polls, until the job succeeds, fails or is canceled, and returns it as it ended. */
  async wait(jobId: string, options: JobWaitOptions = {}): Promise<Job> {
    const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeout;
    const signal = options.signal;
    let job = await this.get(jobId, {}, { signal });
    options.onStatus?.(job);
    while (!FINAL_JOB_STATUSES.includes(job.status)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new AssetdError(`Job ${jobId} is still ${job.status} after ${options.timeout} ms`);
      const asked = Date.now();
      const waitSeconds = Math.max(1, Math.min(LONG_POLL_SECONDS, Math.ceil(left / 1000)));
      const next = await this.get(jobId, { waitSeconds, status: job.status }, { signal });
      if (next.status === job.status) {
        const early = MIN_POLL_INTERVAL_MS - (Date.now() - asked);
        if (early > 0) await sleep(early, signal).catch(() => Promise.reject(new APIUserAbortError()));
      } else {
        options.onStatus?.(next);
      }
      job = next;
    }
    return job;
  }
}
