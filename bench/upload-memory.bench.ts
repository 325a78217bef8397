import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildServer, type Figure, GiB, MiB, startChild, writeResults } from './lib.ts';
import { AssetdUploads, makeSource, putParts, split } from './upload-clients.ts';

/**
 * Resident memory of `assetd serve` (issue #17: ≤ 150 MB when it runs no jobs, ≤ 250 MB when it
 * also runs them), idle and during one large upload (4 GiB as 8 MiB parts, 4 in flight), beside
 * the bare Node server at offsets taking the same upload (the baseline). Each in a fresh
 * process: idle is the most RSS seen over 2 s once it has been up 3 s; "upload" is the most
 * seen, sampled every 50 ms, from the first part to the end (assetd: to the completion's answer
 * with ASSETD_RUN_JOBS=false, to "imported" when it runs jobs); then idle again. Writes
 * bench/results/upload-memory.json. `--quick`: 1 GiB.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const fileSize = quick ? GiB : 4 * GiB;
const PART = 8 * MiB;
const IN_FLIGHT = 4;
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const GOAL_WITHOUT_JOBS_MB = 150;
const GOAL_WITH_JOBS_MB = 250;

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The most RSS `pid` has while `work` runs, sampled every 50 ms. */
async function peakDuring(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = await rssMb(pid);
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, await rssMb(pid));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  return Math.max(peak, await rssMb(pid));
}

/** One sample, as the JSON's spread of rounds. */
const spreadOf = (value: number) => ({ median: Math.round(value), min: Math.round(value), max: Math.round(value) });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function idleMb(pid: number): Promise<number> {
  await sleep(3000);
  return peakDuring(pid, () => sleep(2000));
}

interface Measured {
  readonly name: string;
  readonly idle: number;
  readonly upload: number;
  /** Idle again once the upload is over (V8 keeps much of what it grew). */
  readonly after: number;
  readonly goal?: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-memory-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const servers: ChildServer[] = [];
  const start = async (args: string[], env: Record<string, string>, at: number, ready: string) => {
    const server = await startChild(process.execPath, args, env, `http://127.0.0.1:${at}`, ready);
    servers.push(server);
    return server;
  };
  const stop = async (server: ChildServer) => {
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
  };
  try {
    const source = path.join(dir, 'source.bin');
    await makeSource(source, fileSize);
    console.log(
      `upload-memory: RSS idle and during ${(fileSize / GiB).toFixed(0)} GiB as 8 MiB parts, ${IN_FLIGHT} in flight, each in a fresh process; load ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`,
    );
    const measured: Measured[] = [];

    const bare = await start([path.join(root, 'bench', 'bare-upload-server.ts')], { BARE_DIR: dir, BARE_PORT: String(port) }, port, '/');
    const bareIdle = await idleMb(bare.pid);
    await fetch(`${bare.url}/?create=1&size=${fileSize}`, { method: 'PUT' });
    const bareParts = split(fileSize, Math.ceil(fileSize / PART), (_n, offset) => `${bare.url}/?offset=${offset}`);
    const bareUpload = await peakDuring(bare.pid, async () => void (await putParts(source, bareParts, IN_FLIGHT)));
    measured.push({ name: 'bare node at offsets', idle: bareIdle, upload: bareUpload, after: await idleMb(bare.pid) });
    await stop(bare);
    await rm(path.join(dir, 'data'), { force: true });

    const cli = path.join(root, 'packages', 'cli', 'src', 'main.ts');
    for (const [name, runJobs, goal] of [
      ['assetd serve, ASSETD_RUN_JOBS=false', false, GOAL_WITHOUT_JOBS_MB],
      ['assetd serve (embedded: runs jobs)', true, GOAL_WITH_JOBS_MB],
    ] as const) {
      const at = port + 1 + measured.length;
      const dataDir = path.join(dir, `assetd-${measured.length}`);
      const server = await start(
        [cli, 'serve'],
        {
          ASSETD_DATA_DIR: dataDir,
          ASSETD_API_KEY: KEY,
          ASSETD_API_SECRET: SECRET,
          ASSETD_LOG_LEVEL: 'warn',
          ASSETD_RUN_JOBS: String(runJobs),
          PORT: String(at),
        },
        at,
        '/readyz',
      );
      const idle = await idleMb(server.pid);
      const client = new AssetdUploads(server.url, KEY, SECRET);
      const upload = await client.create(fileSize, PART);
      const peak = await peakDuring(server.pid, async () => {
        await putParts(source, upload.parts, IN_FLIGHT);
        await client.complete(upload.id);
        if (runJobs) await client.imported(upload.id);
      });
      measured.push({ name, idle, upload: peak, after: await idleMb(server.pid), goal });
      await stop(server);
      await rm(dataDir, { recursive: true, force: true });
    }

    console.log('');
    const figures: Figure[] = [];
    const baseline = measured[0] as Measured;
    for (const each of measured) {
      const vsBare = each === baseline ? undefined : each.upload / baseline.upload;
      const cells = [
        `idle ${each.idle.toFixed(0)} MB`,
        `during the upload ${each.upload.toFixed(0)} MB`,
        `idle after it ${each.after.toFixed(0)} MB`,
        ...(vsBare ? [`${vsBare.toFixed(2)} × bare during it`] : []),
        ...(each.goal ? [`goal ≤ ${each.goal} MB: ${Math.max(each.idle, each.upload, each.after) <= each.goal ? 'met' : 'not met'}`] : []),
      ];
      console.log(`  ${each.name.padEnd(38)}${cells.join(', ')}`);
      for (const [moment, value, base] of [
        ['idle', each.idle, baseline.idle],
        ['during the upload', each.upload, baseline.upload],
        ['idle after the upload', each.after, baseline.after],
      ] as const) {
        figures.push({
          name: `${each.name}, ${moment}`,
          unit: 'MB RSS',
          value: spreadOf(value),
          ...(each === baseline
            ? {}
            : {
                baseline: { name: `${baseline.name}, ${moment}`, value: spreadOf(base) },
                // Lower is better here: × the bare server's RSS at the same moment.
                details: {
                  timesBare: Number((value / base).toFixed(2)),
                  ...(each.goal ? { goalMb: each.goal } : {}),
                },
              }),
        });
      }
    }
    const file = await writeResults('upload-memory', figures, { fileSize, partSize: PART, inFlight: IN_FLIGHT, quick });
    console.log(`\n  figures: ${path.relative(root, file)}`);
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
