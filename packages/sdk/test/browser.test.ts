import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage } from '../../server/test/helpers/images.ts';
import { makeWav } from '../../server/test/helpers/media.ts';
import { chromiumMissing, launchChromium } from '../../web/test/chromium.ts';
import { DATABASES, type LiveServer, startLiveServer } from './helpers.ts';

const SDK_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'index.ts');

const missing = await chromiumMissing("the SDK's browser test is");

/** A page origin of its own (another port than the API's), serving the bundled SDK. */
async function servePage(dir: string): Promise<{ origin: string; server: Server }> {
  const server = createServer(async (request, response) => {
    // The built files by their bare names (the bundle is split into chunks), else the page.
    const name = path.basename(new URL(request.url ?? '/', 'http://page').pathname) || 'index.html';
    const body = await readFile(path.join(dir, name)).catch(() => undefined);
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe.each(DATABASES)('the SDK in a browser page of another origin, on $name', (target) => {
  let live: LiveServer;
  let dir: string;
  let page: { origin: string; server: Server };
  let browser: Browser;
  beforeAll(async () => {
    if (target.skipReason || missing) return;
    live = await startLiveServer(target);
    dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-browser-'));
    // The SDK bundled for browsers as an application would: no Node built-ins may be needed.
    await build({
      configFile: false,
      logLevel: 'silent',
      build: { outDir: dir, emptyOutDir: false, minify: false, lib: { entry: SDK_ENTRY, formats: ['es'], fileName: () => 'sdk.js' } },
    });
    // The page loads the bundle itself (code handed to page.evaluate is rewritten by the test runner).
    await writeFile(
      path.join(dir, 'index.html'),
      '<!doctype html><title>assetd sdk</title><script type="module">import { AssetdClient } from "/sdk.js"; window.AssetdClient = AssetdClient;</script>',
    );
    page = await servePage(dir);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.server.close(resolve));
    await live?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(target.skipReason || missing)(
    'uploads a small image and a multipart file from a File, and lists them',
    { timeout: 120_000 },
    async () => {
      const tab = await browser.newPage();
      await tab.goto(`${page.origin}/`);
      await tab.waitForFunction(() => 'AssetdClient' in globalThis);
      const png = await makeImage('png', 24, 16, { seed: 4242 });
      const wav = makeWav(6 * 1024 * 1024 + 4321, 9);
      const result = await tab.evaluate(
        async ({ baseURL, apiKey, apiSecret, png, wav }) => {
          const { AssetdClient } = globalThis as unknown as { AssetdClient: typeof import('../src/index.ts').AssetdClient };
          const client = new AssetdClient({ baseURL, apiKey, apiSecret });
          const bytes = (base64: string) => Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
          const image = await client.upload(new File([bytes(png)], 'pixel.png', { type: 'image/png' }));
          let progress = 0;
          const audio = await client.upload(new File([bytes(wav)], 'voice.wav', { type: 'audio/wav' }), {
            partSize: 5 * 1024 * 1024,
            onProgress: ({ loaded }: { loaded: number }) => {
              progress = loaded;
            },
          });
          const listed: string[] = [];
          for await (const each of client.assets.list({ pageSize: 1 })) listed.push(each.id);
          let notFound = '';
          try {
            await client.assets.retrieve('asset_nope');
          } catch (error) {
            notFound = (error as { code: string }).code;
          }
          return { image: image.id, imageKind: image.kind, audio: audio.id, audioKind: audio.kind, progress, listed, notFound };
        },
        {
          baseURL: live.baseURL,
          apiKey: live.server.key.id,
          apiSecret: live.server.key.secret,
          png: png.toString('base64'),
          wav: wav.toString('base64'),
        },
      );
      expect(result).toMatchObject({ imageKind: 'image', audioKind: 'audio', progress: wav.length, notFound: 'ASSET_NOT_FOUND' });
      expect(result.listed).toEqual(expect.arrayContaining([result.image, result.audio]));
      // The multipart upload went through presigned part URLs of the API origin, from the page's.
      const stored = await live.client().assets.retrieve(result.audio);
      expect(stored.properties).toMatchObject({ size: wav.length });
    },
  );
});
