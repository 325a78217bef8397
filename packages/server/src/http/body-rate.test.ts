import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRawSockets, rawRequest, trickle } from '../../test/helpers/raw-socket.ts';
import { BodyRateGuard, type BodyRejection } from './body-rate.ts';

const KiB = 1024;
const RULES = { minRate: { bytesPerSecond: 16 * KiB, windowMs: 1000 }, requestTimeoutMs: 1500 };

interface Seen {
  /** How each request's body ended: read whole, or its stream failed. */
  readonly outcomes: Array<'whole' | 'failed'>;
  readonly rejections: BodyRejection[];
}

let servers: Server[] = [];
afterEach(async () => {
  closeRawSockets();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

/** A loopback server whose handler reads the body (after `readAfterMs`) and answers 200 once it is whole. */
async function serve(options: { deadline: boolean; readAfterMs?: number }): Promise<{ port: number; seen: Seen }> {
  const seen: Seen = { outcomes: [], rejections: [] };
  const guard = new BodyRateGuard(RULES, (_request, rejection) => seen.rejections.push(rejection));
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    guard.watch(request, response, { deadline: options.deadline });
    const read = async () => {
      try {
        for await (const _ of request) {
          // discard
        }
        seen.outcomes.push('whole');
        response.end('ok');
      } catch {
        seen.outcomes.push('failed');
      }
    };
    if (options.readAfterMs) setTimeout(read, options.readAfterMs);
    else void read();
  });
  server.once('close', () => guard.stop());
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, seen };
}

const putHead = (length: number) => `PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${length}\r\n\r\n`;

describe('BodyRateGuard', () => {
  it('cuts off a body that stops halfway within its window, with a 408, and fails its stream', async () => {
    const { port, seen } = await serve({ deadline: false });
    const { socket, closed } = await rawRequest(port, putHead(64 * KiB));
    socket.write(Buffer.alloc(32 * KiB, 1));
    const { reply } = await closed;
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    await sleep(50);
    expect(seen.outcomes).toEqual(['failed']);
    expect(seen.rejections).toEqual([expect.objectContaining({ reason: 'too-slow' })]);
    // Judged over a whole window, by the guard's own account (not cut at its first look).
    const span = /in (\d+\.\d) s/.exec(seen.rejections[0]?.message ?? '')?.[1];
    expect(Number(span)).toBeGreaterThanOrEqual(RULES.minRate.windowMs / 1000);
  });

  it('lets a body that keeps moving above the minimum take many windows', async () => {
    const { port, seen } = await serve({ deadline: false });
    // 8 KiB every 100 ms: ~80 KiB/s, for about 3 s (three windows).
    const bytes = 240 * KiB;
    const { socket, closed } = await rawRequest(port, putHead(bytes));
    await trickle(socket, bytes, 100);
    await sleep(100);
    socket.end();
    const { reply } = await closed;
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(seen).toEqual({ outcomes: ['whole'], rejections: [] });
  });

  it('cuts off a body that trickles under the minimum', async () => {
    const { port, seen } = await serve({ deadline: false });
    // 8 KiB every 1.5 s: ~5 KiB/s.
    const { socket, closed } = await rawRequest(port, putHead(256 * KiB));
    // Whole, it would take ~48 s: past the test's timeout, so only the guard can end it in time.
    void trickle(socket, 256 * KiB, 1500);
    await closed;
    expect(seen.rejections).toEqual([expect.objectContaining({ reason: 'too-slow' })]);
  });

  it('does not blame the client while the server leaves the body unread', async () => {
    // The handler starts reading only after two windows: the bytes wait in its buffer meanwhile.
    const { port, seen } = await serve({ deadline: false, readAfterMs: 2 * RULES.minRate.windowMs });
    const { socket, closed } = await rawRequest(port, putHead(32 * KiB));
    socket.write(Buffer.alloc(32 * KiB, 1));
    const { reply } = await closed;
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(seen).toEqual({ outcomes: ['whole'], rejections: [] });
  });

  it('holds requests with a deadline to the request timeout, however fast they move', async () => {
    const { port, seen } = await serve({ deadline: true });
    const bytes = 400 * KiB;
    const { socket, closed } = await rawRequest(port, putHead(bytes));
    void trickle(socket, bytes, 100);
    // Above the minimum rate it is not too slow: only the deadline closes it (whole, it would take ~5 s).
    const { reply } = await closed;
    // Closed while the client was still sending: the 408 may be lost to the reset.
    expect(reply).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(seen.rejections).toEqual([expect.objectContaining({ reason: 'request-timeout' })]);
  });

  it('leaves a request without a body alone while its answer takes longer than a window (a long poll)', async () => {
    const guard = new BodyRateGuard(RULES, () => {
      throw new Error('no body to cut off');
    });
    const server = createServer((request, response) => {
      guard.watch(request, response, { deadline: true });
      setTimeout(() => response.end('late'), 2 * RULES.requestTimeoutMs);
    });
    server.once('close', () => guard.stop());
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/poll`);
    expect(await response.text()).toBe('late');
  });
});
