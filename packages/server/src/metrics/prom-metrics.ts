import type { Kysely } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/schema.ts';
import type { Job } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import type { Metrics, WebhookAttemptOutcome } from './metrics.ts';

/** Seconds: from a quick metadata read to a long import. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The process's Prometheus metrics (prom-client), when they are served (`metrics.ts`). Counts that live in the database (jobs by
 * status, uploads by status) are read when scraped, so every process reports the same truth;
 * what happens in this process (requests, bytes received, job runs) is counted as it happens.
 */
export class PromMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #bytes: Counter<'path'>;
  readonly #jobRuns: Histogram<'type' | 'outcome'>;
  readonly #webhookAttempts: Counter<'outcome'>;

  /** With Node's own (CPU, memory, event loop, GC). */
  constructor(db: Kysely<Database>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'assetd_' });
    this.#requests = new Histogram({
      name: 'assetd_http_request_duration_seconds',
      help: 'HTTP requests by route (the route pattern, not the URL), method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.#bytes = new Counter({
      name: 'assetd_received_bytes_total',
      help: 'Upload bytes received, by path: base64 JSON, form, part',
      labelNames: ['path'],
      registers: [this.registry],
    });
    this.#jobRuns = new Histogram({
      name: 'assetd_job_duration_seconds',
      help: 'Job runs in this process by type (upload.download: imports, upload.process: validation, asset.previews) and outcome',
      labelNames: ['type', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.#webhookAttempts = new Counter({
      name: 'assetd_webhook_deliveries_total',
      help: 'Webhook delivery attempts made by this process, by outcome: succeeded, failed (retried later), gave_up (no attempt left), disabled (the endpoint was turned off by it), skipped (endpoint gone, disabled, or event pruned)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'assetd_jobs',
      help: 'Jobs in the queue by status (queued, running, done, dead), across every process',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const rows = await db
          .selectFrom('jobs')
          .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('status')
          .execute();
        this.reset();
        for (const row of rows) this.set({ status: row.status }, Number(row.n));
      },
    });
    new Gauge({
      name: 'assetd_uploads',
      help: 'Uploads by status (imported, failed, canceled and the unfinished ones), across every process',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const rows = await db
          .selectFrom('uploads')
          .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
          .groupBy('status')
          .execute();
        this.reset();
        for (const row of rows) this.set({ status: row.status }, Number(row.n));
      },
    });
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  received(path: 'base64' | 'form' | 'part', bytes: number): void {
    if (bytes > 0) this.#bytes.inc({ path }, bytes);
  }

  webhookAttempt(outcome: WebhookAttemptOutcome): void {
    this.#webhookAttempts.inc({ outcome });
  }

  /** The handler, timed: each run's duration by the job's type and how it ended. */
  timed(type: string, handler: JobHandler): JobHandler {
    const runs = this.#jobRuns;
    return {
      async run(job: Job, signal: AbortSignal) {
        const end = runs.startTimer({ type });
        try {
          await handler.run(job, signal);
          end({ outcome: 'done' });
        } catch (error) {
          end({ outcome: signal.aborted ? 'stopped' : 'failed' });
          throw error;
        }
      },
      ...(handler.onDead ? { onDead: (job: Job, error: unknown) => handler.onDead?.(job, error) ?? Promise.resolve() } : {}),
    };
  }
}
