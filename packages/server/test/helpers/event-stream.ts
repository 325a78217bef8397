import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { basic } from './http.ts';

export interface StreamOptions {
  readonly lastEventId?: string;
  /** Query string to add, such as `types=asset.created`. */
  readonly query?: string;
}

export interface OpenStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every event received so far. */
  readonly events: EventSourceMessage[];
  readonly comments: string[];
  /** Resolves once `count` events have arrived in all. */
  arrived(count: number): Promise<EventSourceMessage[]>;
  /** Resolves once a comment matching `pattern` has arrived. */
  comment(pattern: RegExp): Promise<string>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/** GET /v1/events over a real socket, parsed as the SDK parses it (eventsource-parser). */
export async function openEventStream(base: string, key: { id: string; secret: string }, options: StreamOptions = {}): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/events${options.query ? `?${options.query}` : ''}`, {
    headers: { authorization: basic(key), ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}) },
    signal: controller.signal,
  });
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const checks = new Set<() => void>();
  const parser = createParser({
    onEvent: (event) => {
      events.push(event);
      for (const check of [...checks]) check();
    },
    onComment: (comment) => {
      comments.push(comment);
      for (const check of [...checks]) check();
    },
  });
  const until = <T>(ready: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const check = () => {
        const value = ready();
        if (value === undefined) return;
        checks.delete(check);
        resolve(value);
      };
      checks.add(check);
      check();
    });
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    arrived: (count) => until(() => (events.length >= count ? [...events] : undefined)),
    comment: (pattern) => until(() => comments.find((comment) => pattern.test(comment))),
    ended,
    close: () => controller.abort(),
  };
}
