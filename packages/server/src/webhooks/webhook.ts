import { randomBytes } from 'node:crypto';
import { DELIVERY_STATUSES, type DeliveryStatus } from '@assetd/contract/scenario';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../db/schema.ts';
import type { EventType } from '../events/event-types.ts';

/** The job that makes one attempt to deliver one event to one endpoint. */
export const DELIVER_WEBHOOK_JOB = 'webhook.deliver';

/** A project's webhook endpoint, as the domain sees it (never its secret). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly projectId: string;
  readonly url: string;
  readonly description: string | null;
  readonly eventTypes: readonly EventType[];
  readonly enabled: boolean;
  /** Failed attempts in a row, since the last success. */
  readonly consecutiveFailures: number;
  /** Set when the system turned the endpoint off because it kept failing. */
  readonly disabledAt: string | null;
  readonly disabledReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export { DELIVERY_STATUSES, type DeliveryStatus };

/** One event sent (or being sent) to one endpoint: its attempts so far and how the last went. */
export interface WebhookDelivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: number;
  readonly eventType: EventType;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  /** The last attempt's HTTP status, when the receiver answered at all. */
  readonly statusCode: number | null;
  readonly error: string | null;
  /** When the next attempt is due, while the delivery is pending after a failure. */
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const toEndpoint = (row: WebhookEndpointsTable): WebhookEndpoint => ({
  id: row.id,
  projectId: row.project_id,
  url: row.url,
  description: row.description,
  eventTypes: JSON.parse(row.event_types) as EventType[],
  enabled: Boolean(row.enabled),
  consecutiveFailures: row.consecutive_failures,
  disabledAt: row.disabled_at,
  disabledReason: row.disabled_reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toDelivery = (row: WebhookDeliveriesTable): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventId: Number(row.event_id),
  eventType: row.event_type as EventType,
  status: row.status as DeliveryStatus,
  attempts: row.attempts,
  statusCode: row.status_code,
  error: row.error,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/** The `webhook-id` of an event: the same on every attempt and resend, so receivers can drop duplicates. */
export const messageId = (eventId: number): string => `evt_${eventId}`;
