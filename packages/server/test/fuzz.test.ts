import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formData, uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, bearer, injectAny, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';
import { createUpload } from './helpers/uploads.ts';

announceSkips();

/** Requests per database: enough to reach every route many times, bounded so CI stays quick. */
const RUNS = 600;

interface Schema {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly properties?: Record<string, Schema>;
  readonly items?: Schema;
  readonly anyOf?: readonly Schema[];
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly params: readonly { name: string; in: 'path' | 'query'; schema: Schema }[];
  readonly body?: Schema;
}

/** Strings that broke servers before: NUL (PostgreSQL refuses it), escapes, traversal, huge, odd Unicode. */
const HOSTILE = [
  '\u0000',
  'a\u0000b',
  '%00',
  '../../etc/passwd',
  '..\\..\\windows',
  '\u001b[31mred',
  '\r\nX-Injected: 1',
  '\u202eevil',
  '\ud83d\ude00',
  '\ud800',
  '',
  ' ',
  'null',
  '-1',
  '0',
  '1e309',
  'NaN',
  "' or 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style string, sent as it is
  '${jndi:ldap://127.0.0.1/x}',
  'x'.repeat(5000),
  'asset_000000000000000000000000',
  'library',
];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

/** A value for `schema`: usually of the right type (to get past validation), often hostile, sometimes of another type. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), hostileString, fc.array(hostileString, { maxLength: 3 }));
  if (!schema || depth > 3) return wrong;
  if (schema.enum) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: hostileString });
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((each) => valueFor(each, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const right = (() => {
    switch (type) {
      case 'string':
        return hostileString;
      case 'integer':
        return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constantFrom(0, 1, 2 ** 31, Number.MAX_SAFE_INTEGER));
      case 'number':
        return fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -5, max: 10_000_000 }));
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(valueFor(schema.items, depth + 1), { maxLength: 5 });
      case 'object':
        return fc.record(
          Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, each]) => [name, valueFor(each, depth + 1)])),
          { requiredKeys: [] },
        );
      default:
        return wrong;
    }
  })();
  return fc.oneof({ weight: 5, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

async function operations(): Promise<Operation[]> {
  const document = JSON.parse(await readFile(path.join(import.meta.dirname, '..', 'openapi.json'), 'utf8'));
  const found: Operation[] = [];
  type Documented = { parameters?: Operation['params']; requestBody?: { content?: Record<string, { schema?: Schema }> } };
  for (const [route, methods] of Object.entries<Record<string, Documented>>(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      found.push({
        method: method.toUpperCase(),
        path: route,
        params: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return found;
}

/** A path segment; a lone surrogate (which encodeURIComponent refuses) goes as the bytes a careless client would send. */
function encodePathValue(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** Multipart bodies, well and badly formed: the form routes of both dialects must answer them with a 4xx. */
const multipartBody = fc.oneof(
  fc.record({ name: hostileString, groupId: hostileString, hide: hostileString }).map((fields) => {
    const form = formData(fields, { name: 'x.png', data: Buffer.from('not an image') });
    return { payload: form.payload, contentType: form.contentType };
  }),
  fc.record({ fileName: hostileString, field: hostileString }).map(({ fileName, field }) => {
    const form = formData({}, { name: fileName, field, data: Buffer.from('\u0000bytes') });
    return { payload: form.payload, contentType: form.contentType };
  }),
  fc
    .constantFrom(
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary=""',
      'multipart/form-data; boundary=abc',
      `multipart/form-data; boundary=${'x'.repeat(300)}`,
    )
    .chain((contentType) =>
      fc
        .oneof(
          fc.constant(Buffer.from('--abc\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\npartial')),
          fc.constant(Buffer.from('garbage')),
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
          fc.constant(Buffer.alloc(0)),
        )
        .map((payload) => ({ payload, contentType })),
    ),
);

describe.each(DATABASES)('fuzzed requests on $name', { timeout: 300_000 }, (target) => {
  let server: TestServer;
  let known: Record<string, string>;
  let ops: Operation[];
  beforeAll(async () => {
    if (target.skipReason) return;
    server = await startTestServer(target, {}, { jobs: true });
    ops = await operations();
    const asset = await uploadImage(server, await uniquePng(70));
    const upload = await createUpload(server, { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 });
    const collection = json(
      await server.app.inject({
        method: 'POST',
        url: '/v1/collections',
        headers: { authorization: basic(server.key) },
        payload: { name: 'c' },
      }),
    ).collection;
    // Real ids, so requests reach past the lookups into the handlers.
    known = {
      assetId: asset.id,
      uploadId: upload.id,
      jobId: upload.jobId,
      collectionId: collection.id,
      assetGroupId: collection.id,
      fileId: new URL(asset.url).pathname.split('/').pop() ?? 'x',
      partNumber: '1',
    };
  });
  afterAll(async () => server?.dispose());

  it.skipIf(target.skipReason)('refuses a NUL character anywhere with one 400 that names where it is', async () => {
    const auth = { authorization: basic(server.key) };
    const cases: { method: 'GET' | 'POST' | 'PUT' | 'PATCH'; url: string; payload?: unknown; where: RegExp }[] = [
      { method: 'GET', url: '/v1/assets/asset_%00', where: /'assetId' in the path/ },
      { method: 'GET', url: '/v1/assets?tags=a%00b', where: /'tags' in the query string/ },
      { method: 'GET', url: '/v1/assets?paginationToken=%00', where: /'paginationToken' in the query string/ },
      { method: 'GET', url: '/v1/assets?projectId=p%00', where: /'projectId' in the query string/ },
      { method: 'GET', url: `/v1/jobs/${known.jobId}%00`, where: /'jobId' in the path/ },
      { method: 'POST', url: '/v1/collections', payload: { name: 'a\u0000b' }, where: /'name' in the body/ },
      { method: 'PUT', url: `/v1/assets/${known.assetId}`, payload: { tags: ['ok', 'n\u0000'] }, where: /'tags.1' in the body/ },
      { method: 'POST', url: '/v1/uploads', payload: { fileName: 'x\u0000.wav' }, where: /'fileName' in the body/ },
      { method: 'PATCH', url: `/token360/v1/asset-groups/${known.collectionId}`, payload: { name: '\u0000' }, where: /'name' in the body/ },
    ];
    for (const each of cases) {
      const response = await server.app.inject({
        method: each.method,
        url: each.url,
        headers: { ...auth, ...(each.payload ? { 'content-type': 'application/json' } : {}) },
        ...(each.payload ? { payload: JSON.stringify(each.payload) } : {}),
      });
      expect(response.statusCode, `${each.method} ${each.url} ${response.body}`).toBe(400);
      const body = json(response);
      const message = body.message ?? body.msg;
      expect(message, each.url).toMatch(each.where);
      expect(message).toMatch(/NUL character/);
    }
    // Form fields, file names and field names, in both dialects.
    for (const url of ['/v1/assets', '/token360/v1/assets']) {
      for (const form of [
        formData({ name: 'a\u0000b' }, { name: 'x.png', data: await uniquePng(71) }),
        formData({}, { name: 'x\u0000.png', data: await uniquePng(72) }),
      ]) {
        const response = await server.app.inject({
          method: 'POST',
          url,
          headers: { ...auth, 'content-type': form.contentType },
          payload: form.payload,
        });
        expect(response.statusCode, `${url} ${response.body}`).toBe(400);
        expect(response.body).toMatch(/NUL character/);
      }
    }
  });

  it.skipIf(target.skipReason)('answers malformed multipart/form-data with a 400 on every form route', async () => {
    const png = await uniquePng(73);
    const whole = formData({ name: 'a.png' }, { name: 'a.png', data: png });
    const boundary = whole.contentType.split('boundary=')[1] as string;
    const bodies: { contentType: string; payload: Buffer }[] = [
      { contentType: 'multipart/form-data', payload: whole.payload },
      { contentType: 'multipart/form-data; boundary=', payload: whole.payload },
      { contentType: 'multipart/form-data; boundary=""', payload: whole.payload },
      { contentType: whole.contentType, payload: whole.payload.subarray(0, whole.payload.length - 60) },
      { contentType: whole.contentType, payload: Buffer.from(`--${boundary}\r\ngarbage without headers`) },
      { contentType: whole.contentType, payload: Buffer.from('not a form at all') },
      { contentType: 'multipart/form-data; boundary=other', payload: whole.payload },
    ];
    for (const url of ['/v1/assets', '/token360/v1/assets']) {
      for (const [i, body] of bodies.entries()) {
        const before = await server.container.db.kysely
          .selectFrom('assets')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        const response = await server.app.inject({
          method: 'POST',
          url,
          headers: { authorization: basic(server.key), 'content-type': body.contentType },
          payload: body.payload,
        });
        expect(response.statusCode, `${url} #${i}: ${response.body}`).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, `${url} #${i}: ${response.body}`).toBeLessThan(500);
        const after = await server.container.db.kysely
          .selectFrom('assets')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(after.n)).toBe(Number(before.n));
      }
    }
    expect(await readdir(path.join(server.dataDir, 'tmp')).catch(() => [])).toEqual([]);
  });

  it.skipIf(target.skipReason)(`answers ${RUNS} generated requests without a 5xx, and keeps serving`, async () => {
    const failures: string[] = [];
    const request = fc.nat({ max: 1_000_000 }).chain((index) => {
      const op = ops[index % ops.length] as Operation;
      const pathParams = op.params.filter((param) => param.in === 'path');
      const queryParams = op.params.filter((param) => param.in === 'query');
      return fc.record({
        op: fc.constant(op),
        path: fc.record(
          Object.fromEntries(
            pathParams.map((param) => [
              param.name,
              fc.oneof({ weight: 3, arbitrary: fc.constant(known[param.name] ?? 'x') }, { weight: 2, arbitrary: hostileString }),
            ]),
          ),
        ),
        // projectId mostly left out: a wrong one ends every request at the project lookup.
        query: fc.record(
          Object.fromEntries(
            queryParams.map((param) => [
              param.name,
              param.name === 'projectId'
                ? fc.oneof({ weight: 1, arbitrary: hostileString }, { weight: 9, arbitrary: fc.constant(undefined) })
                : // Long polls held for their full time would spend the run waiting.
                  param.name === 'waitSeconds'
                  ? fc.oneof(fc.constantFrom(0, 0.05, -1), hostileString)
                  : valueFor(param.schema),
            ]),
          ),
          { requiredKeys: [] },
        ),
        body: op.body ? valueFor(op.body) : fc.constant(undefined),
        rawBody: fc.option(fc.oneof(fc.constant('{"unterminated": '), fc.constant('[]'), fc.constant('"\\u0000"'), hostileString), {
          freq: 8,
        }),
        form: fc.option(multipartBody, { freq: 3 }),
        auth: fc.oneof({ weight: 12, arbitrary: fc.constant('key') }, fc.constant('bearer'), fc.constant('none'), fc.constant('wrong')),
      });
    });
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        const { op } = generated;
        let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodePathValue(String(generated.path[name] ?? 'x')));
        const search = new URLSearchParams();
        for (const [name, value] of Object.entries(generated.query)) {
          if (value === undefined) continue;
          for (const each of Array.isArray(value) ? value : [value]) search.append(name, String(each));
        }
        if (search.size > 0) url += `?${search}`;
        const headers: Record<string, string> = {};
        if (generated.auth === 'key') headers.authorization = basic(server.key);
        if (generated.auth === 'bearer') headers.authorization = bearer(server.key);
        if (generated.auth === 'wrong') headers.authorization = 'Basic Zm9vOmJhcg==';
        let payload: string | Buffer | undefined;
        const isForm = op.method === 'POST' && (op.path === '/v1/assets' || op.path === '/token360/v1/assets');
        if (generated.form && (isForm || generated.rawBody === null)) {
          headers['content-type'] = generated.form.contentType;
          payload = generated.form.payload;
        } else if (generated.rawBody !== null && op.method !== 'GET' && op.method !== 'HEAD') {
          headers['content-type'] = 'application/json';
          payload = generated.rawBody;
        } else if (generated.body !== undefined) {
          headers['content-type'] = 'application/json';
          payload = JSON.stringify(generated.body);
        }
        const response = await injectAny(server.app, {
          method: op.method as 'GET',
          url,
          headers,
          ...(payload === undefined ? {} : { payload }),
        });
        if (response.statusCode >= 500)
          failures.push(`${op.method} ${url.slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 300)}`);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261129), endOnFailure: false },
    );
    expect(failures).toEqual([]);
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
