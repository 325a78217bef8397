import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../src/events/event-types.ts';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, createTestEnvironment, DATABASES, type TestEnvironment } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { uniquePng } from './helpers/images.ts';
import { waitFor } from './helpers/processes.ts';
import { createUpload, jobsSettled, uploadMultipart } from './helpers/uploads.ts';
import { type Answer, type Received, startReceiver, verifiedBySpec, type WebhookReceiver } from './helpers/webhook-receiver.ts';
import { startWorkerProcess } from './helpers/worker-process.ts';

announceSkips();

/** The types a change records (endpoint.disabled is the system's own). */
const CHANGE_TYPES = EVENT_TYPES.filter((type) => type !== 'endpoint.disabled');

/** Retries at once (50 ms), so a test sees a whole schedule quickly. */
const QUICK = { ASSETD_WEBHOOK_RETRY_SCHEDULE: '0.05,0.05,0.05,0.05,0.05' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(answer?: (index: number, request: Received) => Answer): Promise<WebhookReceiver> {
  const started = await startReceiver(answer);
  cleanups.push(() => started.close());
  return started;
}

async function server(target: (typeof DATABASES)[number], env: Record<string, string>, jobs = true): Promise<TestServer> {
  const started = await startTestServer(target, env, { jobs });
  cleanups.push(() => started.dispose());
  return started;
}

function call(s: TestServer, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return s.app.inject({
    method,
    url,
    headers: { authorization: basic(s.key) },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function createWebhook(s: TestServer, url: string, eventTypes: string[] = CHANGE_TYPES) {
  const response = await call(s, 'POST', '/v1/webhooks', { url, eventTypes });
  expect(response.statusCode, response.body).toBe(200);
  return json(response).webhook as { id: string; secret: string };
}

const deliveries = async (s: TestServer, webhookId: string) =>
  json(await call(s, 'GET', `/v1/webhooks/${webhookId}/deliveries`)).deliveries;

describe.each(DATABASES)('webhooks on $name', (target) => {
  const test = it.skipIf(target.skipReason);

  test('bad endpoints are refused with 400 and a loopback listener not allowed sees nothing', async () => {
    const guard: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    let connections = 0;
    await new Promise<void>((resolve) => guard.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => guard.close(() => resolve())));
    const guardPort = (guard.address() as { port: number }).port;
    const s = await server(target, {});
    const refused = [
      ['ftp://example.com/hooks', /http or https/],
      ['not a url', /not a valid URL/],
      [`http://127.0.0.1:${guardPort}/hooks`, /loopback address/],
      [`http://localhost:${guardPort}/hooks`, /loopback address/],
      ['http://10.1.2.3/hooks', /private address/],
      ['http://169.254.169.254/latest', /link-local address/],
      ['http://[::1]:8080/', /loopback address/],
      ['https://user:pass@example.com/', /user name or password/],
    ] as const;
    for (const [url, message] of refused) {
      const response = await call(s, 'POST', '/v1/webhooks', { url, eventTypes: ['asset.created'] });
      expect(response.statusCode, url).toBe(400);
      expect(json(response).message).toMatch(message);
    }
    const unknownType = await call(s, 'POST', '/v1/webhooks', { url: 'https://example.com/hooks', eventTypes: ['asset.exploded'] });
    expect(unknownType.statusCode).toBe(400);
    expect(json(unknownType).message).toMatch(/asset\.created/);
    // Allowed by neither update: the PATCH refuses the same targets.
    const ok = await createWebhook(s, 'https://example.com/hooks', ['asset.created']);
    expect((await call(s, 'PATCH', `/v1/webhooks/${ok.id}`, { url: `http://127.0.0.1:${guardPort}/` })).statusCode).toBe(400);
    expect((await call(s, 'GET', '/v1/webhooks')).json().webhooks).toHaveLength(1);
    expect(connections).toBe(0);
  });

  test('creates, shows (never the secret again), updates, rotates and deletes endpoints, per project', async () => {
    const s = await server(target, {}, false);
    const created = await createWebhook(s, 'https://example.com/hooks', ['asset.created', 'asset.deleted']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const shown = json(await call(s, 'GET', `/v1/webhooks/${created.id}`)).webhook;
    expect(shown).toMatchObject({
      id: created.id,
      url: 'https://example.com/hooks',
      enabled: true,
      eventTypes: ['asset.created', 'asset.deleted'],
    });
    expect(shown.secret).toBeUndefined();
    const updated = json(await call(s, 'PATCH', `/v1/webhooks/${created.id}`, { enabled: false, eventTypes: ['asset.updated'] })).webhook;
    expect(updated).toMatchObject({ enabled: false, eventTypes: ['asset.updated'] });
    const rotated = json(await call(s, 'POST', `/v1/webhooks/${created.id}/rotate-secret`)).webhook;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const other = await s.app.inject({ method: 'GET', url: `/v1/webhooks/${created.id}`, headers: { authorization: basic(s.otherKey) } });
    expect(other.statusCode).toBe(404);
    expect((await call(s, 'DELETE', `/v1/webhooks/${created.id}`)).statusCode).toBe(200);
    expect((await call(s, 'GET', `/v1/webhooks/${created.id}`)).statusCode).toBe(404);
  });

  test('a receiver gets every event type once per change, signed, and again only on the retry of the attempt it failed', {
    timeout: 60_000,
  }, async () => {
    const hooks = await receiver((index) => (index === 0 ? 500 : 200));
    const s = await server(target, { ASSETD_WEBHOOK_ALLOWED_HOSTS: hooks.host, ...QUICK });
    const webhook = await createWebhook(s, hooks.url);

    const first = await uploadImage(s, await uniquePng(1)); // asset.created (answered 500, then retried)
    await call(s, 'PUT', `/v1/assets/${first.id}`, { name: 'renamed' }); // asset.updated
    const collection = json(await call(s, 'POST', '/v1/collections', { name: 'c' })).collection;
    await call(s, 'PUT', `/v1/collections/${collection.id}/assets`, { assetIds: [first.id] }); // collection.updated
    const imported = await uploadMultipart(s, await uniquePng(2), { kind: 'image', contentType: 'image/png' }); // upload.imported, asset.created
    expect(imported.upload.status).toBe('imported');
    const failed = await uploadMultipart(s, Buffer.from('not a picture at all'), { kind: 'image', contentType: 'image/png' }); // upload.failed
    expect(failed.upload.status).toBe('failed');
    const pending = await createUpload(s, { fileName: 'a.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: 10 });
    await call(s, 'POST', `/v1/uploads/${pending.id}/action`, { action: 'abort' }); // upload.canceled
    await call(s, 'DELETE', '/v1/assets', { assetIds: [first.id] }); // asset.deleted

    await hooks.arrived(9);
    await jobsSettled(s, 20_000);
    const got = hooks.received;
    expect(got).toHaveLength(9);
    for (const request of got) {
      expect(verifiedBySpec(request, webhook.secret)).toBe(true);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.json.projectId).toBe(s.key.projectId);
      expect(request.headers['webhook-id']).toBe(`evt_${request.json.id}`);
    }
    const [failedAttempt, ...rest] = got as [Received, ...Received[]];
    // The one failed attempt came back once, as the same message; no other message came twice.
    expect(rest.filter((r) => r.headers['webhook-id'] === failedAttempt.headers['webhook-id'])).toHaveLength(1);
    const ids = rest.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(8);
    const types = rest.map((r) => r.json.type).sort();
    expect(types).toEqual([...CHANGE_TYPES, 'asset.created'].sort());
    const byType = (type: string) => rest.filter((r) => r.json.type === type).map((r) => r.json.data);
    expect(
      byType('asset.created')
        .map((d) => d.asset?.id)
        .sort(),
    ).toEqual([first.id, imported.asset?.id].sort());
    expect(byType('asset.updated')[0]?.asset).toMatchObject({ id: first.id, metadata: { name: 'renamed' } });
    expect(byType('asset.deleted')[0]?.asset?.id).toBe(first.id);
    expect(byType('collection.updated')[0]?.collection).toMatchObject({ id: collection.id, assetCount: 1 });
    expect(byType('upload.imported')[0]?.upload).toMatchObject({ id: imported.upload.id, status: 'imported' });
    expect(byType('upload.failed')[0]?.upload).toMatchObject({ id: failed.upload.id, status: 'failed' });
    expect(byType('upload.canceled')[0]?.upload?.id).toBe(pending.id);

    const listed = await deliveries(s, webhook.id);
    expect(listed).toHaveLength(8);
    expect(listed.every((d: { status: string; statusCode: number }) => d.status === 'succeeded' && d.statusCode === 200)).toBe(true);
    const retried = listed.find((d: { eventId: string }) => `evt_${d.eventId}` === failedAttempt.headers['webhook-id']);
    expect(retried).toMatchObject({ attempts: 2, status: 'succeeded' });

    // A resend is one more request, the same message.
    const resent = await call(s, 'POST', `/v1/webhooks/${webhook.id}/deliveries/${retried.id}/resend`);
    expect(resent.statusCode, resent.body).toBe(200);
    const [, , , , , , , , , again] = (await hooks.arrived(10)) as Received[];
    expect(again?.headers['webhook-id']).toBe(failedAttempt.headers['webhook-id']);
    expect(verifiedBySpec(again as Received, webhook.secret)).toBe(true);
  });

  test('a receiver that hangs does not hold up another endpoint', { timeout: 60_000 }, async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const s = await server(target, {
      ASSETD_WEBHOOK_ALLOWED_HOSTS: `${hanging.host},${healthy.host}`,
      ASSETD_WEBHOOK_TIMEOUT_SECONDS: '120',
      ...QUICK,
    });
    await createWebhook(s, hanging.url, ['asset.created']);
    await uploadImage(s, await uniquePng(3));
    await hanging.arrived(1);
    const fine = await createWebhook(s, healthy.url, ['asset.created']);
    const second = await uploadImage(s, await uniquePng(4));
    const [got] = await healthy.arrived(1);
    expect(got?.json.data.asset?.id).toBe(second.id);
    expect(verifiedBySpec(got as Received, fine.secret)).toBe(true);
    // The first receiver has both requests now (its slots are separate), still unanswered.
    expect(hanging.received.length).toBeGreaterThanOrEqual(1);
  });

  test('a deleted endpoint gets nothing more, not even the retries it had pending', { timeout: 60_000 }, async () => {
    const failing = await receiver(() => 500);
    const s = await server(target, { ASSETD_WEBHOOK_ALLOWED_HOSTS: failing.host, ASSETD_WEBHOOK_RETRY_SCHEDULE: '1' });
    const webhook = await createWebhook(s, failing.url, ['asset.created']);
    await uploadImage(s, await uniquePng(5));
    await failing.arrived(1);
    const [delivery] = await waitFor(
      'the first attempt recorded',
      async () => {
        const listed = await deliveries(s, webhook.id);
        return listed[0]?.attempts === 1 ? listed : undefined;
      },
      20_000,
    );
    expect((await call(s, 'DELETE', `/v1/webhooks/${webhook.id}`)).statusCode).toBe(200);
    await uploadImage(s, await uniquePng(6));
    // The retry's job ran (and found nothing to send); no event after the delete made a delivery.
    await waitFor(
      'the retry job to end',
      async () => {
        const job = await s.container.db.kysely.selectFrom('jobs').select('status').where('id', '=', `${delivery.id}.2`).executeTakeFirst();
        return job?.status === 'done' ? true : undefined;
      },
      20_000,
    );
    await jobsSettled(s, 20_000);
    expect(failing.received).toHaveLength(1);
    const rows = await s.container.db.kysely.selectFrom('webhook_deliveries').selectAll().execute();
    expect(rows).toHaveLength(0);
  });

  test('an endpoint that keeps failing is disabled, with a reason, an endpoint.disabled event, and no more attempts', {
    timeout: 60_000,
  }, async () => {
    const failing = await receiver(() => 503);
    const s = await server(target, {
      ASSETD_WEBHOOK_ALLOWED_HOSTS: failing.host,
      ASSETD_WEBHOOK_DISABLE_AFTER_FAILURES: '3',
      ASSETD_WEBHOOK_DISABLE_AFTER_HOURS: '0',
      ...QUICK,
    });
    const webhook = await createWebhook(s, failing.url, ['asset.created']);
    const watcher = await createWebhook(s, 'https://example.com/never-called', ['endpoint.disabled']);
    await call(s, 'PATCH', `/v1/webhooks/${watcher.id}`, { enabled: false });
    await uploadImage(s, await uniquePng(7));
    const disabled = await waitFor(
      'the endpoint disabled',
      async () => {
        const shown = json(await call(s, 'GET', `/v1/webhooks/${webhook.id}`)).webhook;
        return shown.enabled ? undefined : shown;
      },
      30_000,
    );
    expect(disabled).toMatchObject({ enabled: false, consecutiveFailures: 3 });
    expect(disabled.disabledReason).toMatch(/3 failed attempts/);
    expect(disabled.disabledAt).toEqual(expect.any(String));
    await jobsSettled(s, 20_000);
    expect(failing.received).toHaveLength(3);
    const [delivery] = await deliveries(s, webhook.id);
    expect(delivery).toMatchObject({ status: 'failed', statusCode: 503, attempts: 3 });
    expect(delivery.nextAttemptAt).toBeUndefined();
    const events = await s.container.events.after(s.key.projectId, 0, ['endpoint.disabled'], 10);
    expect(events).toHaveLength(1);
    expect(events[0]?.subject).toMatchObject({ id: webhook.id, enabled: false });
    // Enabling it again clears the record.
    const enabled = json(await call(s, 'PATCH', `/v1/webhooks/${webhook.id}`, { enabled: true })).webhook;
    expect(enabled).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    expect(enabled.disabledReason).toBeUndefined();
  });
});

async function startWorker(env: TestEnvironment, extra: Record<string, string>) {
  const worker = await startWorkerProcess(env, 'refuse', extra);
  cleanups.push(() => worker.dispose());
  return worker.child;
}

describe.each(DATABASES)('webhook deliveries with worker processes on $name', (target) => {
  it.skipIf(target.skipReason)(
    'a worker SIGKILLed mid-delivery: another worker delivers the event, signed, as the same message',
    {
      timeout: 90_000,
    },
    async () => {
      const hooks = await receiver((index) => (index === 0 ? 'hang' : 200));
      const settings = { ASSETD_WEBHOOK_ALLOWED_HOSTS: hooks.host, ...QUICK };
      const env = await createTestEnvironment(target, settings);
      cleanups.push(() => env.dispose());
      const key = await env.container.keys.create({ team: 'hooks', project: 'hooks' });
      const scope = { projectId: key.projectId, authorId: key.id };
      const { endpoint, secret } = await env.container.webhooks.create(scope, { url: hooks.url, eventTypes: ['collection.updated'] });
      const collection = await env.container.collections.create(scope, 'before');
      await env.container.collections.update(scope, collection.id, { name: 'after' });

      const first = await startWorker(env, settings);
      await hooks.arrived(1);
      first.kill('SIGKILL');
      await startWorker(env, settings);
      const [cut, delivered] = (await hooks.arrived(2)) as [Received, Received];
      const [delivery] = await waitFor(
        'the delivery recorded',
        async () => {
          const listed = await env.container.webhooks.deliveries(scope, endpoint.id);
          return listed[0]?.status === 'succeeded' ? listed : undefined;
        },
        60_000,
      );
      expect(delivery).toMatchObject({ attempts: 1, statusCode: 200 });
      expect(delivered.headers['webhook-id']).toBe(cut.headers['webhook-id']);
      expect(verifiedBySpec(delivered, secret)).toBe(true);
      expect(delivered.json).toMatchObject({ type: 'collection.updated', data: { collection: { id: collection.id, name: 'after' } } });
      const job = await env.container.db.kysely
        .selectFrom('jobs')
        .selectAll()
        .where('id', '=', `${delivery?.id}.1`)
        .executeTakeFirstOrThrow();
      expect(job).toMatchObject({ status: 'done', attempts: 2 });
    },
  );
});
