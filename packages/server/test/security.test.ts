import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAuth } from '../src/http/plugins/auth.ts';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, injectAny, json, startTestServer, type TestServer } from './helpers/http.ts';
import { fixture, uniquePng } from './helpers/images.ts';
import { CLI, freePort, waitFor } from './helpers/processes.ts';
import { uploadMultipart } from './helpers/uploads.ts';

announceSkips();

const openapi = async () => JSON.parse(await readFile(path.join(import.meta.dirname, '..', 'openapi.json'), 'utf8'));

describe('authentication fails closed', () => {
  it('refuses a route that declares no auth, and lets through only what says auth: none', async () => {
    const app = Fastify({ logger: false });
    registerAuth(app, { authenticateBasic: async () => undefined, authenticateBearer: async () => undefined } as never);
    app.get('/forgotten', async () => ({ secret: true }));
    app.get('/public', { config: { auth: 'none' } }, async () => ({ ok: true }));
    app.setErrorHandler((error, _request, reply) =>
      reply.status((error as { status?: number }).status ?? 500).send({ code: (error as { code?: string }).code }),
    );
    expect((await app.inject({ method: 'GET', url: '/forgotten' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/public' })).statusCode).toBe(200);
    // An unknown route is still a 404, not a hint that something is there.
    expect((await app.inject({ method: 'GET', url: '/nothing' })).statusCode).toBe(404);
    await app.close();
  });
});

describe.each(DATABASES)('headers, links and revocation on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, { ASSETD_ALLOWED_HOSTS: 'assets.example:8443' }, { jobs: true });
  });
  afterAll(async () => server?.dispose());

  it.skipIf(target.skipReason)('every route answers with nosniff, and API answers are never stored by caches', async () => {
    const document = await openapi();
    const asset = await uploadImage(server, await uniquePng(80));
    const link = new URL(asset.url);
    let checked = 0;
    for (const [route, methods] of Object.entries<Record<string, unknown>>(document.paths)) {
      for (const method of Object.keys(methods)) {
        const url = route === '/files/{fileId}' ? link.pathname + link.search : route.replace(/\{\w+\}/g, 'x');
        for (const authorization of [basic(server.key), undefined]) {
          const response = await injectAny(server.app, {
            method: method.toUpperCase() as 'GET',
            url,
            headers: authorization ? { authorization } : {},
          });
          expect(response.headers['x-content-type-options'], `${method} ${url}`).toBe('nosniff');
          if (route.startsWith('/files/') && response.statusCode < 300) {
            expect(response.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
          } else {
            expect(response.headers['cache-control'], `${method} ${url} ${response.statusCode}`).toBe('no-store');
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
    const notFound = await server.app.inject({ method: 'GET', url: '/no/such/route' });
    expect(notFound.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  });

  it.skipIf(target.skipReason)('never builds links on a Host the server does not answer to', async () => {
    await uploadImage(server, await uniquePng(81));
    const list = async (host: string) =>
      json(await server.app.inject({ method: 'GET', url: '/v1/assets', headers: { authorization: basic(server.key), host } })).assets[0]
        .url;
    expect(new URL(await list('attacker.example')).host).not.toBe('attacker.example');
    expect(new URL(await list('attacker.example')).hostname).toBe('127.0.0.1');
    expect(new URL(await list('assets.example:8443')).host).toBe('assets.example:8443');
    expect(new URL(await list('localhost:9999')).host).toBe('localhost:9999');
    const upload = json(
      await server.app.inject({
        method: 'POST',
        url: '/v1/uploads',
        headers: { authorization: basic(server.key), host: 'attacker.example' },
        payload: { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 },
      }),
    ).upload;
    expect(new URL(upload.parts[0].url).hostname).toBe('127.0.0.1');
  });

  it.skipIf(target.skipReason)('serves what a browser could run as an attachment, media inline', async () => {
    const { asset } = await uploadMultipart(server, await fixture('model.glb'), { kind: '3d', contentType: 'model/gltf-binary' });
    const model = new URL(asset?.url as string);
    const served = await server.app.inject({ method: 'GET', url: model.pathname + model.search });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-disposition']).toBe('attachment');
    const image = new URL((await uploadImage(server, await uniquePng(82))).url);
    expect((await server.app.inject({ method: 'GET', url: image.pathname + image.search })).headers['content-disposition']).toBe('inline');
  });

  it.skipIf(target.skipReason)("revoking a key ends the links it was given; a link can't be moved to another key", async () => {
    const key = await server.container.keys.create({ team: 'first team', project: 'main' });
    const asset = await uploadImage(server, await uniquePng(83), {}, { key });
    const link = new URL(asset.url);
    expect(link.searchParams.get('key')).toBe(key.id);
    const get = (url: URL) => server.app.inject({ method: 'GET', url: url.pathname + url.search });
    expect((await get(link)).statusCode).toBe(200);
    const moved = new URL(link);
    moved.searchParams.set('key', server.key.id);
    expect((await get(moved)).statusCode).toBe(403);
    const stripped = new URL(link);
    stripped.searchParams.delete('key');
    expect((await get(stripped)).statusCode).toBe(403);
    expect(await server.container.keys.revoke(key.id)).toBe(true);
    const revoked = await get(link);
    expect(revoked.statusCode).toBe(403);
    expect(json(revoked).message).toMatch(/revoked/);
  });
});

describe('data at rest', () => {
  it("is the service user's alone: the data folder 0700, the database and stored files 0600", { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-modes-'));
    const port = await freePort();
    const key = { id: 'key_modes', secret: 'sk_modes_secret_long_enough_0123456789' };
    const server = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        ...process.env,
        PORT: String(port),
        ASSETD_DATA_DIR: dataDir,
        ASSETD_API_KEY: key.id,
        ASSETD_API_SECRET: key.secret,
        ASSETD_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        'assetd to be ready',
        () =>
          fetch(`${base}/readyz`).then(
            (r) => (r.ok ? true : undefined),
            () => undefined,
          ),
        30_000,
      );
      const png = await uniquePng(84);
      const created = await fetch(`${base}/v1/assets`, {
        method: 'POST',
        headers: { authorization: basic(key), 'content-type': 'application/json' },
        body: JSON.stringify({ image: png.toString('base64'), name: 'm.png' }),
      });
      expect(created.status).toBe(200);
      const mode = async (file: string) => (await stat(file)).mode & 0o777;
      expect(await mode(dataDir)).toBe(0o700);
      const entries = await readdir(dataDir, { recursive: true });
      const files = entries.map((entry) => path.join(dataDir, entry));
      expect(files.some((file) => file.endsWith('.db') || file.endsWith('.sqlite'))).toBe(true);
      for (const file of files) {
        const info = await stat(file);
        expect(info.mode & 0o077, `${file} is ${(info.mode & 0o777).toString(8)}`).toBe(0);
      }
    } finally {
      server.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.each(DATABASES)('resources on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target, { ASSETD_MAX_PENDING_UPLOADS: '2' });
  });
  afterAll(async () => server?.dispose());

  const create = (payload: Record<string, unknown>) =>
    server.app.inject({ method: 'POST', url: '/v1/uploads', headers: { authorization: basic(server.key) }, payload });

  it.skipIf(target.skipReason)('a declared size reserves no disk, and a project may leave only so many uploads unfinished', async () => {
    const huge = await create({ fileName: 'big.mp4', contentType: 'video/mp4', kind: 'video', parts: 10_000, fileSize: 4 * 1024 ** 4 });
    expect(huge.statusCode, huge.body).toBe(200);
    const row = await server.container.uploads.findForJob(json(huge).upload.id);
    const root = (server.config.storage as { root: string }).root;
    const data = await stat(path.join(root, 'multipart', row?.multipartId as string, 'data'));
    expect(data.size).toBe(0);

    expect((await create({ fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 })).statusCode).toBe(200);
    const refused = await create({ fileName: 'b.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 });
    expect(refused.statusCode).toBe(429);
    expect(json(refused)).toMatchObject({ code: 'TOO_MANY_PENDING_UPLOADS', details: { limit: 2 } });
    // Another project has its own room; aborting one makes room again.
    expect(
      (
        await server.app.inject({
          method: 'POST',
          url: '/v1/uploads',
          headers: { authorization: basic(server.otherKey) },
          payload: { fileName: 'c.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 },
        })
      ).statusCode,
    ).toBe(200);
    await server.app.inject({
      method: 'DELETE',
      url: `/v1/uploads/${json(huge).upload.id}`,
      headers: { authorization: basic(server.key) },
    });
    expect((await create({ fileName: 'd.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 })).statusCode).toBe(200);
  });

  it.skipIf(target.skipReason)('checks model-hub references when the upload is created, not in its job', async () => {
    const key = await server.container.keys.create({ team: 'first team', project: `hubs-${Date.now()}` });
    const jobsBefore = await server.container.jobs.counts();
    for (const payload of [
      { huggingFaceModelName: 'not/a/valid/name' },
      { huggingFaceModelName: '../etc' },
      { civitaiModelUrl: 'https://civitai.com/users/someone' },
      { civitaiModelUrl: 'ftp://civitai.com/models/1' },
    ]) {
      const response = await server.app.inject({ method: 'POST', url: '/v1/uploads', headers: { authorization: basic(key) }, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(json(response).code).toBe('IMPORT_INVALID_URL');
    }
    expect(await server.container.jobs.counts()).toEqual(jobsBefore);
  });
});
