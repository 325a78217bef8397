import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { renderRendition } from '../packages/server/src/media/render-rendition.ts';
import { renditionOf } from '../packages/server/src/media/rendition.ts';
import { startChild } from './lib.ts';

/**
 * A rendition's first and cached request, through `assetd serve` on loopback (SQLite, local
 * storage): a 4000 × 3000 JPEG photo-like image, renditions of 400 × 400 (cover, WebP q80).
 * First requests are each a new size (401 × 401, 402 × 402, …) so each draws and stores one.
 * Baselines in the same run: drawing the same rendition in-process with no HTTP and no storage
 * (what the first request cannot go below), and GET of the asset's stored thumbnail through its
 * plain file link (a stored file of about the rendition's size: what a cached one should cost).
 * Medians of RUNS; the server is a child process, the client this one, on a shared machine.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const auth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const RUNS = 15;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** A photo-like 4000 × 3000 JPEG: gradients, rings and sensor-like grain (a few MB, as a camera's). */
async function photo(): Promise<Buffer> {
  const [width, height] = [4000, 3000];
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 1;
  const grain = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return (seed % 25) - 12;
  };
  for (let y = 0, at = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ring = Math.sin(Math.hypot(x - 2000, y - 1500) / 40);
      pixels[at++] = Math.max(0, Math.min(255, (x / width) * 255 + grain()));
      pixels[at++] = Math.max(0, Math.min(255, (y / height) * 255 + grain()));
      pixels[at++] = Math.max(0, Math.min(255, 128 + 100 * ring + grain()));
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

async function fetchAll(url: string): Promise<{ status: number; bytes: number; cache: string | null }> {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  return { status: response.status, bytes: body.byteLength, cache: response.headers.get('x-rendition-cache') };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-rendition-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startChild(
  process.execPath,
  [path.join(root, 'packages/cli/src/main.ts'), 'serve'],
  {
    PORT: String(port),
    ASSETD_DATA_DIR: dir,
    ASSETD_API_KEY: KEY,
    ASSETD_API_SECRET: SECRET,
    ASSETD_LOG_LEVEL: 'warn',
    ASSETD_RUN_JOBS: 'false',
  },
  base,
  '/readyz',
);
try {
  const jpeg = await photo();
  const file = path.join(dir, 'photo.jpg');
  await writeFile(file, jpeg);
  const created = await fetch(`${base}/v1/assets`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ image: jpeg.toString('base64'), name: 'photo.jpg' }),
  });
  if (!created.ok) throw new Error(`upload: ${created.status} ${await created.text()}`);
  const { asset } = (await created.json()) as { asset: { id: string; thumbnail: { url: string } } };
  const linkFor = async (edge: number) => {
    const response = await fetch(`${base}/v1/assets/${asset.id}?renditionWidth=${edge}&renditionHeight=${edge}&renditionPixelRatios=1`, {
      headers: { authorization: auth },
    });
    const body = (await response.json()) as { asset: { renditions: { url: string }[] } };
    return body.asset.renditions[0]?.url as string;
  };

  // Each measurement beside its baseline, turn about, so both see the same load on a shared machine.
  const alone: number[] = [];
  const first: number[] = [];
  let renditionBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    // Baseline: the drawing alone, in this process, no HTTP and no storage.
    alone.push(await timed(() => renderRendition(file, 'jpeg', renditionOf({ width: 400 + i, height: 400 + i }), 268_402_689)));
    // A first request: a size not drawn before.
    const url = await linkFor(401 + i);
    first.push(
      await timed(async () => {
        const result = await fetchAll(url);
        if (result.status !== 200 || result.cache !== 'miss') throw new Error(`first request: ${result.status} ${result.cache}`);
        renditionBytes = result.bytes;
      }),
    );
  }
  const cachedUrl = await linkFor(401);
  const cached: number[] = [];
  const plain: number[] = [];
  let thumbnailBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    // A cached request: the first size again.
    cached.push(
      await timed(async () => {
        const result = await fetchAll(cachedUrl);
        if (result.status !== 200 || result.cache !== 'hit') throw new Error(`cached request: ${result.status} ${result.cache}`);
      }),
    );
    // Baseline: a stored file of about that size, through its plain link.
    plain.push(
      await timed(async () => {
        const result = await fetchAll(asset.thumbnail.url);
        thumbnailBytes = result.bytes;
      }),
    );
  }
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(
    `original: 4000 × 3000 JPEG, ${(jpeg.length / 1e6).toFixed(1)} MB; rendition ~400 × 400 WebP, ${(renditionBytes / 1e3).toFixed(0)} kB`,
  );
  console.log('| request | median | baseline (median) | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| first (draw and store) | ${ms(median(first))} | drawing alone, in-process: ${ms(median(alone))} | ${(median(first) / median(alone)).toFixed(2)}× |`,
  );
  console.log(
    `| cached | ${ms(median(cached))} | the stored thumbnail (${(thumbnailBytes / 1e3).toFixed(0)} kB) by its plain link: ${ms(median(plain))} | ${(median(cached) / median(plain)).toFixed(2)}× |`,
  );
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
