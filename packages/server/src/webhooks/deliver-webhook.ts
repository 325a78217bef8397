import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { Database } from '../db/schema.ts';
import type { EventLog } from '../events/event-log.ts';
import type { RecordedEvent } from '../events/event-types.ts';
import type { Job, JobQueue } from '../jobs/job-queue.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { nowIso } from '../lib/time.ts';
import type { WebhookAttemptOutcome } from '../metrics/metrics.ts';
import { ImportError } from '../uploads/import/import-error.ts';
import { type HostLookup, safeRequest } from '../uploads/import/safe-request.ts';
import { DELIVER_WEBHOOK_JOB, messageId, toEndpoint, type WebhookEndpoint } from './webhook.ts';
import { attemptJobId } from './webhook-service.ts';

/** Turns an event into the JSON body receivers get: the same object GET /v1/events streams. */
export type EventRenderer = (event: RecordedEvent) => unknown;

export interface DeliveryOptions {
  /** The deadline of one attempt: connecting, sending, and the receiver's answer. */
  readonly timeoutMs: number;
  /** The waits before the 2nd, 3rd, … attempt; a delivery gets `retryDelaysMs.length + 1` attempts. */
  readonly retryDelaysMs: readonly number[];
  /** An endpoint is disabled once this many attempts in a row failed… */
  readonly disableAfterFailures: number;
  /** …over at least this long (every attempt in that time failed). */
  readonly disableAfterMs: number;
  readonly allowedHosts: readonly string[];
  readonly lookup?: HostLookup;
}

/** Thrown to roll back an attempt's record when another run of the same job recorded it first. */
const ALREADY_RECORDED = Symbol('already recorded');

/** How much of a receiver's answer is read (and then dropped): the status is what counts. */
const MAX_RESPONSE_BYTES = 64 * 1024;

interface Attempt {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
}

/**
 * The `webhook.deliver` job: one attempt to send one event to one endpoint, signed per
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, by the
 * `standardwebhooks` package). The address policy of URL imports applies to every attempt
 * (checked and pinned per request), redirects are never followed, and each attempt has a
 * deadline, so a receiver that hangs holds one slot of the webhook pool for at most that long.
 *
 * Each attempt is a job of its own (`<deliveryId>.<n>`): a failure records the attempt and
 * queues the next after the retry schedule's wait, which may be hours — the job runner's own
 * retries are for the job failing to run (a crash, the database), not for the receiver. The
 * delivery row's attempt count fences it: a job whose attempt was already recorded (its
 * process died after recording) does nothing, so a receiver sees an event again only on a
 * retry of a failed attempt, or when a worker died mid-request.
 */
export class WebhookDeliverer implements JobHandler {
  readonly #db: Kysely<Database>;
  readonly #jobs: JobQueue;
  readonly #events: EventLog;
  readonly #render: EventRenderer;
  readonly #options: DeliveryOptions;
  readonly #onOutcome: (outcome: WebhookAttemptOutcome) => void;
  readonly #log: Logger;

  constructor(
    db: Kysely<Database>,
    jobs: JobQueue,
    events: EventLog,
    render: EventRenderer,
    options: DeliveryOptions,
    onOutcome: (outcome: WebhookAttemptOutcome) => void,
    log: Logger,
  ) {
    this.#db = db;
    this.#jobs = jobs;
    this.#events = events;
    this.#render = render;
    this.#options = options;
    this.#onOutcome = onOutcome;
    this.#log = log;
  }

  async run(job: Job, signal: AbortSignal): Promise<void> {
    const { deliveryId, attempt } = job.payload as { deliveryId: string; attempt: number };
    const found = await this.#db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .selectAll('e')
      .select(['d.status as delivery_status', 'd.attempts as delivery_attempts', 'd.event_id'])
      .where('d.id', '=', deliveryId)
      .executeTakeFirst();
    // The endpoint (and with it the delivery) was deleted, or this attempt was already made.
    if (found?.delivery_status !== 'pending' || found.delivery_attempts !== attempt - 1) return this.#onOutcome('skipped');
    const endpoint = toEndpoint(found);
    if (!endpoint.enabled) {
      await this.#abandon(deliveryId, attempt, 'Not sent: the endpoint was disabled');
      return this.#onOutcome('skipped');
    }
    const event = await this.#events.find(Number(found.event_id));
    if (!event) {
      await this.#abandon(deliveryId, attempt, 'Not sent: the event is past the retention window');
      return this.#onOutcome('skipped');
    }
    const result = await this.#send(endpoint, found.secret, event, signal);
    // Stopped by a shutdown or a lost lease: not the receiver's failure; the job runs again.
    if (signal.aborted) throw signal.reason;
    await this.#record(deliveryId, attempt, endpoint, result);
  }

  /** A job that could not run to the end (its processes died): the delivery ends failed. */
  async onDead(job: Job, error: unknown): Promise<void> {
    const { deliveryId, attempt } = job.payload as { deliveryId: string; attempt: number };
    await this.#abandon(deliveryId, attempt, `The attempt could not be made: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** Ends a delivery whose attempt `attempt` will not be made, its attempt count as it was. */
  async #abandon(deliveryId: string, attempt: number, reason: string): Promise<void> {
    await this.#db
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', error: reason.slice(0, 1000), next_attempt_at: null, updated_at: nowIso() })
      .where('id', '=', deliveryId)
      .where('status', '=', 'pending')
      .where('attempts', '=', attempt - 1)
      .execute();
  }

  async #send(endpoint: WebhookEndpoint, secret: string, event: RecordedEvent, signal: AbortSignal): Promise<Attempt> {
    const body = JSON.stringify(this.#render(event));
    const id = messageId(event.id);
    const timestamp = new Date();
    const signature = new Webhook(secret).sign(id, timestamp, body);
    try {
      const response = await safeRequest(endpoint.url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'assetd-webhooks',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
        },
        maxBytes: MAX_RESPONSE_BYTES,
        timeoutMs: this.#options.timeoutMs,
        // The deadline bounds the attempt; no rate rule on a receiver that thinks before it answers.
        minRate: { bytesPerSecond: 0, windowMs: this.#options.timeoutMs + 1000 },
        maxRedirects: 0,
        allowedHosts: this.#options.allowedHosts,
        ...(this.#options.lookup ? { lookup: this.#options.lookup } : {}),
        signal,
      });
      response.close();
      return { ok: true, statusCode: response.status, error: null };
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      const status = (error.details as { status?: number } | undefined)?.status;
      return { ok: false, statusCode: typeof status === 'number' ? status : null, error: error.message.slice(0, 1000) };
    }
  }

  /** Records the attempt, queues the next one or ends the delivery, and keeps the endpoint's failure record. */
  async #record(deliveryId: string, attempt: number, endpoint: WebhookEndpoint, result: Attempt): Promise<void> {
    const delays = this.#options.retryDelaysMs;
    const last = attempt > delays.length;
    const outcome: WebhookAttemptOutcome = await this.#db
      .transaction()
      .execute(async (trx) => {
        if (result.ok) {
          if (!(await this.#finish(deliveryId, attempt, result, 'succeeded', null, trx))) return 'skipped';
          await trx
            .updateTable('webhook_endpoints')
            .set({ consecutive_failures: 0, failing_since: null })
            .where('id', '=', endpoint.id)
            .execute();
          return 'succeeded';
        }
        // The endpoint's failure record first: a failure that disables it ends this delivery too.
        const disabled = await this.#countFailure(trx, endpoint);
        const retryAt = last || disabled ? null : new Date(Date.now() + (delays[attempt - 1] ?? 0));
        if (!(await this.#finish(deliveryId, attempt, result, retryAt ? 'pending' : 'failed', retryAt, trx))) {
          // Recorded already: undo this failure's count (the transaction's other writes with it).
          throw ALREADY_RECORDED;
        }
        if (retryAt) {
          await this.#jobs.enqueue(
            trx,
            DELIVER_WEBHOOK_JOB,
            { deliveryId, attempt: attempt + 1 },
            { id: attemptJobId(deliveryId, attempt + 1), projectId: `webhook:${endpoint.id}`, maxAttempts: 3, runAt: retryAt },
          );
        }
        if (disabled) {
          await this.#events.record(trx, endpoint.projectId, 'endpoint.disabled', disabled);
          return 'disabled';
        }
        return last ? 'gave_up' : 'failed';
      })
      .catch((error: unknown) => {
        if (error === ALREADY_RECORDED) return 'skipped' as const;
        throw error;
      });
    this.#onOutcome(outcome);
    if (outcome === 'disabled')
      this.#log.warn({ endpointId: endpoint.id, url: endpoint.url }, 'webhook endpoint disabled: it kept failing');
  }

  /** Records attempt `attempt` once (fenced by the attempt count); false when it was already recorded. */
  async #finish(
    deliveryId: string,
    attempt: number,
    result: Attempt,
    status: 'pending' | 'succeeded' | 'failed',
    nextAttemptAt: Date | null,
    db: Kysely<Database> | Transaction<Database> = this.#db,
  ): Promise<boolean> {
    const now = nowIso();
    const updated = await db
      .updateTable('webhook_deliveries')
      .set({
        status,
        attempts: attempt,
        status_code: result.statusCode,
        error: result.error,
        next_attempt_at: nextAttemptAt?.toISOString() ?? null,
        updated_at: now,
      })
      .where('id', '=', deliveryId)
      .where('status', '=', 'pending')
      .where('attempts', '=', attempt - 1)
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) > 0;
  }

  /**
   * One more failure in a row for the endpoint; once there are `disableAfterFailures` of them
   * over at least `disableAfterMs`, the endpoint is disabled and `endpoint.disabled` recorded.
   * The endpoint as disabled when this failure disabled it.
   */
  async #countFailure(trx: Transaction<Database>, endpoint: WebhookEndpoint): Promise<WebhookEndpoint | undefined> {
    const now = nowIso();
    const row = await trx
      .updateTable('webhook_endpoints')
      .set((eb) => ({
        consecutive_failures: eb('consecutive_failures', '+', 1),
        failing_since: eb.fn.coalesce('failing_since', eb.val(now)),
      }))
      .where('id', '=', endpoint.id)
      .returningAll()
      .executeTakeFirst();
    if (!row?.enabled || row.consecutive_failures < this.#options.disableAfterFailures) return undefined;
    const failingMs = Date.now() - Date.parse(row.failing_since ?? now);
    if (failingMs < this.#options.disableAfterMs) return undefined;
    const reason = `Disabled after ${row.consecutive_failures} failed attempts in a row since ${row.failing_since}: fix the receiver, then enable the endpoint again (PATCH enabled=true)`;
    const disabled = await trx
      .updateTable('webhook_endpoints')
      .set({ enabled: 0, disabled_at: now, disabled_reason: reason, updated_at: now })
      .where('id', '=', endpoint.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEndpoint(disabled);
  }
}
