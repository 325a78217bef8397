import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedKey } from '../src/auth/keys.ts';
import { formData, uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, bearer, json, type Response, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';

announceSkips();

const REDIS_URL = 'redis://127.0.0.1:6379';
const LIMITS = {
  ASSETD_RATE_LIMIT_AUTH_FAILURES: '3',
  ASSETD_RATE_LIMIT_REQUESTS_PER_MINUTE: '5',
  ASSETD_RATE_LIMIT_UPLOADS_PER_MINUTE: '2',
};
const WAV_UPLOAD = { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 };
const WRONG = { id: 'key_wrong', secret: 'not-the-secret' };

/** A request from `address`: the test's injected socket has that remote address, as a real connection would. */
const from = (server: TestServer, address: string, url: string, authorization?: string) =>
  server.app.inject({ method: 'GET', url, remoteAddress: address, headers: authorization ? { authorization } : {} });

function expectLimited(response: Response, limit: string) {
  expect(response.statusCode).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  const body = json(response);
  expect(body).toMatchObject({ code: 'RATE_LIMITED', details: { limit, retryAfterSeconds: retryAfter } });
  expect(body.message).toContain(`retry in ${retryAfter} s`);
  expect(typeof body.requestId).toBe('string');
}

function expectLimitedEnvelope(response: Response) {
  expect(response.statusCode).toBe(429);
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(json(response)).toMatchObject({ code: 429, data: null, serviceCode: 'RATE_LIMITED' });
  expect(json(response).msg).toContain('retry in');
}

describe.each(DATABASES)('rate limits on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, LIMITS);
  });
  afterAll(async () => server?.dispose());

  let projects = 0;
  const freshKey = () => server.container.keys.create({ team: 'first team', project: `limits-${++projects}` });
  const createUpload = (key: CreatedKey, address = '127.0.0.1') =>
    server.app.inject({
      method: 'POST',
      url: '/v1/uploads',
      remoteAddress: address,
      headers: { authorization: basic(key) },
      payload: WAV_UPLOAD,
    });

  it.skipIf(target.skipReason)("failed authentications block the guessing address, in both dialects, and no one else's", async () => {
    const attacker = '127.0.0.2';
    for (let i = 0; i < 3; i++) expect((await from(server, attacker, '/v1/assets', basic(WRONG))).statusCode).toBe(401);
    // Past the allowance the address is refused before its credentials are looked at: a right
    // key is refused too, so a lucky guess cannot be told from a wrong one.
    expectLimited(await from(server, attacker, '/v1/assets', basic(WRONG)), 'authFailures');
    expectLimited(await from(server, attacker, '/v1/assets', basic(server.key)), 'authFailures');
    expectLimitedEnvelope(await from(server, attacker, '/token360/v1/assets', bearer(server.key)));
    // Another address, same valid key: unaffected.
    expect((await from(server, '127.0.0.3', '/v1/assets', basic(server.key))).statusCode).toBe(200);
    // No credentials at all is no guess: a 401 that says how to authenticate, uncounted.
    expect((await from(server, attacker, '/v1/assets')).statusCode).toBe(401);
    expect((await from(server, attacker, '/healthz')).statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('only failures count: a valid key from one address is never blocked by its own successes', async () => {
    const key = await freshKey();
    const address = '127.0.0.4';
    expect((await from(server, address, '/v1/assets', basic(WRONG))).statusCode).toBe(401);
    expect((await from(server, address, '/v1/assets', basic(WRONG))).statusCode).toBe(401);
    // Two failures and four successes from the same address: six attempts, still allowed.
    for (let i = 0; i < 4; i++) expect((await from(server, address, '/v1/projects', basic(key))).statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('requests per key: the sixth in a minute is a 429; other keys, health and file links go on', async () => {
    const key = await freshKey();
    const asset = await uploadImage(server, await uniquePng(1), {}, { key });
    for (let i = 0; i < 4; i++) expect((await from(server, '127.0.0.5', '/v1/assets', basic(key))).statusCode).toBe(200);
    expectLimited(await from(server, '127.0.0.5', '/v1/assets', basic(key)), 'requests');
    expect(json(await from(server, '127.0.0.5', '/v1/assets', basic(key))).message).toContain('5 requests a minute');
    expectLimitedEnvelope(await from(server, '127.0.0.5', '/token360/v1/assets', bearer(key)));
    expect((await from(server, '127.0.0.5', '/v1/assets', basic(server.otherKey))).statusCode).toBe(200);
    expect((await from(server, '127.0.0.5', '/healthz')).statusCode).toBe(200);
    expect((await from(server, '127.0.0.5', '/readyz')).statusCode).toBe(200);
    // A signed link is its own capability: a page showing many thumbnails must not be limited by it.
    const link = new URL(asset.url);
    const file = await from(server, '127.0.0.5', link.pathname + link.search);
    expect(file.statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('upload creations per project: the third in a minute is a 429 in both dialects', async () => {
    const key = await freshKey();
    expect((await createUpload(key)).statusCode).toBe(200);
    expect((await createUpload(key)).statusCode).toBe(200);
    const refused = await createUpload(key);
    expectLimited(refused, 'uploads');
    expect(json(refused).message).toContain('2 upload creations a minute');
    const form = formData({ groupId: 'library' }, { name: 'a.png', data: await uniquePng(2), type: 'image/png' });
    const token360 = await server.app.inject({
      method: 'POST',
      url: '/token360/v1/assets',
      headers: { authorization: bearer(key), 'content-type': form.contentType },
      payload: form.payload,
    });
    expectLimitedEnvelope(token360);
    // Another project of the same team has its own count.
    expect((await createUpload(await freshKey())).statusCode).toBe(200);
  });
});

describe.each(DATABASES)('rate limits shared through Redis on $name', (target) => {
  const prefix = `assetd-test-${process.pid}-${Date.now()}:`;
  const env = { ...LIMITS, ASSETD_REDIS_URL: REDIS_URL, ASSETD_REDIS_KEY_PREFIX: prefix };
  let first: TestServer;
  let second: TestServer;
  let redis: Redis;
  beforeAll(async () => {
    if (target.skipReason) return;
    redis = new Redis(REDIS_URL);
    // Two servers, as two processes of one deployment would be: nothing shared but Redis.
    first = await startTestServer(target, env);
    second = await startTestServer(target, env);
  });
  afterAll(async () => {
    await first?.dispose();
    await second?.dispose();
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it.skipIf(target.skipReason)('failed authentications on one server count on the other', async () => {
    const attacker = '127.0.0.6';
    expect((await from(first, attacker, '/v1/assets', basic(WRONG))).statusCode).toBe(401);
    expect((await from(second, attacker, '/v1/assets', basic(WRONG))).statusCode).toBe(401);
    expect((await from(first, attacker, '/v1/assets', basic(WRONG))).statusCode).toBe(401);
    expectLimited(await from(second, attacker, '/v1/assets', basic(second.key)), 'authFailures');
    expect((await redis.keys(`${prefix}rate-limit:auth-failures:*`)).length).toBe(1);
  });

  it.skipIf(target.skipReason)('one key, used on both servers, has one allowance', async () => {
    const shared = { id: `key_shared${process.pid}`, secret: 'shared-secret-of-the-test-key' };
    await Promise.all([first, second].map((s) => s.container.keys.create({ ...shared, project: 'shared' })));
    for (let i = 0; i < 5; i++) {
      expect((await from(i % 2 ? first : second, '127.0.0.7', '/v1/projects', basic(shared))).statusCode).toBe(200);
    }
    expectLimited(await from(first, '127.0.0.7', '/v1/projects', basic(shared)), 'requests');
    expectLimited(await from(second, '127.0.0.7', '/v1/projects', basic(shared)), 'requests');
  });
});

describe.each(DATABASES)('rate limits while Redis is unreachable on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (target.skipReason) return;
    // A loopback port nothing listens on: taken, then freed.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    server = await startTestServer(target, { ...LIMITS, ASSETD_REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => server?.dispose());

  it.skipIf(target.skipReason)('each process counts on its own: the API works and the limits still hold', async () => {
    expect((await from(server, '127.0.0.8', '/v1/projects', basic(server.key))).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await from(server, '127.0.0.9', '/v1/assets', basic(WRONG))).statusCode).toBe(401);
    expectLimited(await from(server, '127.0.0.9', '/v1/assets', basic(WRONG)), 'authFailures');
  });
});
