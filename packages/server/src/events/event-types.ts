import { EVENT_TYPES, type EventType } from '@assetd/contract/scenario';

/**
 * The events a project's changes record (events/event-log.ts), streamed at GET /v1/events and
 * sent to webhooks. `endpoint.disabled` is the system's own: a webhook endpoint that kept
 * failing was turned off.
 */
export { EVENT_TYPES, type EventType };

export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

/** An event as recorded: `subject` is the domain object it is about, as it was when the change committed. */
export interface RecordedEvent {
  /** Grows in commit order within one database. */
  readonly id: number;
  readonly projectId: string;
  readonly type: EventType;
  readonly subject: unknown;
  readonly createdAt: string;
}
