import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got: its headers and body as sent. */
export interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: { id: string; type: string; timestamp: string; projectId: string; data: Record<string, { id: string }> };
}

/** How to answer a request: a status, or 'hang' (never answer until the receiver closes). */
export type Answer = number | 'hang';

export interface WebhookReceiver {
  /** `host:port`, for ASSETD_WEBHOOK_ALLOWED_HOSTS. */
  readonly host: string;
  readonly url: string;
  readonly received: Received[];
  /** Resolves once `count` requests have arrived. */
  arrived(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1: records every request and answers as `answer` says for it
 * (by its position, 0 first, and the request). Requests held by 'hang' are cut when it closes.
 */
export async function startReceiver(answer: (index: number, request: Received) => Answer = () => 200): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const waiters: Array<{ count: number; resolve: (all: Received[]) => void }> = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { headers: request.headers, body, json: JSON.parse(body) };
      const index = received.length;
      received.push(entry);
      const what = answer(index, entry);
      if (what === 'hang') hanging.add(response);
      else response.writeHead(what, { 'content-type': 'text/plain' }).end('ok');
      for (const waiter of [...waiters]) {
        if (received.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve([...received]);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    arrived: (count) =>
      received.length >= count ? Promise.resolve([...received]) : new Promise((resolve) => waiters.push({ count, resolve })),
    async close() {
      for (const response of hanging) response.socket?.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Verifies a request the way the Standard Webhooks specification publishes it, without its
 * library: HMAC-SHA256, keyed by the base64 secret after `whsec_`, over `id.timestamp.body`,
 * base64, compared to each space-separated `v1,<signature>` of `webhook-signature`.
 */
export function verifiedBySpec(request: Received, secret: string): boolean {
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const signatures = request.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
