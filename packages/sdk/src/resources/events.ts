import type { AssetdEvent, EventType } from '@assetd/contract/scenario';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { APIConnectionError, APIError, APIUserAbortError } from '../core/errors.ts';
import { sleep } from '../core/retry.ts';
import type { Transport } from '../core/transport.ts';

export type { AssetdEvent, EventType };

export interface EventStreamOptions {
  /** Only these event types. */
  readonly types?: readonly EventType[];
  /** Resume after this event id (the `id` of the last event handled); from now on when absent. */
  readonly lastEventId?: string;
  /** Ends the stream: the iteration finishes. */
  readonly signal?: AbortSignal;
  /**
   * Reconnections tried in a row when the connection drops or cannot be made before giving up
   * (with APIConnectionError); a connection that works resets the count. 10 unless set.
   */
  readonly maxReconnects?: number;
}

/** The wait before reconnecting when the server named none (`retry:`). */
const DEFAULT_RETRY_MS = 3000;

/**
 * `/v1/events`: the project's events as they happen (Server-Sent Events), read with a
 * browser-safe parser. A dropped connection is reopened with `Last-Event-ID`, so nothing is
 * missed or repeated. An id past the server's retention window ends the iteration with an
 * APIError of status 410 and code EVENTS_MISSED: read the current state again, then stream
 * without one. Breaking out of the loop closes the connection.
 */
export class Events {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /**
   * ```ts
   * for await (const event of client.events.stream({ types: ['asset.created'] })) console.log(event.id, event.type);
   * ```
   */
  async *stream(options: EventStreamOptions = {}): AsyncGenerator<AssetdEvent> {
    let lastEventId = options.lastEventId;
    let retryMs = DEFAULT_RETRY_MS;
    let failures = 0;
    const maxReconnects = options.maxReconnects ?? 10;
    while (!options.signal?.aborted) {
      // Aborted when this connection is done with, which closes its socket for sure.
      const connection = new AbortController();
      const signal = options.signal ? AbortSignal.any([options.signal, connection.signal]) : connection.signal;
      let response: Response;
      try {
        response = await this.#http.open(
          {
            method: 'GET',
            path: '/v1/events',
            query: { types: options.types?.join(',') },
            headers: lastEventId ? { 'last-event-id': lastEventId } : {},
            signal,
          },
          'text/event-stream',
        );
      } catch (error) {
        if (error instanceof APIUserAbortError) return;
        if (!(error instanceof APIConnectionError) && !(error instanceof APIError && error.status >= 500)) throw error;
        if (++failures > maxReconnects) throw error;
        if (!(await this.#pause(retryMs, options.signal))) return;
        continue;
      }
      failures = 0;
      const queue: EventSourceMessage[] = [];
      const parser = createParser({
        onEvent: (message) => queue.push(message),
        onRetry: (ms) => {
          retryMs = ms;
        },
      });
      const decoder = new TextDecoder();
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
          while (queue.length > 0) {
            const message = queue.shift() as EventSourceMessage;
            const event = JSON.parse(message.data) as AssetdEvent;
            yield event;
            // Recorded once handed over: a reconnect resumes after it.
            lastEventId = message.id ?? event.id;
          }
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        if (error instanceof SyntaxError) throw error;
        // The connection dropped: reconnect below.
      } finally {
        // Also when the caller stops iterating: the connection goes with it.
        connection.abort();
        await reader.cancel().catch(() => {});
      }
      if (!(await this.#pause(retryMs, options.signal))) return;
    }
  }

  /** Waits `ms`; false when the signal aborted meanwhile. */
  async #pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      await sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }
}
