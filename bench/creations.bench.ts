import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import sharp from 'sharp';
import { type ChildServer, cpuSeconds, row, scratchDatabase, startChild } from './lib.ts';

/**
 * Asset creations per second with 1 and 2 API processes (`assetd serve`, ASSETD_RUN_JOBS=false)
 * sharing one PostgreSQL database and one local storage folder: POST /v1/assets with a small
 * distinct PNG (base64 JSON, the spec's small path: decode, probe, thumbnail, insert), 8 clients
 * in flight spread over the processes, for BENCH_CREATIONS_SECONDS (default 10) each. Baseline,
 * in the same run: a bare loop of single-row asset INSERTs from 8 connections, the database's
 * own ceiling. Needs BENCH_DATABASE_URL or TEST_DATABASE_URL. On a 2-core machine the client
 * shares the CPU with the servers: the figures are a floor.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const auth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const SECONDS = Number(process.env.BENCH_CREATIONS_SECONDS ?? 10);
const CLIENTS = 8;

/** Distinct small PNGs, so no creation is answered by deduplication. */
async function images(count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      sharp(randomBytes(32 * 32 * 3), { raw: { width: 32, height: 32, channels: 3 } })
        .png()
        .toBuffer()
        .then((png) => JSON.stringify({ image: png.toString('base64'), name: 'bench.png' })),
    ),
  );
}

/** Runs `once` from CLIENTS loops until the time is up; returns how many succeeded per second. */
async function rate(once: (i: number) => Promise<void>): Promise<number> {
  const until = Date.now() + SECONDS * 1000;
  let done = 0;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        await once(next++);
        done++;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

async function main(url: string): Promise<void> {
  const scratch = await scratchDatabase(url);
  const dbUrl = new URL(scratch.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-creations-'));
  const servers: ChildServer[] = [];
  const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: CLIENTS });
  // Dropping the database at the end ends idle connections from the server side: expected.
  pool.on('error', () => {});
  try {
    const start = (port: number) =>
      startChild(
        process.execPath,
        [path.join(root, 'packages/cli/src/main.ts'), 'serve'],
        {
          PORT: String(port),
          ASSETD_DATABASE_URL: dbUrl.toString(),
          ASSETD_DATA_DIR: dir,
          ASSETD_RUN_JOBS: 'false',
          ASSETD_API_KEY: KEY,
          ASSETD_API_SECRET: SECRET,
          ASSETD_SIGNING_SECRET: 'bench-signing-secret-0123456789abcdef',
          ASSETD_LOG_LEVEL: 'warn',
        },
        `http://127.0.0.1:${port}`,
        '/readyz',
      );
    // One at a time: the first migrates the database and creates the key.
    servers.push(await start(18941));
    servers.push(await start(18942));
    const bodies = await images(Math.ceil(SECONDS * 400));
    const project = (await pool.query('select project_id from api_keys where id = $1', [KEY])).rows[0].project_id as string;

    await pool.query(
      `insert into files (id, storage_key, sha256, size, mime_type, ref_count, created_at)
       values ('file_bench', 'objects/ch/file_bench', repeat('0', 64), 1000, 'image/png', 0, '2024-01-01T00:00:00.000Z')`,
    );
    const bare = await rate(async (i) => {
      const now = new Date().toISOString();
      await pool.query(
        `insert into assets (id, project_id, author_id, kind, mime_type, name, source, type, privacy, is_hidden, tags, file_id,
           size, width, height, properties, status, created_at, updated_at)
         values ($1, $2, $3, 'image', 'image/png', 'bench.png', 'uploaded', 'uploaded', 'private', 0, '[]', 'file_bench',
           1000, 32, 32, '{}', 'success', $4, $4)`,
        [`asset_bare${String(i).padStart(20, '0')}`, project, KEY, now],
      );
    });
    console.log(row('bare INSERT loop', { 'rows/s': bare.toFixed(0) }));

    for (const count of [1, 2]) {
      const targets = servers.slice(0, count);
      const cpuBefore = await Promise.all(targets.map((server) => cpuSeconds(server.pid)));
      let offset = count * 100_000;
      const created = await rate(async () => {
        const i = offset++;
        const server = targets[i % targets.length] as ChildServer;
        const response = await fetch(`${server.url}/v1/assets`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: bodies[i % bodies.length] as string,
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`POST /v1/assets: ${response.status}`);
      });
      const cpu = (await Promise.all(targets.map((server) => cpuSeconds(server.pid)))).reduce(
        (sum, after, k) => sum + after - (cpuBefore[k] as number),
        0,
      );
      console.log(
        row(`${count} API process${count > 1 ? 'es' : ''}`, {
          'assets/s': created.toFixed(1),
          'CPU-ms/asset': ((cpu * 1000) / (created * SECONDS)).toFixed(1),
        }),
      );
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await pool.end();
    await scratch.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
console.log(`Asset creations (POST /v1/assets, 32x32 PNG, ${CLIENTS} clients, ${SECONDS} s each) on PostgreSQL`);
if (url) await main(url);
else console.log('  skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to postgres://…');
