import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer } from '../../server/test/helpers/http.ts';
import { uniquePng } from '../../server/test/helpers/images.ts';
import { listen } from '../../server/test/helpers/listen.ts';
import { startReceiver } from '../../server/test/helpers/webhook-receiver.ts';
import { AssetdClient, type AssetdEvent, type Fetch, verifyWebhook, WebhookVerificationError } from '../src/index.ts';
import { DATABASES } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function live(target: (typeof DATABASES)[number], env: Record<string, string> = {}, fetchImpl?: Fetch) {
  const server = await startTestServer(target, { ASSETD_EVENTS_POLL_MS: '50', ...env }, { jobs: true });
  cleanups.push(() => server.dispose());
  const baseURL = await listen(server);
  return new AssetdClient({ baseURL, apiKey: server.key.id, apiSecret: server.key.secret, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

/** A fetch whose first event stream breaks after its first event: the network dropping it. */
function droppingFetch() {
  const streams: Array<{ lastEventId: string | undefined }> = [];
  const fetchImpl: Fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).includes('/v1/events')) return response;
    const headers = new Headers(init?.headers);
    streams.push({ lastEventId: headers.get('last-event-id') ?? undefined });
    if (streams.length > 1 || !response.body) return response;
    const reader = response.body.getReader();
    let text = '';
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
        text += new TextDecoder().decode(value);
        if (/\nid: /.test(`\n${text}`)) {
          await reader.cancel();
          controller.error(new TypeError('network connection lost'));
        }
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: fetchImpl, streams };
}

for (const target of DATABASES) {
  describe.skipIf(target.skipReason)(`webhooks and events through the SDK on ${target.name}`, () => {
    it('manages an endpoint, and verifyWebhook accepts what it receives and refuses a forgery', { timeout: 60_000 }, async () => {
      const receiver = await startReceiver();
      cleanups.push(() => receiver.close());
      const client = await live(target, { ASSETD_WEBHOOK_ALLOWED_HOSTS: receiver.host });
      const created = await client.webhooks.create({ url: receiver.url, eventTypes: ['asset.created'] });
      expect(created.secret).toMatch(/^whsec_/);
      expect((await client.webhooks.list()).map((w) => w.id)).toEqual([created.id]);
      expect((await client.webhooks.update(created.id, { description: 'mine' })).description).toBe('mine');
      const asset = await client.upload(await uniquePng(1), { name: 'a.png' });
      const [request] = await receiver.arrived(1);
      const event = verifyWebhook(request?.body as string, request?.headers as Record<string, string>, created.secret);
      expect(event).toMatchObject({ type: 'asset.created', data: { asset: { id: asset.id } } });
      expect(() => verifyWebhook(`${request?.body} `, request?.headers as Record<string, string>, created.secret)).toThrow(
        WebhookVerificationError,
      );
      const rotated = await client.webhooks.rotateSecret(created.id);
      expect(() => verifyWebhook(request?.body as string, request?.headers as Record<string, string>, rotated.secret)).toThrow(
        WebhookVerificationError,
      );
      let [delivery] = await client.webhooks.deliveries(created.id);
      // Answered: its record follows the receiver's answer.
      for (let i = 0; i < 400 && delivery?.status === 'pending'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        [delivery] = await client.webhooks.deliveries(created.id);
      }
      expect(delivery).toMatchObject({ eventType: 'asset.created', status: 'succeeded', statusCode: 200 });
      await client.webhooks.resend(created.id, delivery?.id as string);
      const [, again] = await receiver.arrived(2);
      expect(verifyWebhook(again?.body as string, again?.headers as Record<string, string>, rotated.secret).id).toBe(event.id);
      await client.webhooks.delete(created.id);
      expect(await client.webhooks.list()).toEqual([]);
    });

    it('events.stream() reconnects with Last-Event-ID after the connection drops, missing nothing', { timeout: 60_000 }, async () => {
      const network = droppingFetch();
      const client = await live(target, {}, network.fetch);
      const stop = new AbortController();
      const seen: AssetdEvent[] = [];
      const following = (async () => {
        for await (const event of client.events.stream({ types: ['asset.created', 'asset.deleted'], signal: stop.signal })) {
          seen.push(event);
          if (seen.length === 3) stop.abort();
        }
      })();
      // The stream is open once the server has sent its first line; then make the changes.
      await waitForStreams(network.streams, 1);
      const first = await client.upload(await uniquePng(2), { name: 'b.png' });
      const second = await client.upload(await uniquePng(3), { name: 'c.png' });
      await client.assets.delete(first.id);
      await following;
      expect(seen.map((event) => `${event.type} ${'asset' in event.data ? event.data.asset?.id : ''}`)).toEqual([
        `asset.created ${first.id}`,
        `asset.created ${second.id}`,
        `asset.deleted ${first.id}`,
      ]);
      expect(network.streams.length).toBeGreaterThanOrEqual(2);
      // Resumed after the last event handed over before the drop.
      expect(seen.slice(0, 2).map((event) => event.id)).toContain(network.streams[1]?.lastEventId);
    });
  });
}

async function waitForStreams(streams: readonly unknown[], count: number): Promise<void> {
  for (let i = 0; i < 200 && streams.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 25));
}
