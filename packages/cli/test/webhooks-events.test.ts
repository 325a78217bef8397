import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetdClient } from '../../sdk/src/index.ts';
import { DATABASES } from '../../server/test/helpers/databases.ts';
import { startTestServer, type TestServer } from '../../server/test/helpers/http.ts';
import { uniquePng } from '../../server/test/helpers/images.ts';
import { listen } from '../../server/test/helpers/listen.ts';
import { startReceiver, verifiedBySpec, type WebhookReceiver } from '../../server/test/helpers/webhook-receiver.ts';
import { runCli } from './helpers.ts';

for (const target of DATABASES) {
  describe.skipIf(target.skipReason)(`assetd webhooks and assetd events on ${target.name}`, () => {
    let server: TestServer;
    let receiver: WebhookReceiver;
    let env: Record<string, string>;
    let client: AssetdClient;
    const cli = (...args: string[]) => runCli(args, env);

    beforeAll(async () => {
      receiver = await startReceiver();
      server = await startTestServer(target, { ASSETD_WEBHOOK_ALLOWED_HOSTS: receiver.host, ASSETD_EVENTS_POLL_MS: '50' }, { jobs: true });
      const baseURL = await listen(server);
      env = { ASSETD_BASE_URL: baseURL, ASSETD_API_KEY: server.key.id, ASSETD_API_SECRET: server.key.secret };
      client = new AssetdClient({ baseURL, apiKey: server.key.id, apiSecret: server.key.secret });
    });
    afterAll(async () => {
      // As `assetd serve` does after its grace period: fetch (undici) may keep a connection it
      // opened and never used, which would hold the close up until the idle timeout.
      const grace = setTimeout(() => server?.app.server.closeAllConnections(), 1000);
      await server?.dispose();
      clearTimeout(grace);
      await receiver?.close();
    });

    it('creates, lists and deletes endpoints, lists deliveries and resends one', { timeout: 60_000 }, async () => {
      const created = await cli('webhooks', 'create', receiver.url, '--events', 'asset.created,asset.deleted');
      expect(created.code, created.stderr).toBe(0);
      expect(created.stderr).toMatch(/Keep the secret/);
      const webhook = JSON.parse(created.stdout);
      expect(webhook.secret).toMatch(/^whsec_/);
      const listed = await cli('webhooks', 'list');
      expect(listed.stdout).toMatch(new RegExp(`${webhook.id}\\s+yes\\s+asset.created,asset.deleted\\s+${receiver.url}`));
      const bad = await cli('webhooks', 'create', 'http://10.0.0.1/', '--events', 'asset.created');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/private address/);

      await client.upload(await uniquePng(1), { name: 'a.png' });
      const [request] = await receiver.arrived(1);
      expect(verifiedBySpec(request as NonNullable<typeof request>, webhook.secret)).toBe(true);
      let deliveries: Array<{ id: string; status: string }> = [];
      for (let i = 0; i < 400 && deliveries[0]?.status !== 'succeeded'; i++) {
        deliveries = JSON.parse((await cli('webhooks', 'deliveries', webhook.id, '--json')).stdout);
        if (deliveries[0]?.status !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect((await cli('webhooks', 'deliveries', webhook.id)).stdout).toMatch(/asset\.created\s+succeeded\s+1\s+200/);
      const resent = await cli('webhooks', 'resend', webhook.id, deliveries[0]?.id as string);
      expect(resent.code, resent.stderr).toBe(0);
      const [, again] = await receiver.arrived(2);
      expect(again?.headers['webhook-id']).toBe(request?.headers['webhook-id']);
      expect((await cli('webhooks', 'delete', webhook.id)).stdout).toBe('Done\n');
      expect((await cli('webhooks', 'list')).stdout).toBe('No webhooks.\n');
    });

    it('events prints one line per event, resumes from --last-event-id, and stops after --count', { timeout: 60_000 }, async () => {
      const before = await server.container.events.latestId();
      const asset = await client.upload(await uniquePng(2), { name: 'b.png' });
      await client.assets.update(asset.id, { name: 'renamed' });
      const all = await cli('events', '--last-event-id', String(before), '--types', 'asset.created,asset.updated', '--count', '2');
      expect(all.code, all.stderr).toBe(0);
      const lines = all.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`^\\d+\\tasset\\.created\\t${asset.id}\\t\\d{4}-`));
      expect(lines[1]).toMatch(new RegExp(`^\\d+\\tasset\\.updated\\t${asset.id}\\t\\d{4}-`));
      const lastId = lines[0]?.split('\t')[0] as string;
      const after = await cli('events', '--last-event-id', lastId, '--count', '1', '--json');
      expect(JSON.parse(after.stdout)).toMatchObject({
        type: 'asset.updated',
        data: { asset: { id: asset.id, metadata: { name: 'renamed' } } },
      });
      const bad = await cli('events', '--types', 'asset.exploded');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/Unknown event type/);
    });
  });
}
