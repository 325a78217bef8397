import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildServer, cpuSeconds, GiB, MiB, mbPerSecond, peakRssMb, row, startChild } from './lib.ts';

/**
 * Upload throughput: a file PUT as 8 MiB parts with 4 in flight, and as one part, to assetd's
 * presigned part URLs (local storage) and to a bare Node server doing the same disk I/O and
 * MD5, measured in the same run. Prints MB/s, server CPU-seconds per GiB and peak RSS.
 * BENCH_UPLOAD_GIB sets the file size (default 1).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fileSize = Math.round(Number(process.env.BENCH_UPLOAD_GIB ?? 1) * GiB);
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const auth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;

/** A WAV header and random samples: a real file for the pipeline, incompressible for the disk. */
async function makeSource(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w');
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(size - 8, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(48_000, 24);
  header.writeUInt32LE(192_000, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(size - 44, 40);
  await handle.write(header, 0, 44, 0);
  const block = randomBytes(16 * MiB);
  for (let offset = 44; offset < size; offset += block.length) {
    await handle.write(block, 0, Math.min(block.length, size - offset), offset);
  }
  await handle.close();
}

interface Part {
  readonly url: string;
  readonly start: number;
  readonly end: number;
}

/** PUTs each part's byte range of the file, `concurrency` at a time, over keep-alive connections. */
async function putParts(file: string, parts: readonly Part[], concurrency: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const part = parts[next++] as Part;
      await new Promise<void>((resolve, reject) => {
        const req = request(part.url, { method: 'PUT', agent, headers: { 'content-length': part.end - part.start } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PUT ${part.url}: ${res.statusCode}`))));
        });
        req.on('error', reject);
        createReadStream(file, { start: part.start, end: part.end - 1, highWaterMark: MiB }).pipe(req);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

function split(size: number, count: number, url: (n: number, start: number) => string): Part[] {
  const partSize = Math.ceil(size / count);
  return Array.from({ length: count }, (_, i) => ({
    url: url(i + 1, i * partSize),
    start: i * partSize,
    end: Math.min(size, (i + 1) * partSize),
  }));
}

async function json(url: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(url, { ...init, headers: { authorization: auth, 'content-type': 'application/json', ...init.headers } });
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

interface Measure {
  readonly seconds: number;
  readonly cpu: number;
}

/** The processes a server runs as: assetd with a part receiver is two. */
interface Contender {
  readonly label: string;
  readonly server: ChildServer;
  pids(): Promise<number[]>;
}

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

const cpuOf = async (pids: readonly number[]) => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);

async function measured(pids: readonly number[], work: () => Promise<void>): Promise<Measure> {
  // Start each run with no dirty pages, so no run pays for the previous one's writeback.
  execFileSync('sync');
  const cpuBefore = await cpuOf(pids);
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, cpu: (await cpuOf(pids)) - cpuBefore };
}

async function bareUpload(bare: ChildServer, file: string, size: number, count: number, concurrency: number): Promise<Measure> {
  await fetch(`${bare.url}/?create=1&size=${size}`, { method: 'PUT' });
  return measured([bare.pid], () =>
    putParts(
      file,
      split(size, count, (_n, start) => `${bare.url}/?offset=${start}`),
      concurrency,
    ),
  );
}

/** The whole flow against assetd; the measured part is the PUTs, as for the baseline. Complete and import are timed apart. */
async function assetdUpload(contender: Contender, file: string, size: number, count: number, concurrency: number) {
  const { server } = contender;
  const { upload } = (await json(`${server.url}/v1/uploads`, {
    method: 'POST',
    body: JSON.stringify({ fileName: 'bench.wav', contentType: 'audio/wav', kind: 'audio', parts: count, fileSize: size }),
  })) as { upload: { id: string; parts: Array<{ number: number; url: string }> } };
  const urls = new Map(upload.parts.map((part) => [part.number, part.url]));
  const puts = await measured(await contender.pids(), () =>
    putParts(
      file,
      split(size, count, (n) => urls.get(n) as string),
      concurrency,
    ),
  );
  const started = Date.now();
  await json(`${server.url}/v1/uploads/${upload.id}/action`, { method: 'POST', body: JSON.stringify({ action: 'complete' }) });
  const completeMs = Date.now() - started;
  for (;;) {
    const { upload: state } = (await json(`${server.url}/v1/uploads/${upload.id}`)) as {
      upload: { status: string; errorMessage?: string };
    };
    if (state.status === 'imported') break;
    if (state.status === 'failed') throw new Error(`bench upload failed: ${state.errorMessage}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { puts, completeMs, importedMs: Date.now() - started };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-upload-'));
  const source = path.join(dir, 'source.wav');
  const node = process.execPath;
  let bare: ChildServer | undefined;
  let assetd: ChildServer | undefined;
  let second: ChildServer | undefined;
  try {
    await makeSource(source, fileSize);
    const barePort = 20_000 + Math.floor(Math.random() * 20_000);
    const assetdPort = barePort + 1;
    bare = await startChild(
      node,
      [path.join(root, 'bench', 'bare-upload-server.ts')],
      { BARE_DIR: dir, BARE_PORT: String(barePort) },
      `http://127.0.0.1:${barePort}`,
      '/',
    );
    assetd = await startChild(
      node,
      [path.join(root, 'packages', 'cli', 'src', 'main.ts'), 'serve'],
      {
        PORT: String(assetdPort),
        ASSETD_DATA_DIR: path.join(dir, 'assetd'),
        ASSETD_API_KEY: KEY,
        ASSETD_API_SECRET: SECRET,
        ASSETD_LOG_LEVEL: 'warn',
      },
      `http://127.0.0.1:${assetdPort}`,
      '/readyz',
    );
    const receiverPort = assetdPort + 1;
    const assetdWithReceiver = await startChild(
      node,
      [path.join(root, 'packages', 'cli', 'src', 'main.ts'), 'serve'],
      {
        PORT: String(receiverPort + 1),
        ASSETD_PARTS_PORT: String(receiverPort),
        ASSETD_DATA_DIR: path.join(dir, 'assetd-receiver'),
        ASSETD_API_KEY: KEY,
        ASSETD_API_SECRET: SECRET,
        ASSETD_LOG_LEVEL: 'warn',
      },
      `http://127.0.0.1:${receiverPort + 1}`,
      '/readyz',
    );
    second = assetdWithReceiver;
    const inlineServer = assetd;
    const inline: Contender = { label: 'assetd', server: inlineServer, pids: async () => [inlineServer.pid] };
    const withReceiver: Contender = {
      label: 'assetd + part receiver',
      server: assetdWithReceiver,
      pids: async () => [assetdWithReceiver.pid, ...(await childPids(assetdWithReceiver.pid))],
    };
    const contenders = [inline, withReceiver];
    const gib = fileSize / GiB;
    console.log(`upload: a ${gib} GiB file to presigned part URLs (local storage); baseline: bare Node http, same I/O, same run`);
    // Idle memory on these machines is handed back to the host: warm both servers up first.
    // A whole file of its own: the first part of the big one would be (rightly) refused as truncated.
    const warmup = path.join(dir, 'warmup.wav');
    const warmupSize = Math.min(fileSize, 256 * MiB);
    await makeSource(warmup, warmupSize);
    await bareUpload(bare, warmup, warmupSize, 32, 4);
    for (const contender of contenders) await assetdUpload(contender, warmup, warmupSize, 32, 4);
    for (const [count, concurrency] of [
      [Math.ceil(fileSize / (8 * MiB)), 4],
      [1, 1],
    ] as const) {
      console.log(`\n  ${count} part${count === 1 ? '' : 's'}${count > 1 ? ` of 8 MiB, ${concurrency} in flight` : ''}`);
      // MB/s moves ±20–40% between runs here, and whoever writes first after a pause pays for the VM
      // handing memory back: three rounds, the order rotated so each goes first, middle and last
      // once, and the best run of each.
      const baselines: Measure[] = [];
      const ours = new Map<Contender, Array<Awaited<ReturnType<typeof assetdUpload>>>>(contenders.map((c) => [c, []]));
      const entrants: Array<Contender | 'bare'> = ['bare', ...contenders];
      for (let round = 0; round < entrants.length; round++) {
        for (const entrant of [...entrants.slice(round), ...entrants.slice(0, round)]) {
          if (entrant === 'bare') baselines.push(await bareUpload(bare, source, fileSize, count, concurrency));
          else ours.get(entrant)?.push(await assetdUpload(entrant, source, fileSize, count, concurrency));
        }
      }
      const baseline = baselines.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
      const baseRate = mbPerSecond(fileSize, baseline.seconds);
      console.log(row('bare node', { 'MB/s': baseRate.toFixed(0), 'CPU-s/GiB': (baseline.cpu / gib).toFixed(2) }));
      for (const contender of contenders) {
        const best = (ours.get(contender) ?? []).reduce((a, b) => (a.puts.seconds <= b.puts.seconds ? a : b));
        const rate = mbPerSecond(fileSize, best.puts.seconds);
        console.log(
          row(contender.label, {
            'MB/s': rate.toFixed(0),
            'CPU-s/GiB': (best.puts.cpu / gib).toFixed(2),
            'x bare (MB/s)': (rate / baseRate).toFixed(2),
          }),
        );
      }
    }
    const receiverRss = await Promise.all((await childPids(assetdWithReceiver.pid)).map(peakRssMb));
    console.log(
      `\n  peak RSS: assetd ${(await peakRssMb(assetd.pid)).toFixed(0)} MB; with a part receiver: API ${(await peakRssMb(assetdWithReceiver.pid)).toFixed(0)} MB, receiver ${receiverRss.map((mb) => mb.toFixed(0)).join(', ')} MB; bare node ${(await peakRssMb(bare.pid)).toFixed(0)} MB`,
    );
  } finally {
    await bare?.stop();
    await assetd?.stop();
    await second?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
