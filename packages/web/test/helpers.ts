import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { DATABASES } from '../../server/test/helpers/databases.ts';
import { startTestServer, type TestServer } from '../../server/test/helpers/http.ts';
import { listen } from '../../server/test/helpers/listen.ts';
import { chromiumMissing as chromiumMissingFor, launchChromium } from './chromium.ts';

const WEB_ROOT = path.resolve(import.meta.dirname, '..');

/** Why the browser tests cannot run here, if they cannot (never allowed under CI=true). */
export const chromiumMissing = () => chromiumMissingFor("the web library's browser tests are");

/** The SQLite target: the browser drives the same API on either database, which the server's suites cover. */
export const SQLITE = DATABASES.filter((target) => target.name === 'sqlite');

export interface WebFixture {
  readonly server: TestServer;
  readonly baseURL: string;
  readonly browser: Browser;
  /** Where screenshots go (the test run's temp folder, never committed). */
  readonly shots: string;
  /** A fresh page that fails the test on a CSP violation or an uncaught error, and records every dialog. */
  page(): Promise<{ page: Page; problems: string[]; dialogs: string[] }>;
  dispose(): Promise<void>;
}

/**
 * The app built from source into a temp folder, served by a real assetd on a loopback port, and
 * Debian's Chromium with nothing that reaches the network by itself.
 */
export async function startWebFixture(env: Record<string, string> = {}): Promise<WebFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-web-test-'));
  const dist = path.join(dir, 'dist');
  const shots = path.join(dir, 'screenshots');
  await mkdir(shots);
  await build({ root: WEB_ROOT, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
  const target = SQLITE[0];
  if (!target) throw new Error('no SQLite target');
  const server = await startTestServer(target, { ASSETD_WEB_DIR: dist, ...env }, { jobs: true });
  const baseURL = await listen(server);
  const browser = await launchChromium();
  console.log(`web library screenshots: ${shots}`);
  return {
    server,
    baseURL,
    browser,
    shots,
    async page() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const problems: string[] = [];
      const dialogs: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(message.text());
      });
      page.on('dialog', (dialog) => dialogs.push(`${dialog.type()}: ${dialog.message()}`));
      return { page, problems, dialogs };
    },
    async dispose() {
      await browser.close();
      await server.dispose();
      // The screenshots stay for a reviewer; the built app goes.
      await rm(dist, { recursive: true, force: true });
    },
  };
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, baseURL: string, key: { id: string; secret: string }): Promise<void> {
  await page.goto(`${baseURL}/`);
  await page.getByLabel('API key').fill(key.id);
  await page.getByLabel('API secret').fill(key.secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Collections' }).waitFor();
}

/** Drops files on the page through a synthetic DataTransfer, as a drag from the desktop would. */
export async function dropFiles(page: Page, files: ReadonlyArray<{ name: string; type: string; bytes: Buffer }>): Promise<void> {
  const transfer = await page.evaluateHandle(
    (list) => {
      // The page's DataTransfer (this project's types are Node's, without the DOM's).
      const { DataTransfer: Transfer } = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } };
      const data = new Transfer();
      for (const file of list) {
        const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0));
        data.items.add(new File([bytes], file.name, { type: file.type }));
      }
      return data;
    },
    files.map((file) => ({ name: file.name, type: file.type, base64: file.bytes.toString('base64') })),
  );
  const target = page.locator('.layout');
  await target.dispatchEvent('dragenter', { dataTransfer: transfer });
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
  await transfer.dispose();
}

/**
 * Drops a PCM WAV of about `bytes` bytes made inside the page, so a large file never crosses
 * the DevTools connection.
 */
export async function dropGeneratedWav(page: Page, name: string, bytes: number, seed: number): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, bytes, seed }) => {
      const dataSize = Math.max(2, bytes - 44) & ~1;
      const buffer = new ArrayBuffer(44 + dataSize);
      const view = new DataView(buffer);
      const text = (at: number, value: string) => {
        for (let i = 0; i < value.length; i++) view.setUint8(at + i, value.charCodeAt(i));
      };
      text(0, 'RIFF');
      view.setUint32(4, 36 + dataSize, true);
      text(8, 'WAVE');
      text(12, 'fmt ');
      view.setUint32(16, 16, true);
      view.setUint16(20, 1, true);
      view.setUint16(22, 1, true);
      view.setUint32(24, 44_100, true);
      view.setUint32(28, 88_200, true);
      view.setUint16(32, 2, true);
      view.setUint16(34, 16, true);
      text(36, 'data');
      view.setUint32(40, dataSize, true);
      const samples = new Int16Array(buffer, 44, dataSize / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = ((i * seed) % 2000) - 1000;
      const { DataTransfer: Transfer } = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } };
      const data = new Transfer();
      data.items.add(new File([new Uint8Array(buffer)], name, { type: 'audio/wav' }));
      return data;
    },
    { name, bytes, seed },
  );
  const target = page.locator('.layout');
  await target.dispatchEvent('dragover', { dataTransfer: transfer });
  await target.dispatchEvent('drop', { dataTransfer: transfer });
  await transfer.dispose();
}

/** The bytes the upload panel says it has sent of one file, and the row's state. */
export async function uploadRow(page: Page, name: string): Promise<{ loaded: number; state: string }> {
  const row = page.locator(`.upload-row[data-upload-name="${name}"]`);
  return row.evaluate((element) => {
    const progress = element.querySelector('progress') as unknown as { value: number };
    return { loaded: progress.value, state: /state-(\w+)/.exec(element.className)?.[1] ?? '' };
  });
}

/**
 * A loopback TCP proxy in front of the server that can make it go away as a crashed or
 * restarting server does: `cut()` resets every connection and refuses new ones (the port
 * closed); `restore()` listens on the same port again.
 */
export interface CuttableProxy {
  readonly url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const { port: targetPort, hostname } = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  };
  return { url: `http://127.0.0.1:${port}`, cut: stop, restore: () => listen(port), close: stop };
}
