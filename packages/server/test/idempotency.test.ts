import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formData } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';

announceSkips();

describe.each(DATABASES)('Idempotency-Key on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (!target.skipReason) server = await startTestServer(target);
  });
  afterAll(async () => server?.dispose());

  const post = (url: string, payload: unknown, key: string | undefined, credentials = server.key) =>
    server.app.inject({
      method: 'POST',
      url,
      headers: { authorization: basic(credentials), ...(key ? { 'idempotency-key': key } : {}) },
      payload: payload as Record<string, unknown>,
    });
  const count = async (table: 'assets' | 'uploads') =>
    Number(
      (
        await server.container.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.skipIf(target.skipReason)('the same key and body create one asset, and the retry gets the first answer', async () => {
    const body = { image: (await uniquePng(90)).toString('base64'), name: 'once.png' };
    const before = await count('assets');
    const first = await post('/v1/assets', body, 'key-asset-1');
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('/v1/assets', body, 'key-asset-1');
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(json(again).asset.id).toBe(json(first).asset.id);
    expect(await count('assets')).toBe(before + 1);
  });

  it.skipIf(target.skipReason)('the same key with another body is a 409, and nothing is created', async () => {
    const payload = { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 };
    expect((await post('/v1/uploads', payload, 'key-upload-1')).statusCode).toBe(200);
    const before = await count('uploads');
    const other = await post('/v1/uploads', { ...payload, fileSize: 11 }, 'key-upload-1');
    expect(other.statusCode).toBe(409);
    expect(json(other).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count('uploads')).toBe(before);
  });

  it.skipIf(target.skipReason)('concurrent duplicates: one wins and creates, the others replay it or are told to retry', async () => {
    const payload = { fileName: 'c.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 };
    const before = await count('uploads');
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('/v1/uploads', payload, 'key-race')));
    const ok = answers.filter((answer) => answer.statusCode === 200);
    const busy = answers.filter((answer) => answer.statusCode === 409);
    expect(ok.length + busy.length).toBe(8);
    expect(new Set(ok.map((answer) => json(answer).upload.id)).size).toBe(1);
    for (const answer of busy) expect(json(answer).code).toBe('IDEMPOTENCY_IN_PROGRESS');
    expect(await count('uploads')).toBe(before + 1);
    // Once it has finished, every retry gets its answer.
    const later = await post('/v1/uploads', payload, 'key-race');
    expect(json(later).upload.id).toBe(json(ok[0] as (typeof answers)[number]).upload.id);
  });

  it.skipIf(target.skipReason)('keys are per project, a refused request keeps no answer, and bad keys are refused', async () => {
    const payload = { fileName: 'p.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 };
    const mine = json(await post('/v1/uploads', payload, 'shared-key')).upload.id;
    const theirs = json(await post('/v1/uploads', payload, 'shared-key', server.otherKey)).upload.id;
    expect(theirs).not.toBe(mine);
    // A request refused before it ran (its body failed validation) does not use up its key.
    const refused = await post('/v1/uploads', { ...payload, kind: 'nonsense-kind' }, 'key-refused');
    expect(refused.statusCode).toBe(400);
    const fixed = await post('/v1/uploads', payload, 'key-refused');
    expect(fixed.statusCode).toBe(200);
    expect((await post('/v1/uploads', payload, 'bad key with spaces')).statusCode).toBe(400);
    expect((await post('/v1/uploads', payload, 'x'.repeat(256))).statusCode).toBe(400);
    const form = formData({ name: 'f.png' }, { name: 'f.png', data: await uniquePng(91) });
    const multipart = await server.app.inject({
      method: 'POST',
      url: '/v1/assets',
      headers: { authorization: basic(server.key), 'idempotency-key': 'form-key', 'content-type': form.contentType },
      payload: form.payload,
    });
    expect(multipart.statusCode).toBe(400);
    expect(json(multipart).message).toMatch(/Idempotency-Key/);
  });
});
