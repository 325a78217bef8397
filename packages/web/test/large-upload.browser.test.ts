import path from 'node:path';
import { AssetdClient } from '@assetd/sdk';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import {
  chromiumMissing,
  dropGeneratedWav,
  SQLITE,
  signIn,
  startCuttableProxy,
  startWebFixture,
  uploadRow,
  type WebFixture,
} from './helpers.ts';

const missing = await chromiumMissing();
const MiB = 1024 * 1024;

describe.skipIf(missing || SQLITE.length === 0)('a 64 MiB upload through the web library', () => {
  let web: WebFixture;
  beforeAll(async () => {
    web = await startWebFixture();
  }, 180_000);
  afterAll(async () => web?.dispose());

  it('pauses mid-way and resumes sending only the missing parts; cancels, then retries', { timeout: 240_000 }, async () => {
    const { page, problems } = await web.page();
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(web.shots, 'large-failure.png') });
    });
    const api = new AssetdClient({ baseURL: web.baseURL, apiKey: web.server.key.id, apiSecret: web.server.key.secret });
    await signIn(page, web.baseURL, web.server.key);
    // Loopback is too fast to catch a file mid-way: Chromium sends at 16 MB/s, as a good uplink would.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 16 * MiB });
    const puts: number[] = [];
    page.on('request', (request) => {
      const part = /\/uploads\/[^/]+\/parts\/(\d+)/.exec(request.url());
      if (part && request.method() === 'PUT') puts.push(Number(part[1]));
    });

    await dropGeneratedWav(page, 'long.wav', 64 * MiB, 3);
    await expect.poll(async () => (await uploadRow(page, 'long.wav')).loaded, { timeout: 60_000 }).toBeGreaterThan(16 * MiB);
    await page.getByRole('button', { name: 'Pause long.wav' }).click();
    await expect.poll(async () => (await uploadRow(page, 'long.wav')).state).toBe('paused');
    await page.getByRole('region', { name: 'Uploads' }).screenshot({ path: path.join(web.shots, 'upload-paused.png') });

    // The server kept the upload and the parts it had.
    const pending = await api.uploads.list({ status: ['pending'] });
    expect(pending.items).toHaveLength(1);
    const uploadId = pending.items[0]?.id ?? '';
    const received = (await api.uploads.listParts(uploadId)).parts.map((part) => part.number);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(8);
    const sentBefore = puts.length;

    await page.getByRole('button', { name: 'Resume long.wav' }).click();
    await expect.poll(async () => (await uploadRow(page, 'long.wav')).state, { timeout: 120_000 }).toBe('imported');
    // The same upload finished, and no part it already had was sent again.
    const upload = await api.uploads.retrieve(uploadId);
    expect(upload.status).toBe('imported');
    const resent = puts.slice(sentBefore);
    expect(resent.filter((number) => received.includes(number))).toEqual([]);
    const asset = await api.assets.retrieve(upload.entityId ?? '');
    expect(asset.metadata.size).toBe(64 * MiB);

    // Cancel abandons the upload on the server; Retry starts it again and it is imported.
    await dropGeneratedWav(page, 'other.wav', 64 * MiB, 5);
    await expect.poll(async () => (await uploadRow(page, 'other.wav')).loaded, { timeout: 60_000 }).toBeGreaterThan(8 * MiB);
    await page.getByRole('button', { name: 'Cancel other.wav' }).click();
    await expect.poll(async () => (await uploadRow(page, 'other.wav')).state).toBe('canceled');
    await expect.poll(async () => (await api.uploads.list({ status: ['pending'] })).items.length).toBe(0);
    await page.getByRole('button', { name: 'Retry other.wav' }).click();
    await expect.poll(async () => (await uploadRow(page, 'other.wav')).state, { timeout: 120_000 }).toBe('imported');
    await page.getByRole('region', { name: 'Uploads' }).screenshot({ path: path.join(web.shots, 'upload-done.png') });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('waits while the server is away, with a banner, and carries on from the missing parts when it is back', {
    timeout: 180_000,
  }, async () => {
    // The page reaches the server through a proxy that can drop every connection and refuse new ones.
    const proxy = await startCuttableProxy(web.baseURL);
    const { page, problems } = await web.page();
    try {
      const api = new AssetdClient({ baseURL: web.baseURL, apiKey: web.server.key.id, apiSecret: web.server.key.secret });
      await signIn(page, proxy.url, web.server.key);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * MiB });
      await dropGeneratedWav(page, 'away.wav', 40 * MiB, 7);
      await expect.poll(async () => (await uploadRow(page, 'away.wav')).loaded, { timeout: 60_000 }).toBeGreaterThan(8 * MiB);
      await proxy.cut();
      await expect.poll(async () => (await uploadRow(page, 'away.wav')).state, { timeout: 60_000 }).toBe('waiting');
      await page.locator('.banner').waitFor();
      await page.screenshot({ path: path.join(web.shots, 'upload-server-away.png') });
      const [pending] = (await api.uploads.list({ status: ['pending'] })).items;
      await proxy.restore();
      await expect.poll(async () => (await uploadRow(page, 'away.wav')).state, { timeout: 90_000 }).toBe('imported');
      // The same upload finished: nothing was started over.
      expect((await api.uploads.retrieve(pending?.id ?? '')).status).toBe('imported');
      await page.locator('.banner').waitFor({ state: 'detached' });
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
      await proxy.close().catch(() => {});
    }
  });
});
