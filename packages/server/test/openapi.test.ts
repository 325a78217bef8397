import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_FILE, renderOpenApiDocument } from '../src/http/openapi-document.ts';
import { DATABASES } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/http.ts';

describe('the checked-in OpenAPI document', () => {
  it('matches the routes (after a route or schema change, run npm run openapi)', async () => {
    const current = await renderOpenApiDocument();
    const checkedIn = await readFile(OPENAPI_FILE, 'utf8').catch(() => '');
    // Compared as parsed JSON for a readable diff, then as text so the file stays byte-stable.
    expect(JSON.parse(checkedIn || '{}')).toEqual(JSON.parse(current));
    expect(checkedIn).toBe(current);
  });
});

describe('the API reference at /docs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(DATABASES[0] as (typeof DATABASES)[number]);
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('serves Swagger UI from its own assets, without credentials and without any other origin', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    const script = await server.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(script.statusCode).toBe(200);
    const spec = await server.app.inject({ method: 'GET', url: '/docs/json' });
    expect(JSON.parse(spec.body).paths['/v1/uploads/{uploadId}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['waitSeconds', 'status']),
    );
  });
});
