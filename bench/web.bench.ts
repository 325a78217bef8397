import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { build } from 'vite';
import { launchChromium } from '../packages/web/test/chromium.ts';
import { type ChildServer, startChild } from './lib.ts';

/**
 * The web library (packages/web), measured:
 * 1. its initial JavaScript, gzipped: the entry and the chunks index.html preloads (goal ≤ 150 KB;
 *    the 3D viewer is a lazy chunk and does not count);
 * 2. with BENCH_WEB_ASSETS (10,000) assets in a SQLite project, through a real `assetd serve` and
 *    Debian's Chromium (CHROMIUM_PATH): the time from navigation to the first thumbnail shown
 *    (goal ≤ 1 s), and the frame times while scrolling through BENCH_WEB_SCROLL (1,000) assets
 *    (goal: no frame over 50 ms). Assets are copies of one real upload, made with one INSERT … SELECT.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = Number(process.env.BENCH_WEB_ASSETS ?? 10_000);
const SCROLL = Number(process.env.BENCH_WEB_SCROLL ?? 1000);
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const PORT = 18961;

async function initialJs(dist: string): Promise<void> {
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(_app\/[^"]+\.js)"/g)].map((match) => match[1] as string);
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const bytes = await readFile(path.join(dist, file));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `  initial JavaScript: ${files.length} file(s), ${kb(raw)} raw, ${kb(gzipped)} gzipped (goal ≤ 150 KB: ${gzipped <= 150 * 1024 ? 'met' : 'MISSED'})`,
  );
}

/** One real image through the API, then copies of its row, so every card has a real thumbnail. */
async function seed(server: ChildServer, dataDir: string): Promise<void> {
  const png = await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .png()
    .toBuffer();
  const response = await fetch(`${server.url}/v1/assets`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ image: png.toString('base64'), name: 'seed.png' }),
  });
  if (!response.ok) throw new Error(`seed upload failed: ${response.status} ${await response.text()}`);
  const { asset } = (await response.json()) as { asset: { id: string } };
  const db = new DatabaseSync(path.join(dataDir, 'assetd.db'));
  try {
    db.exec('pragma busy_timeout = 10000');
    const columns = (db.prepare('pragma table_info(assets)').all() as Array<{ name: string }>).map((column) => column.name);
    const generated: Record<string, string> = {
      id: `'asset_' || substr('000000000000000000000000' || n, -24)`,
      name: `'image ' || n || '.png'`,
      created_at: `strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || n || ' seconds')`,
      updated_at: `strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || n || ' seconds')`,
    };
    db.prepare(
      `with recursive g(n) as (select 1 union all select n + 1 from g where n < ?)
       insert into assets (${columns.join(', ')})
       select ${columns.map((column) => generated[column] ?? `a.${column}`).join(', ')} from assets a, g where a.id = ?`,
    ).run(ASSETS - 1, asset.id);
    db.exec('analyze');
  } finally {
    db.close();
  }
}

/** What the page functions below use of the DOM: this project's types are Node's, without the DOM's. */
interface PageElement {
  scrollTop: number;
  readonly children: { readonly length: number };
  matches?(selector: string): boolean;
}
interface PageDom {
  requestAnimationFrame(callback: () => void): number;
  readonly document: {
    addEventListener(type: string, listener: (event: { target: unknown }) => void, capture: boolean): void;
    querySelector(selector: string): PageElement | null;
  };
}

async function inBrowser(url: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.addInitScript(
      ({ apiKey, apiSecret }) => {
        const { document } = globalThis as unknown as PageDom;
        sessionStorage.setItem('assetd.credentials', JSON.stringify({ apiKey, apiSecret }));
        // The first thumbnail that finishes loading in the grid, in ms since navigation started.
        document.addEventListener(
          'load',
          (event) => {
            const target = event.target as PageElement;
            const state = globalThis as unknown as { firstThumbnail?: number };
            if (state.firstThumbnail === undefined && target.matches?.('.card img')) state.firstThumbnail = performance.now();
          },
          true,
        );
      },
      { apiKey: KEY, apiSecret: SECRET },
    );
    await page.goto(`${url}/`);
    await page.waitForFunction(() => (globalThis as unknown as { firstThumbnail?: number }).firstThumbnail !== undefined, null, {
      timeout: 30_000,
    });
    const first = await page.evaluate(() => (globalThis as unknown as { firstThumbnail: number }).firstThumbnail);
    console.log(`  first thumbnail shown: ${first.toFixed(0)} ms after navigation (goal ≤ 1000 ms: ${first <= 1000 ? 'met' : 'MISSED'})`);

    // Scroll the grid 120 px a frame until SCROLL assets have gone by (pages load as it goes), timing every frame.
    const frames = await page.evaluate(async (wanted) => {
      const { document, requestAnimationFrame } = globalThis as unknown as PageDom;
      const grid = document.querySelector('.grid') as PageElement;
      const perRow = document.querySelector('.grid-row')?.children.length ?? 1;
      const target = Math.ceil(wanted / perRow) * 228;
      const deltas: number[] = [];
      let last = performance.now();
      for (let frame = 0; frame < 5000 && grid.scrollTop < target; frame++) {
        await new Promise<void>((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        grid.scrollTop += 120;
      }
      return { deltas, scrolled: grid.scrollTop, perRow };
    }, SCROLL);
    const sorted = [...frames.deltas].sort((a, b) => a - b);
    const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
    const worst = sorted[sorted.length - 1] ?? 0;
    console.log(
      `  scrolling ${SCROLL} assets (${frames.perRow} a row, ${frames.deltas.length} frames): p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, ` +
        `worst ${worst.toFixed(1)} ms, over 50 ms: ${frames.deltas.filter((delta) => delta > 50).length} (goal: none)`,
    );
  } finally {
    await browser.close();
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-web-'));
let server: ChildServer | undefined;
try {
  const dist = path.join(dir, 'dist');
  await build({ root: path.join(root, 'packages/web'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
  await initialJs(dist);
  const dataDir = path.join(dir, 'data');
  server = await startChild(
    process.execPath,
    [path.join(root, 'packages/cli/src/main.ts'), 'serve'],
    {
      PORT: String(PORT),
      ASSETD_DATA_DIR: dataDir,
      ASSETD_API_KEY: KEY,
      ASSETD_API_SECRET: SECRET,
      ASSETD_LOG_LEVEL: 'warn',
      ASSETD_WEB_DIR: dist,
    },
    `http://127.0.0.1:${PORT}`,
    '/readyz',
  );
  await seed(server, dataDir);
  console.log(`  ${ASSETS.toLocaleString('en')} assets in the project (SQLite)`);
  await inBrowser(server.url);
} finally {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
}
