import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/http.ts';

const sqlite = DATABASES.filter((target) => target.name === 'sqlite');
const INDEX = '<!doctype html><title>assetd</title><script type="module" src="/_app/index-abc123.js"></script><div id="root"></div>';

describe.each(sqlite)('the web library served at / on $name', (target) => {
  let dir: string;
  let withApp: TestServer;
  let without: TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-web-'));
    await mkdir(path.join(dir, '_app'));
    await writeFile(path.join(dir, 'index.html'), INDEX);
    await writeFile(path.join(dir, '_app', 'index-abc123.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    withApp = await startTestServer(target, { ASSETD_WEB_DIR: dir });
    without = await startTestServer(target, { ASSETD_WEB_DIR: 'off' });
  });
  afterAll(async () => {
    await withApp?.dispose();
    await without?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  it('serves the app at / and at its client-side routes, with a strict CSP', async () => {
    for (const url of ['/', '/assets/asset_123', '/some/client/route?kind=image']) {
      const response = await withApp.app.inject({ method: 'GET', url, headers: html });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toBe(INDEX);
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
    const script = await withApp.app.inject({ method: 'GET', url: '/_app/index-abc123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await withApp.app.inject({ method: 'GET', url: '/favicon.svg' })).statusCode).toBe(200);
    // A missing file is not the app: only a browser's navigation falls back to it.
    const missing = await withApp.app.inject({ method: 'GET', url: '/_app/gone.js', headers: { accept: '*/*' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await withApp.app.inject({ method: 'POST', url: '/some/client/route', headers: html })).statusCode).toBe(404);
  });

  it('leaves every server route answering exactly as it did without the app', async () => {
    const document = withApp.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const requests: Array<{ method: string; url: string }> = [];
    for (const [route, methods] of Object.entries(document.paths)) {
      const url = route.replace(/\{[^}]+\}/g, 'x');
      for (const method of Object.keys(methods)) requests.push({ method: method.toUpperCase(), url });
    }
    expect(requests.length).toBeGreaterThan(30);
    expect(requests.map((request) => request.url)).toEqual(expect.arrayContaining(['/v1/projects', '/token360/v1/assets']));
    // Hidden routes, and missing routes under every server prefix: their 404s stay the API's.
    for (const url of [
      '/docs',
      '/docs/',
      '/docs/static/index.html',
      '/openapi.json',
      '/files/file_x?expires=1&signature=x',
      '/v1',
      '/v1/nope',
      '/v1/assets/x/nope',
      '/files',
      '/files/a/b',
      '/docs/nope',
      '/healthz/nope',
      '/readyz',
      '/uploads/x',
      '/uploads/x/parts/1',
      '/token360',
      '/token360/v1/nope',
      '/metrics',
      '/metrics/nope',
    ]) {
      requests.push({ method: 'GET', url });
    }
    requests.push({ method: 'PUT', url: '/uploads/upload_x/parts/1?expires=1&signature=x' });
    for (const request of requests) {
      const answer = async (server: TestServer) => {
        const response = await server.app.inject({
          ...request,
          method: request.method as 'GET',
          headers: { ...html, 'x-request-id': 'same' },
        });
        const type = String(response.headers['content-type'] ?? '');
        const body = type.includes('json') && response.body ? (response.json() as { code?: unknown; serviceCode?: unknown }) : {};
        // The error code of either dialect, when the answer is an error.
        return { status: response.statusCode, type, code: body.code, serviceCode: body.serviceCode };
      };
      expect(await answer(withApp), `${request.method} ${request.url}`).toEqual(await answer(without));
    }
  });

  it('keeps answering without a build, with a JSON 404 at /', async () => {
    const empty = await startTestServer(target, { ASSETD_WEB_DIR: path.join(dir, 'not-built') });
    try {
      const response = await empty.app.inject({ method: 'GET', url: '/', headers: html });
      expect(response.statusCode).toBe(404);
    } finally {
      await empty.dispose();
    }
  });
});
