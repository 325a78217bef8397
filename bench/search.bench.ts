import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { type ChildServer, row, scratchDatabase, startAssetd } from './lib.ts';

/**
 * Name search (`GET /v1/assets?search=`) in a project of BENCH_SEARCH_ROWS (100,000) assets,
 * through a real `assetd serve`: a rare substring (a few dozen matches) and a common word (one
 * asset in eight), BENCH_SEARCH_REQUESTS (50) requests each. On PostgreSQL (BENCH_DATABASE_URL or
 * TEST_DATABASE_URL) with the trigram index of migration 011, then, as the baseline in the same
 * run, with that index dropped; on SQLite, which has no index for it (a scan of the project).
 */
const ROWS = Number(process.env.BENCH_SEARCH_ROWS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_SEARCH_REQUESTS ?? 50);
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const auth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const WORDS = ['hero', 'villain', 'sword', 'shield', 'tree', 'rock', 'castle', 'dragon'];
/** Names are `<word>_<32 hex chars>.png`: four given hex characters occur in a few dozen of 100,000. */
const RARE = 'c0ffe';
const COMMON = 'DRAGON';

const startServer = (env: Record<string, string>, dataDir: string, port: number): Promise<ChildServer> =>
  startAssetd(port, { ...env, ASSETD_DATA_DIR: dataDir, ASSETD_API_KEY: KEY, ASSETD_API_SECRET: SECRET, ASSETD_LOG_LEVEL: 'warn' });

async function latencies(server: ChildServer, search: string): Promise<{ p50: string; p99: string; matches: string }> {
  let matches = 0;
  const once = async () => {
    const response = await fetch(`${server.url}/v1/assets?pageSize=50&search=${encodeURIComponent(search)}`, {
      headers: { authorization: auth },
    });
    const body = (await response.json()) as { assets?: unknown[] };
    if (response.status !== 200 || !body.assets) throw new Error(`search failed: ${response.status}`);
    matches = body.assets.length;
  };
  for (let i = 0; i < 3; i++) await once(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = process.hrtime.bigint();
    await once();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const sorted = samples.sort((a, b) => a - b);
  const at = (q: number) => `${(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number).toFixed(2)} ms`;
  return { p50: at(0.5), p99: at(0.99), matches: `${matches}${matches === 50 ? '+' : ''}` };
}

/** The same names on both databases: a word, then the MD5 of the row number. */
const NAME_PG = `(array[${WORDS.map((word) => `'${word}'`).join(',')}])[1 + g % ${WORDS.length}] || '_' || md5(g::text) || '.png'`;

async function postgres(url: string, dir: string): Promise<void> {
  const scratch = await scratchDatabase(url);
  const client = new pg.Client({ connectionString: scratch.url });
  let server: ChildServer | undefined;
  try {
    server = await startServer({ ASSETD_DATABASE_URL: scratch.url, ASSETD_RUN_JOBS: 'false' }, path.join(dir, 'pg'), 18951);
    await client.connect();
    const project = (await client.query('select project_id from api_keys where id = $1', [KEY])).rows[0].project_id as string;
    await client.query(
      `insert into files (id, storage_key, sha256, size, mime_type, ref_count, created_at)
       values ('file_bench', 'objects/ch/file_bench', repeat('0', 64), 1000, 'image/png', $1, '2024-01-01T00:00:00.000Z')`,
      [ROWS],
    );
    await client.query(
      `insert into assets (id, project_id, author_id, kind, mime_type, name, description, source, type, privacy, is_hidden, tags,
         parent_id, root_parent_id, model_id, file_id, thumbnail_file_id, size, width, height, properties, status, created_at, updated_at)
       select 'asset_' || lpad(g::text, 24, '0'), $1, $2, 'image', 'image/png', ${NAME_PG}, null, 'uploaded', 'uploaded', 'private', 0,
         '[]', null, null, null, 'file_bench', null, 1000, 64, 64, '{"width":64,"height":64,"size":1000}', 'success',
         to_char(timestamp '2024-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         to_char(timestamp '2024-01-01' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
       from generate_series(1, $3::int) g`,
      [project, KEY, ROWS],
    );
    await client.query('analyze');
    for (const [label, search] of [
      ['rare', RARE],
      ['common', COMMON],
    ] as const) {
      console.log(row(`${label} (pg, trigram index)`, await latencies(server, search)));
    }
    await client.query('drop index assets_name_trgm');
    await client.query('analyze');
    for (const [label, search] of [
      ['rare', RARE],
      ['common', COMMON],
    ] as const) {
      console.log(row(`${label} (pg, no index)`, await latencies(server, search)));
    }
  } finally {
    await server?.stop();
    await client.end().catch(() => {});
    await scratch.drop();
  }
}

async function sqlite(dir: string): Promise<void> {
  const dataDir = path.join(dir, 'sqlite');
  const server = await startServer({ ASSETD_RUN_JOBS: 'false' }, dataDir, 18952);
  const db = new DatabaseSync(path.join(dataDir, 'assetd.db'));
  try {
    db.exec('pragma busy_timeout = 10000');
    const project = (db.prepare('select project_id from api_keys where id = ?').get(KEY) as { project_id: string }).project_id;
    db.prepare(
      `insert into files (id, storage_key, sha256, size, mime_type, ref_count, created_at)
       values ('file_bench', 'objects/ch/file_bench', ?, 1000, 'image/png', ?, '2024-01-01T00:00:00.000Z')`,
    ).run('0'.repeat(64), ROWS);
    // SQLite has no md5(): the PostgreSQL names are made there and copied here.
    const names = await postgresNames();
    const insert = db.prepare(
      `insert into assets (id, project_id, author_id, kind, mime_type, name, description, source, type, privacy, is_hidden, tags,
         parent_id, root_parent_id, model_id, file_id, thumbnail_file_id, size, width, height, properties, status, created_at, updated_at)
       values (?, ?, ?, 'image', 'image/png', ?, null, 'uploaded', 'uploaded', 'private', 0, '[]', null, null, null, 'file_bench', null,
         1000, 64, 64, '{"width":64,"height":64,"size":1000}', 'success', ?, ?)`,
    );
    db.exec('begin');
    for (let g = 1; g <= ROWS; g++) {
      const at = new Date(Date.parse('2024-01-01T00:00:00.000Z') + g * 1000).toISOString();
      insert.run(`asset_${String(g).padStart(24, '0')}`, project, KEY, names[g - 1] ?? `image ${g}`, at, at);
    }
    db.exec('commit');
    db.exec('analyze');
    for (const [label, search] of [
      ['rare', RARE],
      ['common', COMMON],
    ] as const) {
      console.log(row(`${label} (sqlite, scan)`, await latencies(server, search)));
    }
  } finally {
    db.close();
    await server.stop();
  }
}

/** The names of rows 1…ROWS as PostgreSQL makes them, or plain ones without PostgreSQL. */
async function postgresNames(): Promise<string[]> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) return Array.from({ length: ROWS }, (_, i) => `${WORDS[(i + 1) % WORDS.length]}_${(i * 2654435761).toString(16)}.png`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(`select ${NAME_PG} as name from generate_series(1, $1::int) g order by g`, [ROWS]);
    return result.rows.map((each: { name: string }) => each.name);
  } finally {
    await client.end();
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-search-'));
try {
  console.log(`Name search in ${ROWS.toLocaleString('en')} assets: "${RARE}" (rare) and "${COMMON}" (one in ${WORDS.length}), pageSize=50`);
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (pgUrl) await postgres(pgUrl, dir);
  else console.log('  PostgreSQL skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to postgres://…');
  await sqlite(dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
