import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { encodeCursor } from '../packages/server/src/assets/cursor.ts';
import { type ChildServer, row, scratchDatabase, startChild } from './lib.ts';

/**
 * Listing latency deep in a large project: GET /v1/assets?pageSize=50 with a pagination token
 * at a random position in the last fifth of the project, through a real `assetd serve`, on
 * PostgreSQL (BENCH_LISTING_PG_ROWS, default 1,000,000 assets; needs BENCH_DATABASE_URL or
 * TEST_DATABASE_URL) and on SQLite (BENCH_LISTING_SQLITE_ROWS, default 100,000). Baseline, in
 * the same run: the same keyset query sent straight to the database, without HTTP or mapping.
 * Rows are generated with one INSERT … SELECT, not through the API. BENCH_LISTING_REQUESTS: 100.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const auth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const REQUESTS = Number(process.env.BENCH_LISTING_REQUESTS ?? 100);
const PAGE = 50;
const BASE_TIME = Date.parse('2024-01-01T00:00:00.000Z');

/** Generated asset n: created n seconds after BASE_TIME, id padded so ids sort like n. */
const timeOf = (n: number) => new Date(BASE_TIME + n * 1000).toISOString();
const idOf = (n: number) => `asset_${String(n).padStart(24, '0')}`;

/** A token that continues after the asset at position `k` (0-based) of the default order, newest first. */
const tokenAt = (rows: number, k: number) =>
  encodeCursor({ sortBy: 'createdAt', direction: 'desc', value: timeOf(rows - k), id: idOf(rows - k) });

/** Positions in the last fifth of the project, where OFFSET pagination would be slowest. */
const deepPositions = (rows: number) =>
  Array.from({ length: REQUESTS }, () => Math.floor(rows * 0.8 + Math.random() * (rows * 0.2 - PAGE - 1)));

function percentiles(samples: number[]): { p50: string; p99: string } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number).toFixed(2);
  return { p50: `${at(0.5)} ms`, p99: `${at(0.99)} ms` };
}

async function timed(run: () => Promise<unknown>, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

/** Lists pages through HTTP; checks each has a full page, so a broken token cannot look fast. */
async function httpLatencies(server: ChildServer, rows: number): Promise<number[]> {
  const positions = deepPositions(rows);
  let i = 0;
  const once = async () => {
    const token = tokenAt(rows, positions[i++ % positions.length] as number);
    const response = await fetch(`${server.url}/v1/assets?pageSize=${PAGE}&paginationToken=${token}`, { headers: { authorization: auth } });
    const body = (await response.json()) as { assets?: unknown[] };
    if (response.status !== 200 || body.assets?.length !== PAGE) throw new Error(`listing failed: ${response.status}`);
  };
  await timed(once, 5); // warm-up
  i = 0;
  return timed(once, REQUESTS);
}

/**
 * The keyset query with the joins the repository makes, as a baseline for the HTTP figures,
 * with and without the range bound. `(t < v or (t = v and id < i))` alone gives PostgreSQL no
 * range for its index scan, so a deep page reads every row before its position; adding
 * `t <= v` (as assets/asset-repository.ts does) makes the scan start there.
 */
const KEYSET_SQL = (p: (n: number) => string, bounded: boolean) => `
  select a.*, f.storage_key, f.size as f_size, f.sha256, f.mime_type as f_mime, t.storage_key as t_key
  from assets a join files f on f.id = a.file_id left join files t on t.id = a.thumbnail_file_id
  where a.project_id = ${p(1)} ${bounded ? `and a.created_at <= ${p(2)}` : ''}
    and (a.created_at < ${p(2)} or (a.created_at = ${p(2)} and a.id < ${p(3)}))
  order by a.created_at desc, a.id desc limit ${PAGE + 1}`;

function startServer(env: Record<string, string>, dataDir: string, port: number): Promise<ChildServer> {
  return startChild(
    process.execPath,
    [path.join(root, 'packages/cli/src/main.ts'), 'serve'],
    { ...env, PORT: String(port), ASSETD_DATA_DIR: dataDir, ASSETD_API_KEY: KEY, ASSETD_API_SECRET: SECRET, ASSETD_LOG_LEVEL: 'warn' },
    `http://127.0.0.1:${port}`,
    '/readyz',
  );
}

async function postgres(url: string, rows: number, dir: string): Promise<void> {
  const scratch = await scratchDatabase(url);
  const dbUrl = new URL(scratch.url);
  const client = new pg.Client({ connectionString: dbUrl.toString() });
  let server: ChildServer | undefined;
  try {
    server = await startServer({ ASSETD_DATABASE_URL: dbUrl.toString(), ASSETD_RUN_JOBS: 'false' }, path.join(dir, 'pg'), 18931);
    await client.connect();
    const project = (await client.query('select project_id from api_keys where id = $1', [KEY])).rows[0].project_id as string;
    const started = Date.now();
    await client.query(
      `insert into files (id, storage_key, sha256, size, mime_type, ref_count, created_at)
       values ('file_bench', 'objects/ch/file_bench', repeat('0', 64), 1000, 'image/png', $1, $2)`,
      [rows, timeOf(0)],
    );
    await client.query(
      `insert into assets (id, project_id, author_id, kind, mime_type, name, description, source, type, privacy, is_hidden, tags,
         parent_id, root_parent_id, model_id, file_id, thumbnail_file_id, size, width, height, properties, status, created_at, updated_at)
       select 'asset_' || lpad(g::text, 24, '0'), $1, $2, 'image', 'image/png', 'image ' || g, null, 'uploaded', 'uploaded', 'private', 0,
         '[]', null, null, null, 'file_bench', null, 1000, 64, 64, '{"width":64,"height":64,"size":1000}', 'success',
         to_char(timestamp '2024-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         to_char(timestamp '2024-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
       from generate_series(1, $3::int) g`,
      [project, KEY, rows],
    );
    await client.query('analyze');
    console.log(`  PostgreSQL: ${rows.toLocaleString('en')} assets generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const bounded of [false, true]) {
      const positions = deepPositions(rows);
      let i = 0;
      const sqlText = KEYSET_SQL((n) => `$${n}`, bounded);
      const raw = () => {
        const n = rows - (positions[i++ % positions.length] as number);
        return client.query(sqlText, [project, timeOf(n), idOf(n)]);
      };
      await timed(raw, 5);
      console.log(row(`SQL ${bounded ? 'with range bound' : 'no range bound'} (pg)`, percentiles(await timed(raw, REQUESTS))));
    }
    console.log(row('GET /v1/assets (pg)', percentiles(await httpLatencies(server, rows))));
  } finally {
    await server?.stop();
    await client.end().catch(() => {});
    await scratch.drop();
  }
}

async function sqlite(rows: number, dir: string): Promise<void> {
  const dataDir = path.join(dir, 'sqlite');
  const server = await startServer({}, dataDir, 18932);
  const db = new DatabaseSync(path.join(dataDir, 'assetd.db'));
  try {
    db.exec('pragma busy_timeout = 10000');
    const project = (db.prepare('select project_id from api_keys where id = ?').get(KEY) as { project_id: string }).project_id;
    const started = Date.now();
    db.prepare(
      `insert into files (id, storage_key, sha256, size, mime_type, ref_count, created_at)
       values ('file_bench', 'objects/ch/file_bench', ?, 1000, 'image/png', ?, ?)`,
    ).run('0'.repeat(64), rows, timeOf(0));
    db.prepare(
      `with recursive g(n) as (select 1 union all select n + 1 from g where n < ?)
       insert into assets (id, project_id, author_id, kind, mime_type, name, description, source, type, privacy, is_hidden, tags,
         parent_id, root_parent_id, model_id, file_id, thumbnail_file_id, size, width, height, properties, status, created_at, updated_at)
       select 'asset_' || substr('000000000000000000000000' || n, -24), ?, ?, 'image', 'image/png', 'image ' || n, null, 'uploaded',
         'uploaded', 'private', 0, '[]', null, null, null, 'file_bench', null, 1000, 64, 64, '{"width":64,"height":64,"size":1000}',
         'success', strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || n || ' seconds'),
         strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || n || ' seconds')
       from g`,
    ).run(rows, project, KEY);
    db.exec('analyze');
    console.log(`  SQLite: ${rows.toLocaleString('en')} assets generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const bounded of [false, true]) {
      const statement = db.prepare(KEYSET_SQL((n) => `?${n}`, bounded));
      const positions = deepPositions(rows);
      let i = 0;
      const raw = async () => {
        const n = rows - (positions[i++ % positions.length] as number);
        return statement.all(project, timeOf(n), idOf(n));
      };
      await timed(raw, 5);
      console.log(row(`SQL ${bounded ? 'with range bound' : 'no range bound'} (sqlite)`, percentiles(await timed(raw, REQUESTS))));
    }
    console.log(row('GET /v1/assets (sqlite)', percentiles(await httpLatencies(server, rows))));
  } finally {
    db.close();
    await server.stop();
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-listing-'));
try {
  console.log(`Listing latency: ${REQUESTS} requests of pageSize=${PAGE}, each at a random position in the last fifth`);
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (pgUrl) await postgres(pgUrl, Number(process.env.BENCH_LISTING_PG_ROWS ?? 1_000_000), dir);
  else console.log('  PostgreSQL skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to postgres://…');
  await sqlite(Number(process.env.BENCH_LISTING_SQLITE_ROWS ?? 100_000), dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
