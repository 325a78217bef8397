import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ChildServer,
  cpuSeconds,
  type Figure,
  GiB,
  MiB,
  mbPerSecond,
  peakRssMb,
  row,
  showSpread,
  spread,
  startChild,
  writeResults,
} from './lib.ts';
import { AssetdUploads, makeSource, putParts, S3Multipart, split, tusUpload } from './upload-clients.ts';

/**
 * Upload throughput beside the ceiling and the peers, in the same run: one file as 8 MiB parts,
 * 4 in flight, PUT to
 * - a bare Node server writing each part at its offset (the baseline: no framework, no hashing),
 * - assetd's part URLs through its API port (the default), and through its part receiver,
 *   each timed to "bytes accepted" (the last part answered) and to "imported" (complete, the
 *   import job, the asset recorded),
 * - @tus/server + @tus/file-store, driven by tus-js-client in 8 MiB chunks (tus sends one
 *   chunk at a time),
 * - s3rver's multipart API (accepted, and completed: the object assembled).
 * Rounds are interleaved (the order rotates) and repeated; each figure is the median of its
 * rounds with the range, and each ratio the median of per-round ratios to that round's bare
 * server (higher is better). Server CPU-seconds per GiB come from /proc (the server's processes
 * only); peak RSS is VmHWM. Writes bench/results/upload.json.
 * `--quick`: 256 MiB and two rounds; else BENCH_UPLOAD_GIB (1) and BENCH_ROUNDS (3).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const fileSize = quick ? 256 * MiB : Math.round(Number(process.env.BENCH_UPLOAD_GIB ?? 1) * GiB);
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 3));
const PART = 8 * MiB;
const IN_FLIGHT = 4;
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';

interface Measure {
  readonly seconds: number;
  readonly cpu: number;
}

/** One upload: when the bytes were accepted and, where the contender has one, when it was done (imported, completed). */
interface Run {
  readonly accepted: Measure;
  readonly done?: Measure;
  /** assetd: whether the import job took the digest the parts were hashed into as they landed (its log line says). */
  readonly digestFromParts?: boolean;
}

interface Contender {
  readonly name: string;
  /** What "done" means for it, when it has a step after the bytes. */
  readonly done?: string;
  readonly servers: readonly ChildServer[];
  pids(): Promise<number[]>;
  upload(file: string, size: number): Promise<Run>;
}

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

const cpuOf = async (pids: readonly number[]) => (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);

/** Times `accept` (the bytes) and then `finish` (what comes after), with the servers' CPU for each. */
async function measured(pids: readonly number[], accept: () => Promise<void>, finish?: () => Promise<void>): Promise<Run> {
  // Start each run with no dirty pages, so no run pays for the previous one's writeback.
  execFileSync('sync');
  const cpuBefore = await cpuOf(pids);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  await accept();
  const accepted = { seconds: elapsed(), cpu: (await cpuOf(pids)) - cpuBefore };
  if (!finish) return { accepted };
  await finish();
  return { accepted, done: { seconds: elapsed(), cpu: (await cpuOf(pids)) - cpuBefore } };
}

function bareContender(server: ChildServer): Contender {
  return {
    name: 'bare node at offsets',
    servers: [server],
    pids: async () => [server.pid],
    async upload(file, size) {
      await fetch(`${server.url}/?create=1&size=${size}`, { method: 'PUT' });
      const parts = split(size, Math.ceil(size / PART), (_n, start) => `${server.url}/?offset=${start}`);
      return measured([server.pid], async () => void (await putParts(file, parts, IN_FLIGHT)));
    },
  };
}

/** assetd's whole flow; accepted is the PUTs, imported adds complete and the import job. The asset is deleted after (no dedup hit next round). */
function assetdContender(name: string, api: ChildServer): Contender {
  const pids = async () => [api.pid, ...(await childPids(api.pid))];
  const client = new AssetdUploads(api.url, KEY, SECRET);
  return {
    name,
    done: 'imported',
    servers: [api],
    pids,
    async upload(file, size) {
      const upload = await client.create(size, PART);
      let assetId = '';
      const run = await measured(
        await pids(),
        async () => void (await putParts(file, upload.parts, IN_FLIGHT)),
        async () => {
          await client.complete(upload.id);
          assetId = await client.imported(upload.id);
        },
      );
      await client.deleteAsset(assetId);
      return { ...run, digestFromParts: importLine(api.output(), upload.id)?.digest === 'from parts' };
    },
  };
}

/** The import job's log line for an upload (pino JSON: the process logs at info here). */
function importLine(output: string, uploadId: string): { digest?: string } | undefined {
  const line = output.split('\n').find((text) => text.includes('"upload imported"') && text.includes(uploadId));
  return line ? (JSON.parse(line) as { digest?: string }) : undefined;
}

function tusContender(server: ChildServer, dir: string): Contender {
  return {
    name: '@tus/server (tus-js-client)',
    servers: [server],
    pids: async () => [server.pid],
    async upload(file, size) {
      const run = await measured([server.pid], () => tusUpload(`${server.url}/files`, file, size, PART));
      // The uploads are kept by the store: remove them, so the disk holds one round at a time.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      return run;
    },
  };
}

function s3rverContender(server: ChildServer): Contender {
  let n = 0;
  return {
    name: 's3rver multipart',
    done: 'completed',
    servers: [server],
    pids: async () => [server.pid],
    async upload(file, size) {
      const s3 = new S3Multipart(`${server.url}/bench`, `bench-${n++}.bin`);
      const id = await s3.start();
      let etags: string[] = [];
      const run = await measured(
        [server.pid],
        async () => {
          etags = await putParts(
            file,
            split(size, Math.ceil(size / PART), (partNumber) => s3.partUrl(id, partNumber)),
            IN_FLIGHT,
          );
        },
        () => s3.complete(id, etags),
      );
      await s3.delete();
      return run;
    },
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-upload-'));
  const node = process.execPath;
  const servers: ChildServer[] = [];
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const assetdEnv = (name: string) => ({
    ASSETD_DATA_DIR: path.join(dir, name),
    ASSETD_API_KEY: KEY,
    ASSETD_API_SECRET: SECRET,
    // Info, for the import job's line (whether it took the parts' digest); a few dozen request lines a round.
    ASSETD_LOG_LEVEL: 'info',
  });
  const start = async (args: string[], env: Record<string, string>, url: string, ready: string) => {
    const server = await startChild(node, args, env, url, ready);
    servers.push(server);
    return server;
  };
  try {
    const source = path.join(dir, 'source.bin');
    await makeSource(source, fileSize);
    const cli = path.join(root, 'packages', 'cli', 'src', 'main.ts');
    const bare = await start(
      [path.join(root, 'bench', 'bare-upload-server.ts')],
      { BARE_DIR: dir, BARE_PORT: String(port) },
      `http://127.0.0.1:${port}`,
      '/',
    );
    const inline = await start(
      [cli, 'serve'],
      { ...assetdEnv('assetd'), PORT: String(port + 1) },
      `http://127.0.0.1:${port + 1}`,
      '/readyz',
    );
    const withReceiver = await start(
      [cli, 'serve'],
      { ...assetdEnv('assetd-receiver'), PORT: String(port + 2), ASSETD_PARTS_PORT: String(port + 3) },
      `http://127.0.0.1:${port + 2}`,
      '/readyz',
    );
    const tusDir = path.join(dir, 'tus');
    await mkdir(tusDir);
    const tusServer = await start(
      [path.join(root, 'bench', 'peers', 'tus-server.ts')],
      { TUS_DIR: tusDir, TUS_PORT: String(port + 4) },
      `http://127.0.0.1:${port + 4}`,
      '/',
    );
    const s3Dir = path.join(dir, 's3rver');
    await mkdir(s3Dir);
    const s3rver = await start(
      [path.join(root, 'bench', 'peers', 's3rver-server.ts')],
      { S3RVER_DIR: s3Dir, S3RVER_PORT: String(port + 5) },
      `http://127.0.0.1:${port + 5}`,
      '/bench',
    );
    const baseline = bareContender(bare);
    const contenders = [
      baseline,
      assetdContender('assetd (API port)', inline),
      assetdContender('assetd + part receiver', withReceiver),
      tusContender(tusServer, tusDir),
      s3rverContender(s3rver),
    ];
    const gib = fileSize / GiB;
    console.log(
      `upload: ${(fileSize / MiB).toFixed(0)} MiB as ${Math.ceil(fileSize / PART)} × 8 MiB parts, ${IN_FLIGHT} in flight, ${rounds} rounds interleaved; load ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`,
    );
    // Idle memory on these machines is handed back to the host: warm every server up first.
    const warmup = path.join(dir, 'warmup.bin');
    await makeSource(warmup, 64 * MiB);
    for (const contender of contenders) await contender.upload(warmup, 64 * MiB);
    await rm(warmup);

    const runs = new Map<Contender, Run[]>(contenders.map((c) => [c, []]));
    for (let round = 0; round < rounds; round++) {
      const shift = round % contenders.length;
      for (const contender of [...contenders.slice(shift), ...contenders.slice(0, shift)]) {
        runs.get(contender)?.push(await contender.upload(source, fileSize));
      }
    }

    const bareRuns = runs.get(baseline) as Run[];
    const bareRate = spread(bareRuns.map((run) => mbPerSecond(fileSize, run.accepted.seconds)));
    const figures: Figure[] = [];
    const show = (label: string, measures: Measure[], ratios: number[] | undefined, rss: number, detail?: Record<string, string>) => {
      const rate = spread(measures.map((m) => mbPerSecond(fileSize, m.seconds)));
      const cpu = spread(measures.map((m) => m.cpu / gib));
      const ratio = ratios && spread(ratios);
      console.log(
        row(label, {
          'MB/s': showSpread(rate, 0),
          'CPU-s/GiB': showSpread(cpu),
          ...(ratio ? { '× bare': showSpread(ratio) } : {}),
        }),
      );
      figures.push({
        name: label,
        unit: 'MB/s',
        value: rate,
        ...(ratio ? { baseline: { name: baseline.name, value: bareRate }, ratio } : {}),
        cpuSecondsPerGiB: cpu,
        peakRssMb: Math.round(rss),
        ...(detail ? { details: detail } : {}),
      });
    };
    const rssOf = async (contender: Contender) => {
      const pids = await contender.pids();
      return { total: (await Promise.all(pids.map(peakRssMb))).reduce((a, b) => a + b, 0), each: await Promise.all(pids.map(peakRssMb)) };
    };
    console.log('');
    for (const contender of contenders) {
      const own = runs.get(contender) as Run[];
      const rss = await rssOf(contender);
      const perRound = (pick: (run: Run) => Measure) => own.map((run, i) => (bareRuns[i] as Run).accepted.seconds / pick(run).seconds);
      show(
        `${contender.name}, accepted`,
        own.map((run) => run.accepted),
        contender === baseline ? undefined : perRound((run) => run.accepted),
        rss.total,
      );
      if (contender.done) {
        const digests = own.filter((run) => run.digestFromParts !== undefined);
        const detail = digests.length
          ? { 'imports that took the parts digest': `${digests.filter((run) => run.digestFromParts).length}/${digests.length}` }
          : undefined;
        show(
          `${contender.name}, ${contender.done}`,
          own.map((run) => run.done as Measure),
          perRound((run) => run.done as Measure),
          rss.total,
          detail,
        );
        if (detail) console.log(`  ${''.padEnd(22)}${Object.entries(detail).map(([key, value]) => `${key}: ${value}`)}`);
      }
      console.log(`  ${''.padEnd(22)}peak RSS ${rss.each.map((mb) => `${mb.toFixed(0)} MB`).join(' + ')}`);
    }
    const file = await writeResults('upload', figures, { fileSize, partSize: PART, inFlight: IN_FLIGHT, rounds, quick });
    console.log(`\n  figures: ${path.relative(root, file)}`);
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
