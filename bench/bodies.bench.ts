import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import {
  type ChildServer,
  cpuSeconds,
  type Figure,
  MiB,
  mbPerSecond,
  peakRssMb,
  row,
  showSpread,
  spread,
  startChild,
  writeResults,
} from './lib.ts';
import { makeSource } from './upload-clients.ts';

/**
 * Whole request bodies, each beside its baseline in the same run (issue #17, item 3):
 * - base64: POST /v1/assets with a ~5.9 MB PNG as base64 JSON (decode, stage, hash, probe,
 *   thumbnail, store, record), against a bare Fastify server that parses the same JSON and decodes
 *   the base64 (bare-json-server.ts); sequentially and with 4 in flight. Every image differs
 *   (a text chunk with a counter), so no request is a dedup hit.
 * - form: a token360 form upload (multipart/form-data, a WAV, described from its headers) of
 *   BENCH_FORM_MIB (512) MiB, against a bare Node server taking the same bytes as one raw PUT
 *   to disk, with and without SHA-256 on the way (bare-upload-server.ts).
 * assetd runs as `assetd serve` on SQLite and local disk, without jobs. Rounds are interleaved
 * (the order rotates) and repeated: medians of per-round ratios (higher is better), with the range.
 * Server CPU from /proc; the API process's RSS after the base64 requests (and after 2 s at rest)
 * and its peak. Writes bench/results/bodies.json. `--quick`: 128 MiB forms, 2 rounds.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 3));
const FORM_BYTES = Number(process.env.BENCH_FORM_MIB ?? (quick ? 128 : 512)) * MiB;
const IMAGES_PER_ROUND = Number(process.env.BENCH_IMAGES ?? 12);
/** Which parts to run: BENCH_BODIES=base64 or =form (both by default). */
const parts = (process.env.BENCH_BODIES ?? 'base64,form').split(',');
const IN_FLIGHT = 4;
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const auth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;

/** A PNG of noise (it does not compress) of about 5.9 MB. */
async function noisePng(): Promise<Buffer> {
  const side = 1360;
  const pixels = Buffer.alloc(side * side * 3);
  for (let i = 0; i < pixels.length; i += 4) pixels.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** The PNG with a tEXt chunk after its header holding `label`: other bytes, the same image. */
function variant(png: Buffer, label: string): Buffer {
  const data = Buffer.from(`Comment\0${label}`, 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('tEXt', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  const headerEnd = 8 + 25; // signature, then IHDR (length, type, 13 bytes, CRC)
  return Buffer.concat([png.subarray(0, headerEnd), chunk, png.subarray(headerEnd)]);
}

async function post(url: string, body: string, authorization?: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${url}: ${response.status} ${text.slice(0, 300)}`);
}

/** Sends `bodies` with `inFlight` requests at a time; returns requests per second and the server's CPU-ms per request. */
async function drive(
  pid: number,
  bodies: readonly string[],
  inFlight: number,
  send: (body: string) => Promise<void>,
): Promise<{ rate: number; cpuMs: number }> {
  const cpuBefore = await cpuSeconds(pid);
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < bodies.length) await send(bodies[next++] as string);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: bodies.length / seconds, cpuMs: (((await cpuSeconds(pid)) - cpuBefore) * 1000) / bodies.length };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Streams `head`, the file and `tail` as one request body with a known length; resolves with the response text. */
function streamRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  head: Buffer,
  file: string,
  size: number,
  tail: Buffer,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(head.length + size + tail.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 300)}`));
        else resolve(text);
      });
    });
    req.on('error', reject);
    req.write(head);
    const source = createReadStream(file, { highWaterMark: MiB });
    source.on('error', reject);
    source.pipe(req, { end: false });
    source.on('end', () => req.end(tail));
  });
}

interface Measured {
  readonly seconds: number;
  readonly cpu: number;
}

async function timedUpload(pid: number, upload: () => Promise<unknown>): Promise<Measured> {
  // No run pays for the previous one's writeback.
  execFileSync('sync');
  const cpuBefore = await cpuSeconds(pid);
  const started = process.hrtime.bigint();
  await upload();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: (await cpuSeconds(pid)) - cpuBefore };
}

function startAssetd(dir: string, port: number): Promise<ChildServer> {
  return startChild(
    process.execPath,
    [path.join(root, 'packages/cli/src/main.ts'), 'serve'],
    {
      PORT: String(port),
      ASSETD_DATA_DIR: dir,
      ASSETD_RUN_JOBS: 'false',
      ASSETD_API_KEY: KEY,
      ASSETD_API_SECRET: SECRET,
      ASSETD_SIGNING_SECRET: 'bench-signing-secret-0123456789abcdef',
      ASSETD_MAX_FORM_UPLOAD_BYTES: String(FORM_BYTES + MiB),
      ASSETD_LOG_LEVEL: 'warn',
      ...(process.env.BENCH_ASSETD_NODE_OPTIONS
        ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${process.env.BENCH_ASSETD_NODE_OPTIONS}` }
        : {}),
    },
    `http://127.0.0.1:${port}`,
    '/readyz',
  );
}

const ratiosOf = (values: readonly number[], baselines: readonly number[]) =>
  spread(values.map((value, i) => value / (baselines[i] as number)));

async function base64Figures(assetd: ChildServer, bare: ChildServer): Promise<Figure[]> {
  const png = await noisePng();
  console.log(
    `\nbase64: a ${(png.length / 1e6).toFixed(2)} MB PNG (${((png.length * 4) / 3 / 1e6).toFixed(2)} MB of base64 JSON), ${IMAGES_PER_ROUND} requests per round and mode`,
  );
  let counter = 0;
  const bodies = () =>
    Array.from({ length: IMAGES_PER_ROUND }, () =>
      JSON.stringify({ image: variant(png, `bench ${counter++}`).toString('base64'), name: 'bench.png' }),
    );
  const figures: Figure[] = [];
  for (const inFlight of [1, IN_FLIGHT]) {
    const rates = { bare: [] as number[], assetd: [] as number[] };
    const cpu = { bare: [] as number[], assetd: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['bare', 'assetd'] as const) : (['assetd', 'bare'] as const);
      for (const name of order) {
        const list = bodies();
        const result =
          name === 'bare'
            ? await drive(bare.pid, list, inFlight, (body) => post(`${bare.url}/decode`, body))
            : await drive(assetd.pid, list, inFlight, (body) => post(`${assetd.url}/v1/assets`, body, auth));
        rates[name].push(result.rate);
        cpu[name].push(result.cpuMs);
      }
    }
    const mode = inFlight === 1 ? 'sequential' : `${inFlight} in flight`;
    const ratio = ratiosOf(rates.assetd, rates.bare);
    console.log(
      row(`bare Fastify, ${mode}`, { 'req/s': showSpread(spread(rates.bare), 1), 'CPU-ms/req': showSpread(spread(cpu.bare), 0) }),
    );
    console.log(
      row(`assetd, ${mode}`, {
        'req/s': showSpread(spread(rates.assetd), 1),
        'CPU-ms/req': showSpread(spread(cpu.assetd), 0),
        '× bare': showSpread(ratio),
      }),
    );
    figures.push({
      name: `base64 POST /v1/assets, ${mode}`,
      unit: 'requests/s',
      value: spread(rates.assetd),
      baseline: { name: `bare Fastify parse + decode, ${mode}`, value: spread(rates.bare) },
      ratio,
      details: { cpuMsPerRequest: spread(cpu.assetd), baselineCpuMsPerRequest: spread(cpu.bare) },
    });
  }
  const rssAfter = await rssMb(assetd.pid);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rssRest = await rssMb(assetd.pid);
  const peak = await peakRssMb(assetd.pid);
  console.log(
    row('assetd RSS', { 'MB after': rssAfter.toFixed(0), 'MB 2 s later': rssRest.toFixed(0), 'MB peak': peak.toFixed(0) }),
    `(bare Fastify peak ${(await peakRssMb(bare.pid)).toFixed(0)} MB)`,
  );
  figures.push({
    name: 'assetd API process RSS after the base64 requests (2 s at rest)',
    unit: 'MB',
    value: spread([rssRest]),
    peakRssMb: peak,
    details: { rightAfterMb: rssAfter },
  });
  return figures;
}

async function formFigures(assetd: ChildServer, plain: ChildServer, hashing: ChildServer, file: string): Promise<Figure[]> {
  console.log(`\nform: ${FORM_BYTES / MiB} MiB WAV, ${rounds} rounds`);
  const boundary = '----assetdbench7d1f0c';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nbench.wav\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const runs = { plain: [] as Measured[], hashing: [] as Measured[], assetd: [] as Measured[] };
  const names = ['plain', 'hashing', 'assetd'] as const;
  for (let round = 0; round < rounds; round++) {
    // Other bytes each round: no upload is a dedup hit.
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from(`round ${round} ${Date.now()}`.padEnd(32)), 0, 32, 44);
    await handle.close();
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length] as (typeof names)[number];
      if (name === 'assetd') {
        let answer = '';
        runs.assetd.push(
          await timedUpload(assetd.pid, async () => {
            answer = await streamRequest(
              `${assetd.url}/token360/v1/assets`,
              'POST',
              { authorization: auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
              head,
              file,
              FORM_BYTES,
              tail,
            );
          }),
        );
        const id = (JSON.parse(answer) as { data: { assetId: string } }).data.assetId;
        const deleted = await fetch(`${assetd.url}/v1/assets/${id}`, { method: 'DELETE', headers: { authorization: auth } });
        if (!deleted.ok) throw new Error(`DELETE asset ${id}: ${deleted.status} ${await deleted.text()}`);
      } else {
        const server = name === 'plain' ? plain : hashing;
        await fetch(`${server.url}/?create=1&size=${FORM_BYTES}`, { method: 'PUT' });
        runs[name].push(
          await timedUpload(server.pid, () =>
            streamRequest(`${server.url}/?offset=0`, 'PUT', {}, Buffer.alloc(0), file, FORM_BYTES, Buffer.alloc(0)),
          ),
        );
      }
    }
  }
  const mbs = (list: readonly Measured[]) => list.map((run) => mbPerSecond(FORM_BYTES, run.seconds));
  const cpuPerGiB = (list: readonly Measured[]) => spread(list.map((run) => (run.cpu * 1024 * MiB) / FORM_BYTES));
  const labels = { plain: 'raw PUT', hashing: 'raw PUT + SHA-256', assetd: 'assetd token360 form' };
  for (const name of names) {
    const cells: Record<string, string> = {
      'MB/s': showSpread(spread(mbs(runs[name])), 0),
      'CPU-s/GiB': showSpread(cpuPerGiB(runs[name])),
    };
    if (name === 'assetd') {
      cells['× hashing PUT'] = showSpread(ratiosOf(mbs(runs.assetd), mbs(runs.hashing)));
      cells['× raw PUT'] = showSpread(ratiosOf(mbs(runs.assetd), mbs(runs.plain)));
    }
    console.log(row(labels[name], cells));
  }
  const figure = (baseline: 'plain' | 'hashing'): Figure => ({
    name: `token360 form upload of ${FORM_BYTES / MiB} MiB`,
    unit: 'MB/s',
    value: spread(mbs(runs.assetd)),
    baseline: { name: labels[baseline], value: spread(mbs(runs[baseline])) },
    ratio: ratiosOf(mbs(runs.assetd), mbs(runs[baseline])),
    cpuSecondsPerGiB: cpuPerGiB(runs.assetd),
    peakRssMb: 0,
  });
  return [figure('hashing'), figure('plain')];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-bodies-'));
  const servers: ChildServer[] = [];
  try {
    const assetd = await startAssetd(path.join(dir, 'assetd'), 18961);
    servers.push(assetd);
    const bare = await startChild(
      process.execPath,
      [path.join(root, 'bench/bare-json-server.ts')],
      { BARE_PORT: '18962' },
      'http://127.0.0.1:18962',
      '/',
    );
    servers.push(bare);
    const bareServer = (port: number, hash: string) =>
      startChild(
        process.execPath,
        [path.join(root, 'bench/bare-upload-server.ts')],
        { BARE_DIR: dir, BARE_PORT: String(port), BARE_HASH: hash },
        `http://127.0.0.1:${port}`,
        '/',
      );
    const plain = await bareServer(18963, '');
    servers.push(plain);
    const hashing = await bareServer(18964, 'sha256');
    servers.push(hashing);

    const figures = parts.includes('base64') ? await base64Figures(assetd, bare) : [];
    if (parts.includes('form')) {
      const source = path.join(dir, 'source.wav');
      await makeSource(source, FORM_BYTES);
      const formResults = await formFigures(assetd, plain, hashing, source);
      const peak = await peakRssMb(assetd.pid);
      figures.push(...formResults.map((each) => ({ ...each, peakRssMb: peak })));
    }
    const file = await writeResults('bodies', figures, { rounds, formBytes: FORM_BYTES, imagesPerRound: IMAGES_PER_ROUND });
    console.log(`\nwrote ${path.relative(root, file)}`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
