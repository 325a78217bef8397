import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { type OpenStream, openEventStream } from './helpers/event-stream.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';
import { listen } from './helpers/listen.ts';

announceSkips();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(target: (typeof DATABASES)[number], env: Record<string, string> = {}): Promise<{ s: TestServer; base: string }> {
  const s = await startTestServer(target, { ASSETD_EVENTS_POLL_MS: '50', ...env });
  cleanups.push(() => s.dispose());
  return { s, base: await listen(s) };
}

async function stream(base: string, key: { id: string; secret: string }, options: Parameters<typeof openEventStream>[2] = {}) {
  const opened = await openEventStream(base, key, options);
  cleanups.push(() => opened.close());
  return opened;
}

const call = (s: TestServer, method: 'PUT' | 'DELETE', url: string, payload: object) =>
  s.app.inject({ method, url, headers: { authorization: basic(s.key) }, payload });

const summary = (events: OpenStream['events']) =>
  events.map((event) => {
    const data = JSON.parse(event.data);
    return `${event.event} ${data.data.asset?.id ?? data.data.collection?.id ?? data.data.upload?.id}`;
  });

describe.each(DATABASES)('the event stream on $name', (target) => {
  const test = it.skipIf(target.skipReason);

  test('streams the project’s events; after a disconnect, Last-Event-ID resumes with nothing missed', { timeout: 60_000 }, async () => {
    const { s, base } = await server(target);
    const first = await stream(base, s.key);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const a = await uploadImage(s, await uniquePng(1));
    await uploadImage(s, await uniquePng(2), {}, { key: s.otherKey }); // another project's: never shown
    await call(s, 'PUT', `/v1/assets/${a.id}`, { name: 'renamed' });
    const seen = await first.arrived(2);
    expect(summary(seen)).toEqual([`asset.created ${a.id}`, `asset.updated ${a.id}`]);
    const wire = JSON.parse(seen[1]?.data ?? '{}');
    expect(wire).toMatchObject({
      id: seen[1]?.id,
      type: 'asset.updated',
      projectId: s.key.projectId,
      data: { asset: { metadata: { name: 'renamed' } } },
    });
    expect(wire.data.asset.url).toMatch(/\/files\//);
    first.close();

    // Changes while no one listens.
    const b = await uploadImage(s, await uniquePng(3));
    await call(s, 'DELETE', '/v1/assets', { assetIds: [a.id] });
    const collection = json(
      await s.app.inject({ method: 'POST', url: '/v1/collections', headers: { authorization: basic(s.key) }, payload: { name: 'c' } }),
    ).collection;
    await call(s, 'PUT', `/v1/collections/${collection.id}/assets`, { assetIds: [b.id] });

    const resumed = await stream(base, s.key, { lastEventId: seen[1]?.id });
    const rest = await resumed.arrived(3);
    expect(summary(rest)).toEqual([`asset.created ${b.id}`, `asset.deleted ${a.id}`, `collection.updated ${collection.id}`]);
    const ids = [...seen, ...rest].map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    // The other project's stream has its own event only.
    const theirs = await stream(base, s.otherKey, { query: 'lastEventId=0' });
    expect(summary(await theirs.arrived(1))[0]).toMatch(/^asset\.created /);
    expect(theirs.events.every((event) => JSON.parse(event.data).projectId === s.otherKey.projectId)).toBe(true);
  });

  test('types filters; lastEventId in the query resumes; bad input is a 400, no key a 401', async () => {
    const { s, base } = await server(target);
    const a = await uploadImage(s, await uniquePng(4));
    await call(s, 'PUT', `/v1/assets/${a.id}`, { name: 'x' });
    await call(s, 'DELETE', '/v1/assets', { assetIds: [a.id] });
    const filtered = await stream(base, s.key, { query: 'lastEventId=0&types=asset.deleted,asset.updated' });
    expect(summary(await filtered.arrived(2))).toEqual([`asset.updated ${a.id}`, `asset.deleted ${a.id}`]);
    const badType = await fetch(`${base}/v1/events?types=asset.exploded`, { headers: { authorization: basic(s.key) } });
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as { message: string }).message).toMatch(/asset\.created/);
    const badId = await fetch(`${base}/v1/events`, { headers: { authorization: basic(s.key), 'last-event-id': 'abc' } });
    expect(badId.status).toBe(400);
    const beyond = await fetch(`${base}/v1/events`, { headers: { authorization: basic(s.key), 'last-event-id': '999999999' } });
    expect(beyond.status).toBe(410);
    expect((await fetch(`${base}/v1/events`)).status).toBe(401);
  });

  test('a resume point past the retention window answers 410 EVENTS_MISSED', async () => {
    const { s, base } = await server(target);
    await uploadImage(s, await uniquePng(5));
    const [old] = await s.container.events.after(s.key.projectId, 0, undefined, 1);
    await uploadImage(s, await uniquePng(6));
    // Everything recorded so far is older than this cutoff.
    expect(await s.container.events.prune(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(2);
    const expired = await fetch(`${base}/v1/events`, { headers: { authorization: basic(s.key), 'last-event-id': String(old?.id) } });
    expect(expired.status).toBe(410);
    const body = (await expired.json()) as { message: string };
    expect(body).toMatchObject({ code: 'EVENTS_MISSED' });
    expect(body.message).toMatch(/retention window/);
    // Without an id: from now on.
    const fresh = await stream(base, s.key);
    const c = await uploadImage(s, await uniquePng(7));
    expect(summary(await fresh.arrived(1))).toEqual([`asset.created ${c.id}`]);
  });

  test('a quiet stream gets heartbeats, and ends when the server closes', async () => {
    const { s, base } = await server(target, { ASSETD_EVENTS_HEARTBEAT_SECONDS: '1' });
    const quiet = await stream(base, s.key);
    await quiet.comment(/keep-alive/);
    await s.app.close();
    await quiet.ended;
  });

  test('an event made through one API process arrives on a stream held on another', { timeout: 60_000 }, async () => {
    // On PostgreSQL polling is pushed out of the way: the event can only arrive by NOTIFY in time.
    const env: Record<string, string> =
      target.name === 'postgres' ? { ASSETD_EVENTS_POLL_MS: '60000', ASSETD_EVENTS_HEARTBEAT_SECONDS: '300' } : {};
    const { s } = await server(target, env);
    const other = await s.reopen();
    const otherApp: FastifyInstance = await buildApp(other, { logger: false });
    cleanups.push(async () => {
      await otherApp.close();
      await other.close();
    });
    await otherApp.listen({ port: 0, host: '127.0.0.1' });
    const otherBase = `http://127.0.0.1:${(otherApp.server.address() as { port: number }).port}`;
    const held = await stream(otherBase, s.key);
    await held.comment(/connected/);
    const made = await uploadImage(s, await uniquePng(8));
    expect(summary(await held.arrived(1))).toEqual([`asset.created ${made.id}`]);
  });
});
