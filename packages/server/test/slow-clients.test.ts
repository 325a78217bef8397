import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPartServer } from '../src/parts/part-receiver.ts';
import type { LocalStorage } from '../src/storage/local/local-storage.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { listen } from './helpers/listen.ts';
import { freePort } from './helpers/processes.ts';
import { closeRawSockets, type RawClient, rawRequest, trickle } from './helpers/raw-socket.ts';
import { createUpload as createUploadOn } from './helpers/uploads.ts';

announceSkips();

/**
 * Slow and stalled clients (issue #11.3): sockets that send headers and half a body, then
 * nothing, are closed within the configured limits on every route that takes a body (JSON,
 * forms, parts through the API and through the part receiver); nothing they sent is kept; the
 * server serves others meanwhile; long polls still wait; the connection cap holds.
 */
const KiB = 1024;
/** Small limits, so each case takes about a second. */
const LIMITS = {
  ASSETD_HEADERS_TIMEOUT_SECONDS: '1',
  ASSETD_REQUEST_TIMEOUT_SECONDS: '2',
  ASSETD_MIN_BODY_RATE_WINDOW_SECONDS: '1',
  ASSETD_MIN_BODY_BYTES_PER_SECOND: '16384',
};
/**
 * The bound of each test that waits for the server to close a socket: far past the limits above
 * (1–2 s), and short of the defaults (30 s and more), so a limit that does not apply fails the
 * test by its timeout. A bound, not a measurement: nothing here compares clock readings.
 */
const BOUND = { timeout: 20_000 };

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

/** A multipart/form-data body with one file field of `bytes`, cut in two halves. */
function formHalves(fields: Record<string, string>, fileName: string, bytes: Buffer) {
  const boundary = `----assetd${Date.now()}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const start = Buffer.from(
    `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const end = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([start, bytes, end]);
  const half = start.length + Math.floor(bytes.length / 2);
  return { contentType: `multipart/form-data; boundary=${boundary}`, length: body.length, first: body.subarray(0, half) };
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** Polls (bounded) until `dir` holds nothing `keep` refuses; returns what is left. */
async function settledEntries(dir: string, leftover: (name: string) => boolean, timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = (await entries(dir)).filter(leftover);
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(50);
  }
}

describe.each(DATABASES)('slow clients on $name', (target) => {
  let server: TestServer;
  let base: string;
  let port: number;
  let auth: string;
  /** Every answer's status, for the routes a stalled client reached: none may be a 5xx. */
  const statuses: Array<{ route: string; status: number }> = [];
  beforeAll(async () => {
    if (target.skipReason) return;
    server = await startTestServer(target, LIMITS, {
      hooks: (app) =>
        app.addHook('onSend', async (request, reply) => {
          statuses.push({ route: `${request.method} ${request.routeOptions.url}`, status: reply.statusCode });
        }),
    });
    base = await listen(server);
    port = Number(new URL(base).port);
    auth = basic(server.key);
  });
  afterEach(async () => {
    closeRawSockets();
    // A client that stalls is the client's fault: nothing it does is a server error.
    await sleep(50);
    expect(statuses.splice(0).filter((entry) => entry.status >= 500)).toEqual([]);
  });
  afterAll(async () => server?.dispose());

  const healthy = async () => (await fetch(`${base}/healthz`)).status;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  const getJson = async (url: string): Promise<any> => (await fetch(`${base}${url}`, { headers: { authorization: auth } })).json();
  /** Over the socket, so the part URLs name this server's port. */
  const createUpload = async (body: Record<string, unknown>) => {
    const response = await fetch(`${base}/v1/uploads`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
    return ((await response.json()) as any).upload;
  };
  const staging = () => path.join(server.dataDir, 'tmp');

  /** The head of an authorized POST of `length` bytes of `contentType` to `route`. */
  const postHead = (route: string, contentType: string, length: number) =>
    head([
      `POST ${route} HTTP/1.1`,
      'Host: 127.0.0.1',
      `Authorization: ${auth}`,
      `Content-Type: ${contentType}`,
      `Content-Length: ${length}`,
    ]);
  /** A JSON body that keeps moving (~80 KiB/s of whitespace, above the minimum rate) but would take ~5 s. */
  const movingJson = async (): Promise<RawClient> => {
    const length = 400 * KiB;
    const client = await rawRequest(port, postHead('/v1/uploads', 'application/json', length));
    void trickle(client.socket, length, 100);
    return client;
  };
  /** A long poll on a pending upload: it answers after `seconds` of the server's own clock. */
  const longPoll = async (seconds: number) => {
    const upload = await createUpload({ fileName: 'w.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 1024 });
    const poll = { answered: false, answer: undefined as Promise<string> | undefined };
    poll.answer = getJson(`/v1/uploads/${upload.id}?waitSeconds=${seconds}`).then((body) => {
      poll.answered = true;
      return body.upload.status as string;
    });
    return poll as { readonly answered: boolean; readonly answer: Promise<string> };
  };

  it.skipIf(target.skipReason)('closes a socket whose headers never end (408)', BOUND, async () => {
    const client = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // Not at once: another request is served while it is still open.
    expect(await healthy()).toBe(200);
    expect(client.isOpen()).toBe(true);
    const { reply } = await client.closed;
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  });

  it.skipIf(target.skipReason)('closes a JSON body that stops halfway, and serves others meanwhile', BOUND, async () => {
    const body = JSON.stringify({ fileName: 'a.png', kind: 'image', contentType: 'image/png', parts: 1, fileSize: 1000 });
    const client = await rawRequest(port, postHead('/v1/uploads', 'application/json', body.length) + body.slice(0, body.length / 2));
    // Held open, it takes nothing from anyone else.
    expect(await healthy()).toBe(200);
    const { reply } = await client.closed;
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect(await healthy()).toBe(200);
    // No upload was made of the half it got.
    expect((await getJson('/v1/jobs')).jobs).toEqual([]);
  });

  it.skipIf(target.skipReason)('holds a JSON body to the request timeout even when it keeps moving', BOUND, async () => {
    const poll = await longPoll(1);
    const client = await movingJson();
    // Past a body window (1 s) it is still open: it moves fast enough...
    expect(await poll.answer).toBe('pending');
    expect(client.isOpen()).toBe(true);
    // ...but it is closed by the request timeout (2 s), long before it would be whole (~5 s, then a 400).
    const { reply } = await client.closed;
    // Closed while the client was still sending: the 408 may be lost to the reset.
    expect(reply).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  /** A form whose file stops halfway: the server closes it and keeps none of its bytes staged. */
  const stalledForm = async (route: string, fileName: string) => {
    const form = formHalves({ name: 'half' }, fileName, Buffer.alloc(200 * KiB, 7));
    const client = await rawRequest(port, postHead(route, form.contentType, form.length));
    client.socket.write(form.first);
    await client.closed;
    expect(await settledEntries(staging(), () => true)).toEqual([]);
  };

  it.skipIf(target.skipReason)('closes a form upload (small images) that stops halfway and keeps no staged bytes', BOUND, async () => {
    await stalledForm('/v1/assets', 'half.png');
    expect(await healthy()).toBe(200);
  });

  it.skipIf(target.skipReason)('closes a token360 form upload (a streamed body) that stops halfway and keeps no staged bytes', BOUND, () =>
    stalledForm('/token360/v1/assets', 'half.wav'),
  );

  describe('part PUTs through the API', () => {
    const size = 64 * KiB;
    const partHead = (url: string, headers: string[]) => {
      const { pathname, search } = new URL(url);
      return head([`PUT ${pathname}${search} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/octet-stream', ...headers]);
    };
    const listed = async (uploadId: string) => (await getJson(`/v1/uploads/${uploadId}/parts`)).parts;
    const folder = (multipartDir: string) => entries(multipartDir);

    it.skipIf(target.skipReason)('closes a part that stops halfway: the part is not listed, nothing partial is left', BOUND, async () => {
      const upload = await createUpload({ fileName: 'p.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: size });
      const url = upload.parts[0].url as string;
      // Chunked, so the part goes to a file of its own first (not in place): its temp file must go too.
      const client = await rawRequest(port, `${partHead(url, ['Transfer-Encoding: chunked'])}${(16 * KiB).toString(16)}\r\n`);
      client.socket.write(Buffer.alloc(16 * KiB, 1));
      const { reply } = await client.closed;
      expect(reply).toMatch(/^(HTTP\/1\.1 408 |$)/);
      expect(await listed(upload.id)).toEqual([]);
      const multipartRoot = path.join(server.dataDir, 'files', 'multipart');
      const [dir] = await folder(multipartRoot);
      const left = await settledEntries(path.join(multipartRoot, dir as string), (name) => !['plan.json', 'data'].includes(name));
      expect(left).toEqual([]);
      // The upload still takes the part, whole.
      const whole = await fetch(url, { method: 'PUT', body: Buffer.alloc(size, 2) });
      expect(whole.status).toBe(200);
      expect(await listed(upload.id)).toEqual([expect.objectContaining({ number: 1, size })]);
    });

    it.skipIf(target.skipReason)('lets a part take longer than the request timeout while it keeps moving', BOUND, async () => {
      const length = 2048 * KiB;
      const upload = await createUpload({ fileName: 'q.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: length });
      // Until a 3 s long poll answers (past the 2 s request timeout), ~80 KiB/s: above the 16 KiB/s minimum.
      const poll = await longPoll(3);
      const client = await rawRequest(port, partHead(upload.parts[0].url, [`Content-Length: ${length}`, 'Connection: close']));
      const sent = await trickle(client.socket, length, 100, () => poll.answered);
      expect(await poll.answer).toBe('pending');
      expect(client.isOpen()).toBe(true);
      client.socket.write(Buffer.alloc(length - sent, 0x20));
      const { reply } = await client.closed;
      expect(reply).toMatch(/^HTTP\/1\.1 200 /);
      expect(await listed(upload.id)).toEqual([expect.objectContaining({ number: 1, size: length })]);
    });
  });

  it.skipIf(target.skipReason)('keeps long polls waiting past the body window and the request timeout', BOUND, async () => {
    const poll = await longPoll(3);
    // Closed by the request timeout (2 s) while the long poll, silent all along, still waits.
    await (await movingJson()).closed;
    expect(poll.answered).toBe(false);
    expect(await poll.answer).toBe('pending');
  });
});

describe.each(DATABASES)('the connection cap on $name', (target) => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    if (target.skipReason) return;
    server = await startTestServer(target, { ASSETD_MAX_CONNECTIONS: '3' });
    port = Number(new URL(await listen(server)).port);
  });
  afterEach(() => closeRawSockets());
  afterAll(async () => server?.dispose());

  it.skipIf(target.skipReason)('closes connections over the cap as they come, and serves again once one goes', BOUND, async () => {
    const held = await Promise.all([1, 2, 3].map(() => rawRequest(port, 'GET /healthz HTTP/1.1\r\n')));
    // Let the server count them before the next one arrives.
    await sleep(100);
    const over = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const { reply } = await over.closed;
    expect(reply).toBe('');
    held[0]?.socket.destroy();
    await held[0]?.closed;
    // The server lives: with a slot free again, it answers.
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 200) await sleep(50);
    }
    expect(status).toBe(200);
  });
});

describe.each(DATABASES)('the part receiver with slow clients on $name', (target) => {
  let server: TestServer;
  let receiver: Server;
  let receiverPort: number;
  beforeAll(async () => {
    if (target.skipReason) return;
    receiverPort = await freePort();
    server = await startTestServer(target, { ...LIMITS, ASSETD_PARTS_URL: `http://127.0.0.1:${receiverPort}` });
    const storage = server.container.storage as LocalStorage;
    receiver = createPartServer(storage.partIntake, server.container.signer, server.config.connections, () => {});
    receiver.listen(receiverPort, '127.0.0.1');
    await once(receiver, 'listening');
  });
  afterEach(() => closeRawSockets());
  afterAll(async () => {
    receiver?.closeAllConnections();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
    await server?.dispose();
  });

  it.skipIf(target.skipReason)('closes a part that stops halfway: the part is not listed, nothing partial is left', BOUND, async () => {
    const size = 64 * KiB;
    const upload = await createUploadOn(server, { fileName: 'r.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: size });
    const url = new URL(upload.parts[0].url);
    expect(url.port).toBe(String(receiverPort));
    const client = await rawRequest(
      receiverPort,
      head([`PUT ${url.pathname}${url.search} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${size}`]),
    );
    client.socket.write(Buffer.alloc(size / 2, 1));
    // Another client is served meanwhile.
    const preflight = await fetch(url, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    // Not at once: it was still open when the other client had its answer.
    expect(client.isOpen()).toBe(true);
    const { reply } = await client.closed;
    expect(reply).toMatch(/^(HTTP\/1\.1 408 |$)/);
    const parts = await server.app.inject({
      method: 'GET',
      url: `/v1/uploads/${upload.id}/parts`,
      headers: { authorization: basic(server.key) },
    });
    expect(json(parts).parts).toEqual([]);
    const dir = path.join(server.dataDir, 'files', 'multipart', url.searchParams.get('part') as string);
    expect(await settledEntries(dir, (name) => !['plan.json', 'data'].includes(name))).toEqual([]);
    const whole = await fetch(url, { method: 'PUT', body: Buffer.alloc(size, 3) });
    expect(whole.status).toBe(200);
  });
});
