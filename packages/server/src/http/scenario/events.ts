import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorResponse, EventsQuery } from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container.ts';
import { invalid } from '../../errors.ts';
import { follow, resumePoint } from '../../events/event-follower.ts';
import { EVENT_TYPES, type EventType, isEventType } from '../../events/event-types.ts';
import { linksFor } from '../file-links.ts';
import { requireScope } from '../plugins/auth.ts';
import { toWireEvent } from './event-wire.ts';

/** The longest a close waits for the streams to end. */
const CLOSE_WAIT_MS = 2000;

/** How long an EventSource waits before reconnecting after the connection drops. */
const RECONNECT_MS = 3000;

function parseTypes(value: string | undefined): EventType[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const types = value.split(',').map((type) => type.trim());
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0) throw invalid(`Unknown event type "${unknown.join('", "')}": use ${EVENT_TYPES.join(', ')}`, { unknown });
  return types as EventType[];
}

function parseEventId(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(value.trim()))
    throw invalid(`"${value.slice(0, 40)}" is not an event id: pass back the id of the last event received`);
  return Number(value.trim());
}

/** One event in the SSE format: its id (what Last-Event-ID sends back), type, and JSON. */
const frame = (id: string, type: string, data: unknown) => `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * GET /v1/events: the project's events as Server-Sent Events, read from the database (so a
 * stream held on one process sees changes made through any other), resumed after
 * `Last-Event-ID` (or `lastEventId`). A resume point past the retention window answers 410
 * before the stream starts. A comment every heartbeat keeps proxies from closing a quiet
 * stream; the stream ends when the client goes or the server closes.
 */
export function registerEventRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  // On close, streams end and their connections go before the server waits for idle ones: an
  // SSE connection left open (keep-alive) would hold the close up until its idle timeout.
  const closing = new AbortController();
  const open = new Set<Promise<void>>();
  app.addHook('preClose', async () => {
    closing.abort();
    // Bounded: an answer a client stopped reading never finishes (serve's grace period cuts its socket).
    await Promise.race([Promise.all(open), sleep(CLOSE_WAIT_MS, undefined, { ref: false })]);
  });
  const { heartbeatSeconds, retentionHours } = c.config.events;
  // Quiet streams wake at least once a heartbeat, to send it.
  const pollMs = Math.min(c.config.events.pollMs, heartbeatSeconds * 1000);

  app.get(
    '/v1/events',
    {
      config: { auth: 'key' },
      schema: {
        summary: "*Beyond the spec*: the project's events as a live Server-Sent Events stream (id, event type, JSON data)",
        description: `Resume with the Last-Event-ID header (or lastEventId). Events are kept ${retentionHours} h by default (ASSETD_EVENT_RETENTION_HOURS); resuming from before that answers 410 EVENTS_MISSED: read the current state again and reconnect without an id.`,
        tags: ['events'],
        querystring: EventsQuery,
        produces: ['text/event-stream'],
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          400: ErrorResponse,
          401: ErrorResponse,
          410: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const scope = requireScope(request);
      const query = request.query;
      const header = request.headers['last-event-id'];
      const types = parseTypes(query.types);
      const lastEventId = parseEventId(typeof header === 'string' && header !== '' ? header : query.lastEventId);
      const afterId = await resumePoint(c.events, lastEventId, retentionHours);

      const link = linksFor(c, request);
      const stream = new PassThrough();
      const ended = new AbortController();
      const signal = AbortSignal.any([ended.signal, closing.signal]);
      request.raw.once('close', () => ended.abort());
      stream.once('close', () => ended.abort());
      // Done once the answer is sent whole (finish) or its connection went (close).
      const gone = new Promise<void>((resolve) => {
        reply.raw.once('finish', resolve);
        reply.raw.once('close', resolve);
      });
      open.add(gone);
      void gone.then(() => open.delete(gone));
      const write = async (text: string) => {
        if (!stream.write(text)) await Promise.race([once(stream, 'drain'), once(signal, 'abort')]);
      };
      void (async () => {
        let lastWrite = Date.now();
        try {
          await write(`retry: ${RECONNECT_MS}\n: connected\n\n`);
          for await (const page of follow(c.events, c.eventWakeup, { projectId: scope.projectId, afterId, types, pollMs, signal })) {
            for (const event of page) await write(frame(String(event.id), event.type, toWireEvent(event, link)));
            if (page.length > 0) lastWrite = Date.now();
            else if (Date.now() - lastWrite >= heartbeatSeconds * 1000) {
              await write(': keep-alive\n\n');
              lastWrite = Date.now();
            }
          }
        } catch (error) {
          if (!signal.aborted) request.log.warn({ err: error }, 'event stream ended by an error; the client reconnects with Last-Event-ID');
        } finally {
          // The server is closing: once the answer is sent, the connection is ended too, not left
          // for the client to keep alive (it reconnects elsewhere with the last id it received).
          // Injected requests (tests) have no socket to end.
          const socket = request.raw.socket as { end?: () => void } | undefined;
          if (closing.signal.aborted) reply.raw.once('finish', () => socket?.end?.());
          stream.end();
        }
      })();
      return (
        reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('x-accel-buffering', 'no')
          // The 200 is a stream, which the schema can only name as text: its type cannot say so.
          .send(stream as unknown as string)
      );
    },
  );
}
