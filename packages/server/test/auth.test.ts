import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, bearer, json, startTestServer, type TestServer } from './helpers/http.ts';
import { makeImage } from './helpers/images.ts';

announceSkips();

describe.each(DATABASES)('authentication and tenancy on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target);
  });
  afterAll(async () => server?.dispose());

  const get = (url: string, authorization?: string) =>
    server.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });

  it.skipIf(target.skipReason)('accepts HTTP Basic key:secret and Bearer secret', async () => {
    expect((await get('/v1/assets', basic(server.key))).statusCode).toBe(200);
    expect((await get('/v1/assets', bearer(server.key))).statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('refuses missing, malformed and wrong credentials with 401', async () => {
    const wrong = [
      undefined,
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      basic({ id: server.key.id, secret: 'wrong-secret' }),
      basic({ id: server.otherKey.id, secret: server.key.secret }),
      'Bearer wrong',
      `Bearer ${server.key.id}`,
      `Token ${server.key.secret}`,
    ];
    for (const authorization of wrong) {
      const response = await get('/v1/assets', authorization);
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(json(response).code).toBe('UNAUTHORIZED');
      expect(response.headers['www-authenticate']).toContain('Basic');
    }
    // A page's script is told 401 without the challenge that would open the browser's login dialog.
    const fromPage = await server.app.inject({
      method: 'GET',
      url: '/v1/assets',
      headers: { 'sec-fetch-mode': 'cors', authorization: 'Bearer wrong' },
    });
    expect(fromPage.statusCode).toBe(401);
    expect(fromPage.headers['www-authenticate']).toBeUndefined();
    const navigated = await server.app.inject({ method: 'GET', url: '/v1/assets', headers: { 'sec-fetch-mode': 'navigate' } });
    expect(navigated.headers['www-authenticate']).toContain('Basic');
  });

  it.skipIf(target.skipReason)('refuses a revoked key', async () => {
    const key = await server.container.keys.create({ team: server.key.teamId });
    expect((await get('/v1/assets', basic(key))).statusCode).toBe(200);
    await server.container.keys.revoke(key.id);
    expect((await get('/v1/assets', basic(key))).statusCode).toBe(401);
    expect((await get('/v1/assets', bearer(key))).statusCode).toBe(401);
  });

  it.skipIf(target.skipReason)("answers another team's asset and project with 404", async () => {
    const asset = await uploadImage(server, await makeImage('png', 9, 9, { seed: 40 }));
    const other = basic(server.otherKey);
    expect((await get(`/v1/assets/${asset.id}`, other)).statusCode).toBe(404);
    expect((await get(`/v1/assets?projectId=${server.key.projectId}`, other)).statusCode).toBe(404);
    const theirList = json(await get('/v1/assets', other));
    expect(theirList.assets.map((a: { id: string }) => a.id)).not.toContain(asset.id);
    const update = await server.app.inject({
      method: 'PUT',
      url: `/v1/assets/${asset.id}`,
      headers: { authorization: other },
      payload: { name: 'stolen' },
    });
    expect(update.statusCode).toBe(404);
    const remove = await server.app.inject({ method: 'DELETE', url: `/v1/assets/${asset.id}`, headers: { authorization: other } });
    expect(remove.statusCode).toBe(404);
    expect((await get(`/v1/assets/${asset.id}`, basic(server.key))).statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('treats an empty projectId as the default project', async () => {
    const response = await get('/v1/assets?projectId=', basic(server.key));
    expect(response.statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('lets the public token list public assets only', async () => {
    const response = await get('/v1/assets', 'public-auth-token');
    expect(response.statusCode).toBe(200);
    for (const url of ['/v1/assets/asset_x', '/v1/collections']) {
      const refused = await get(url, 'public-auth-token');
      expect(refused.statusCode, url).toBe(401);
    }
  });

  it.skipIf(target.skipReason)('echoes a request id, or makes one', async () => {
    const given = await server.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await server.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^req_/);
  });

  it.skipIf(target.skipReason)('answers health and readiness', async () => {
    expect(json(await get('/healthz'))).toEqual({ status: 'ok' });
    expect(json(await get('/readyz'))).toEqual({ status: 'ok', database: 'ok', storage: 'ok', disk: 'ok' });
  });

  it.skipIf(target.skipReason)('serves the OpenAPI document generated from the routes', async () => {
    const doc = json(await get('/openapi.json'));
    expect(doc.openapi).toMatch(/^3\./);
    for (const route of ['/v1/assets', '/v1/assets/{assetId}', '/v1/collections', '/v1/collections/{collectionId}/assets']) {
      expect(doc.paths[route], route).toBeDefined();
    }
    expect(Object.keys(doc.paths['/v1/assets'])).toEqual(expect.arrayContaining(['get', 'post', 'delete']));
  });

  it.skipIf(target.skipReason)('lets browser pages of other origins call the API and read what they need', async () => {
    const preflight = await server.app.inject({
      method: 'OPTIONS',
      url: '/v1/uploads',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const refused = await server.app.inject({ method: 'GET', url: '/v1/assets', headers: { origin: 'https://app.example.com' } });
    expect(refused.statusCode).toBe(401);
    // Even an error is readable by the page, so the SDK can report its code.
    expect(refused.headers['access-control-allow-origin']).toBe('*');
    expect(String(refused.headers['access-control-expose-headers'])).toMatch(/etag.*x-request-id/);
  });

  it.skipIf(target.skipReason)('answers unknown routes with a JSON 404', async () => {
    const response = await get('/v2/nothing', basic(server.key));
    expect(response.statusCode).toBe(404);
    expect(json(response).message).toContain('/v2/nothing');
  });
});
