import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-runner.ts';

export type WebhookAttemptOutcome = 'succeeded' | 'failed' | 'gave_up' | 'disabled' | 'skipped';

/** What the process counts: requests, upload bytes received, job runs, webhook attempts. */
export interface Metrics {
  /** Where the counts are, when metrics are served; undefined: nothing is counted. */
  readonly registry: Registry | undefined;
  request(method: string, route: string, status: number, seconds: number): void;
  received(path: 'base64' | 'form' | 'part', bytes: number): void;
  webhookAttempt(outcome: WebhookAttemptOutcome): void;
  /** The handler, timed (or the handler itself when nothing is counted). */
  timed(type: string, handler: JobHandler): JobHandler;
}

/** Metrics nobody can read: nothing is counted, and prom-client is never loaded. */
const UNCOUNTED: Metrics = {
  registry: undefined,
  request: () => {},
  received: () => {},
  webhookAttempt: () => {},
  timed: (_type, handler) => handler,
};

/**
 * The process's metrics: Prometheus's (`prom-metrics.ts`) when they are served (ASSETD_METRICS_PORT
 * or ASSETD_METRICS_TOKEN), else none. prom-client and its observers cost an API process a few
 * MB of heap (which every garbage collection then marks) and work on every request: they are
 * loaded only where someone can read them.
 */
export async function createMetrics(db: Kysely<Database>, served: boolean): Promise<Metrics> {
  if (!served) return UNCOUNTED;
  const { PromMetrics } = await import('./prom-metrics.ts');
  return new PromMetrics(db);
}
