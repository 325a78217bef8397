import type { Kysely, Transaction } from 'kysely';
import type { Scope } from '../assets/asset.ts';
import type { Database } from '../db/schema.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import { EVENT_TYPES, type EventType, isEventType, type RecordedEvent } from '../events/event-types.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { newId } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';
import { DELIVER_WEBHOOK_JOB, newWebhookSecret, toDelivery, toEndpoint, type WebhookDelivery, type WebhookEndpoint } from './webhook.ts';
import { checkWebhookUrl } from './webhook-url.ts';

/** Endpoints one project may have: each event is one delivery job per endpoint. */
export const MAX_ENDPOINTS_PER_PROJECT = 20;
/** Deliveries one listing returns, newest first. */
export const MAX_DELIVERIES_LISTED = 100;

export interface NewEndpoint {
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description?: string | null;
  readonly enabled?: boolean;
}

export type EndpointChanges = Partial<NewEndpoint>;

export interface WebhookPolicy {
  /** `host` or `host:port` entries webhooks may go to although they are private (ASSETD_WEBHOOK_ALLOWED_HOSTS). */
  readonly allowedHosts: readonly string[];
}

/** The job of one delivery attempt: the attempt number makes it idempotent (see deliver-webhook.ts). */
export const attemptJobId = (deliveryId: string, attempt: number) => `${deliveryId}.${attempt}`;

/**
 * Webhook endpoints per project and their deliveries. Every recorded event of a project becomes
 * one delivery per enabled endpoint that wants its type, in the transaction that records the
 * event (the fan-out is an EventLog listener), each with a queued job for its first attempt.
 */
export class WebhookService {
  readonly #db: Kysely<Database>;
  readonly #jobs: JobQueue;
  readonly #events: EventLog;
  readonly #policy: WebhookPolicy;
  readonly #onQueued: () => void;

  constructor(db: Kysely<Database>, jobs: JobQueue, events: EventLog, policy: WebhookPolicy, onQueued: () => void = () => {}) {
    this.#db = db;
    this.#jobs = jobs;
    this.#events = events;
    this.#policy = policy;
    this.#onQueued = onQueued;
    events.onRecord((trx, event) => this.#fanOut(trx, event));
  }

  /** A new endpoint and its secret: the only time the secret is shown. */
  async create(scope: Scope, input: NewEndpoint): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = checkWebhookUrl(input.url, this.#policy.allowedHosts);
    const eventTypes = checkEventTypes(input.eventTypes);
    const secret = newWebhookSecret();
    const id = newId('wh');
    const now = nowIso();
    await this.#db.transaction().execute(async (trx) => {
      const count = await trx
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', scope.projectId)
        .executeTakeFirstOrThrow();
      if (Number(count.n) >= MAX_ENDPOINTS_PER_PROJECT) {
        throw invalid(`A project may have at most ${MAX_ENDPOINTS_PER_PROJECT} webhook endpoints: delete one first`);
      }
      await trx
        .insertInto('webhook_endpoints')
        .values({
          id,
          project_id: scope.projectId,
          url,
          description: input.description ?? null,
          event_types: JSON.stringify(eventTypes),
          enabled: input.enabled === false ? 0 : 1,
          secret,
          consecutive_failures: 0,
          failing_since: null,
          disabled_at: null,
          disabled_reason: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    });
    return { endpoint: await this.get(scope, id), secret };
  }

  async list(scope: Scope): Promise<WebhookEndpoint[]> {
    const rows = await this.#db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('project_id', '=', scope.projectId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toEndpoint);
  }

  async get(scope: Scope, id: string): Promise<WebhookEndpoint> {
    const row = await this.#db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('project_id', '=', scope.projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('WEBHOOK_NOT_FOUND', 'Webhook', id);
    return toEndpoint(row);
  }

  /** Changes what is given; enabling an endpoint the system disabled clears its failure record. */
  async update(scope: Scope, id: string, changes: EndpointChanges): Promise<WebhookEndpoint> {
    const url = changes.url === undefined ? undefined : checkWebhookUrl(changes.url, this.#policy.allowedHosts);
    const eventTypes = changes.eventTypes === undefined ? undefined : checkEventTypes(changes.eventTypes);
    await this.get(scope, id);
    await this.#db
      .updateTable('webhook_endpoints')
      .set({
        ...(url !== undefined ? { url } : {}),
        ...(eventTypes !== undefined ? { event_types: JSON.stringify(eventTypes) } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.enabled === true
          ? { enabled: 1, disabled_at: null, disabled_reason: null, consecutive_failures: 0, failing_since: null }
          : {}),
        ...(changes.enabled === false ? { enabled: 0 } : {}),
        updated_at: nowIso(),
      })
      .where('project_id', '=', scope.projectId)
      .where('id', '=', id)
      .execute();
    return this.get(scope, id);
  }

  /** Deletes the endpoint and its deliveries: jobs still queued for it find nothing to send. */
  async delete(scope: Scope, id: string): Promise<void> {
    const result = await this.#db
      .deleteFrom('webhook_endpoints')
      .where('project_id', '=', scope.projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound('WEBHOOK_NOT_FOUND', 'Webhook', id);
  }

  /** A new secret, in force at once (the old one no longer verifies): shown this once. */
  async rotateSecret(scope: Scope, id: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const secret = newWebhookSecret();
    const result = await this.#db
      .updateTable('webhook_endpoints')
      .set({ secret, updated_at: nowIso() })
      .where('project_id', '=', scope.projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('WEBHOOK_NOT_FOUND', 'Webhook', id);
    return { endpoint: await this.get(scope, id), secret };
  }

  /** The endpoint's most recent deliveries, newest first. */
  async deliveries(scope: Scope, id: string, limit = MAX_DELIVERIES_LISTED): Promise<WebhookDelivery[]> {
    await this.get(scope, id);
    const rows = await this.#db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(limit, MAX_DELIVERIES_LISTED))
      .execute();
    return rows.map(toDelivery);
  }

  /** Sends a delivery's event again, as a new delivery (same `webhook-id`), while the event is retained. */
  async resend(scope: Scope, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const endpoint = await this.get(scope, id);
    const original = await this.#db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('endpoint_id', '=', id)
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    if (!original) throw notFound('DELIVERY_NOT_FOUND', 'Delivery', deliveryId);
    if (!endpoint.enabled) throw new AppError('CONFLICT', `Webhook "${id}" is disabled: enable it (PATCH enabled=true) before resending`);
    const event = await this.#events.find(Number(original.event_id));
    if (!event) {
      throw new AppError('EVENTS_MISSED', `The event of delivery "${deliveryId}" is past the retention window and can no longer be sent`);
    }
    const created = await this.#db.transaction().execute((trx) => this.#queueDelivery(trx, endpoint.id, event));
    this.#onQueued();
    return created;
  }

  /** Finished deliveries older than `before` go (pending ones are still being tried). */
  async pruneDeliveries(before: Date): Promise<number> {
    const result = await this.#db
      .deleteFrom('webhook_deliveries')
      .where('status', '!=', 'pending')
      .where('updated_at', '<', before.toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #fanOut(trx: Transaction<Database>, event: RecordedEvent): Promise<void> {
    const rows = await trx
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('project_id', '=', event.projectId)
      .where('enabled', '=', 1)
      .execute();
    const wanting = rows.map(toEndpoint).filter((endpoint) => endpoint.eventTypes.includes(event.type));
    for (const endpoint of wanting) await this.#queueDelivery(trx, endpoint.id, event);
    if (wanting.length > 0) this.#onQueued();
  }

  async #queueDelivery(trx: Transaction<Database>, endpointId: string, event: RecordedEvent): Promise<WebhookDelivery> {
    const id = newId('whd');
    const now = nowIso();
    const row = {
      id,
      endpoint_id: endpointId,
      project_id: event.projectId,
      event_id: event.id,
      event_type: event.type,
      status: 'pending',
      attempts: 0,
      status_code: null,
      error: null,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('webhook_deliveries').values(row).execute();
    // Fair claims by endpoint: one slow receiver's backlog never holds every delivery slot.
    await this.#jobs.enqueue(
      trx,
      DELIVER_WEBHOOK_JOB,
      { deliveryId: id, attempt: 1 },
      { id: attemptJobId(id, 1), projectId: `webhook:${endpointId}`, maxAttempts: 3 },
    );
    return toDelivery(row);
  }
}

function checkEventTypes(types: readonly string[]): EventType[] {
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0) {
    throw invalid(`Unknown event type "${unknown.join('", "')}": use ${EVENT_TYPES.join(', ')}`, { unknown });
  }
  if (types.length === 0) throw invalid(`eventTypes must name at least one of ${EVENT_TYPES.join(', ')}`);
  return [...new Set(types as EventType[])];
}
