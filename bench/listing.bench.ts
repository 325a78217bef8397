import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { encodeCursor } from '../packages/server/src/assets/cursor.ts';
import { type ChildServer, type Figure, row, scratchDatabase, spread, startAssetd, writeResults } from './lib.ts';

/**
 * Listing latency in a large project, for every filter of `GET /v1/assets` (pageSize 50), through
 * a real `assetd serve`: on PostgreSQL (BENCH_LISTING_PG_ROWS, default 1,000,000 assets; needs
 * BENCH_DATABASE_URL or TEST_DATABASE_URL) and on SQLite (BENCH_LISTING_SQLITE_ROWS, 100,000).
 * Per filter, BENCH_LISTING_REQUESTS (100) requests: 40 pages followed by their pagination token
 * from the first, and 60 deep pages (a token at a random position in the last 80–100% of the
 * filter's matches). Every answer is checked for its page size, so a broken filter cannot look
 * fast. Baselines in the same run: the unfiltered listing (each filter's ratio is its p99 against
 * it: higher is better), and that listing's keyset query sent straight to the database.
 * The data mixes common and rare values, each filter asked for its rarest: kinds (image 90%,
 * audio 6%, video 3%, 3d 1%), types (2% generated), authors (0.1% rare), tags (10% each of ten,
 * 0.1% "rare"), collections (10% and 0.1%), parents (20 children each), 10% public, files shared
 * by 100 assets each (sha256), updatedAt in another order than createdAt, names `<word>_<hex>`.
 * Rows are generated in SQL, not through the API. Writes bench/results/listing.json.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KEY = 'key_bench';
const SECRET = 'bench-secret-0123456789abcdef';
const auth = `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`;
const REQUESTS = Number(process.env.BENCH_LISTING_REQUESTS ?? 100);
const CHAINED = Math.round(REQUESTS * 0.4);
const PAGE = 50;
const BASE = '2024-01-01T00:00:00.000Z';
const FILES = 10_000;
const KEYSET = (p: (n: number) => string) =>
  `select * from assets where project_id = ${p(1)} and created_at <= ${p(2)} and (created_at < ${p(2)} or (created_at = ${p(2)} and id < ${p(3)}))
   order by created_at desc, id desc limit ${PAGE + 1}`;

const timeOf = (n: number) => new Date(Date.parse(BASE) + n * 1000).toISOString();
const idOf = (n: number) => `asset_${String(n).padStart(24, '0')}`;

/** One filter of the list API: its query string and the same condition in SQL (to find deep positions). */
interface Filter {
  readonly name: string;
  readonly query: string;
  readonly sql: string;
  readonly sortBy?: 'createdAt' | 'updatedAt';
  readonly direction?: 'asc' | 'desc';
}

function filters(rows: number, sha256: string): Filter[] {
  const parent = idOf(1001);
  return [
    { name: 'none', query: '', sql: 'true' },
    { name: 'kind=3d (1%)', query: 'kind=3d', sql: "kind = '3d'" },
    { name: 'kind=audio (6%)', query: 'kind=audio', sql: "kind = 'audio'" },
    { name: 'type=generated (2%)', query: 'type=generated', sql: "type = 'generated'" },
    { name: 'tags=t3 (10%)', query: 'tags=t3', sql: "exists (select 1 from asset_tags t where t.asset_id = a.id and t.tag = 't3')" },
    { name: 'tags=rare (0.1%)', query: 'tags=rare', sql: "exists (select 1 from asset_tags t where t.asset_id = a.id and t.tag = 'rare')" },
    {
      name: 'tags=t0,rare (0.1%)',
      query: 'tags=t0,rare',
      sql: "exists (select 1 from asset_tags t where t.asset_id = a.id and t.tag = 't0') and exists (select 1 from asset_tags t where t.asset_id = a.id and t.tag = 'rare')",
    },
    {
      name: 'collection (10%)',
      query: 'collectionId=col_big',
      sql: "exists (select 1 from collection_assets c where c.asset_id = a.id and c.collection_id = 'col_big')",
    },
    {
      name: 'collection (0.1%)',
      query: 'collectionId=col_small',
      sql: "exists (select 1 from collection_assets c where c.asset_id = a.id and c.collection_id = 'col_small')",
    },
    { name: 'parentAssetId', query: `parentAssetId=${parent}`, sql: `parent_id = '${parent}'` },
    { name: 'rootAssetId', query: `rootAssetId=${parent}`, sql: `root_parent_id = '${parent}'` },
    { name: 'authorId (0.1%)', query: 'authorId=author_rare', sql: "author_id = 'author_rare'" },
    {
      name: 'created window (10%)',
      query: `createdAfter=${timeOf(rows * 0.5)}&createdBefore=${timeOf(rows * 0.6)}`,
      sql: `created_at > '${timeOf(rows * 0.5)}' and created_at < '${timeOf(rows * 0.6)}'`,
    },
    { name: 'updatedAt desc', query: 'sortBy=updatedAt&sortDirection=desc', sql: 'true', sortBy: 'updatedAt', direction: 'desc' },
    { name: 'updatedAt asc', query: 'sortBy=updatedAt&sortDirection=asc', sql: 'true', sortBy: 'updatedAt', direction: 'asc' },
    { name: 'createdAt asc', query: 'sortDirection=asc', sql: 'true', direction: 'asc' },
    {
      name: 'kind=3d, updatedAt',
      query: 'kind=3d&sortBy=updatedAt',
      sql: "kind = '3d'",
      sortBy: 'updatedAt',
      direction: 'desc',
    },
    { name: 'sha256 (1 in 10,000)', query: `sha256=${sha256}`, sql: `file_id = 'file_${sha256.slice(-6)}'` },
    { name: 'privacy=public (10%)', query: 'privacy=public', sql: "privacy = 'public'" },
    { name: 'search common (1/8)', query: 'search=dragon', sql: "lower(name) like '%dragon%'" },
    { name: 'search rare', query: 'search=abc1', sql: "lower(name) like '%abc1%'" },
  ];
}

/**
 * The generated project, in SQL both engines run (`g` is the row number, 1…rows). Kinds, types,
 * authors, privacy, parents, files and names follow from g; updated_at is a permutation of the
 * creation times (7919 is prime), so the two sorts disagree.
 */
const ASSET_COLUMNS = `id, project_id, author_id, kind, mime_type, name, description, source, type, privacy, is_hidden, tags,
  parent_id, root_parent_id, model_id, file_id, thumbnail_file_id, size, width, height, properties, status, created_at, updated_at`;
/** An integer expression as text, zero-padded to `width` (lpad on PostgreSQL, substr on SQLite). */
type Pad = (expr: string, width: number) => string;

const assetValues = (hex: string, time: (expr: string) => string, pad: Pad) => `
  'asset_' || ${pad('g', 24)}, $project,
  case when g % 1000 = 0 then 'author_rare' when g % 20 = 0 then 'author_2' else '${KEY}' end,
  case when g % 100 < 90 then 'image' when g % 100 < 96 then 'audio' when g % 100 < 99 then 'video' else '3d' end,
  'image/png',
  (case g % 8 when 0 then 'hero' when 1 then 'villain' when 2 then 'sword' when 3 then 'shield' when 4 then 'tree'
    when 5 then 'rock' when 6 then 'castle' else 'dragon' end) || '_' || ${hex},
  null, 'uploaded', case when g % 50 = 0 then 'generated' else 'uploaded' end,
  case when g % 10 = 0 then 'public' else 'private' end, 0,
  case when g % 1000 = 0 then '["t' || (g % 10) || '","rare"]' else '["t' || (g % 10) || '"]' end,
  case when g % 1000 between 2 and 21 then 'asset_' || ${pad('(g - g % 1000 + 1)', 24)} end,
  case when g % 1000 between 2 and 21 then 'asset_' || ${pad('(g - g % 1000 + 1)', 24)} end,
  null, 'file_' || ${pad(`(g % ${FILES})`, 6)}, null, 1000, 64, 64, '{"width":64,"height":64,"size":1000}', 'success',
  ${time('g')}, ${time(`((cast(g as bigint) * 7919) % $rows + 1)`)}`;

/**
 * The fixed rows beside the assets: files (sha256 = 58 zeros + the file number, 0…FILES-1, from
 * `series`, a row source of g), collections, tags and memberships (both follow from the id's number).
 */
const FIXTURE_SQL = (series: string, pad: Pad) => [
  `insert into files (id, storage_key, sha256, size, mime_type, ref_count, created_at)
   select 'file_' || ${pad('g', 6)}, 'objects/ch/file_' || g, '${'0'.repeat(58)}' || ${pad('g', 6)},
     1000, 'image/png', 100, '${BASE}' from ${series}`,
  `insert into collections (id, project_id, name, created_at, updated_at) values
   ('col_big', $project, 'big', '${BASE}', '${BASE}'), ('col_small', $project, 'small', '${BASE}', '${BASE}')`,
  `insert into asset_tags (asset_id, tag) select id, 't' || (cast(substr(id, 7) as bigint) % 10) from assets`,
  `insert into asset_tags (asset_id, tag) select id, 'rare' from assets where cast(substr(id, 7) as bigint) % 1000 = 0`,
  `insert into collection_assets (collection_id, asset_id, created_at)
   select 'col_big', id, created_at from assets where cast(substr(id, 7) as bigint) % 10 = 0`,
  `insert into collection_assets (collection_id, asset_id, created_at)
   select 'col_small', id, created_at from assets where cast(substr(id, 7) as bigint) % 1000 = 1`,
];

/** Keyset positions deep in the unfiltered listing, for the raw SQL baseline. */
function deepRows(rows: ReadonlyArray<{ v: string; id: string }>): Array<{ v: string; id: string }> {
  return Array.from(
    { length: REQUESTS },
    () => rows[Math.floor(rows.length * 0.8 + Math.random() * (rows.length * 0.2 - 1))] as { v: string; id: string },
  );
}

/** The token continuing after the row at position k of the filter's matches (found in SQL, untimed). */
type Positions = (filter: Filter) => Promise<string[]>;

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

interface Latencies {
  readonly filter: string;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly deepP99: number;
  readonly matches: number;
}

async function measure(server: ChildServer, filter: Filter, tokens: string[], matches: number): Promise<Latencies> {
  const base = `${server.url}/v1/assets?pageSize=${PAGE}${filter.query ? `&${filter.query}` : ''}`;
  const get = async (token?: string): Promise<{ ms: number; next?: string }> => {
    const started = process.hrtime.bigint();
    const response = await fetch(token ? `${base}&paginationToken=${token}` : base, { headers: { authorization: auth } });
    const body = (await response.json()) as { assets?: unknown[]; nextPaginationToken?: string };
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (response.status !== 200) throw new Error(`${filter.name}: ${response.status} ${JSON.stringify(body)}`);
    const full = body.assets?.length === PAGE || (body.assets !== undefined && !body.nextPaginationToken);
    if (!full || (body.assets?.length === 0 && matches > 0 && !token))
      throw new Error(`${filter.name}: a short page (${body.assets?.length})`);
    return { ms, ...(body.nextPaginationToken ? { next: body.nextPaginationToken } : {}) };
  };
  for (let i = 0; i < 3; i++) await get(); // warm-up
  const chained: number[] = [];
  let token: string | undefined;
  while (chained.length < CHAINED) {
    const page = await get(token);
    chained.push(page.ms);
    token = page.next;
  }
  const deep: number[] = [];
  for (const each of tokens) deep.push((await get(each)).ms);
  const all = [...chained, ...deep].sort((a, b) => a - b);
  const deepSorted = deep.sort((a, b) => a - b);
  return {
    filter: filter.name,
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    max: all.at(-1) as number,
    deepP99: deepSorted.length ? percentile(deepSorted, 0.99) : 0,
    matches,
  };
}

/** Runs every filter; prints and returns their latencies. */
async function runFilters(
  engine: string,
  server: ChildServer,
  list: readonly Filter[],
  positions: Positions,
  matchesOf: (f: Filter) => Promise<number>,
) {
  const results: Latencies[] = [];
  for (const filter of list) {
    const result = await measure(server, filter, await positions(filter), await matchesOf(filter));
    results.push(result);
    console.log(
      row(`${filter.name} (${engine})`, {
        'p50 ms': result.p50.toFixed(2),
        'p99 ms': result.p99.toFixed(2),
        'deep p99 ms': result.deepP99.toFixed(2),
        matches: result.matches.toLocaleString('en'),
      }),
    );
  }
  return results;
}

function tokensFrom(filter: Filter, rows: Array<{ v: string; id: string }>): string[] {
  const sortBy = filter.sortBy ?? 'createdAt';
  const direction = filter.direction ?? 'desc';
  const count = REQUESTS - CHAINED;
  if (rows.length <= PAGE) return [];
  return Array.from({ length: count }, () => {
    const k = Math.floor(rows.length * 0.8 + Math.random() * (rows.length * 0.2 - 1));
    const at = rows[Math.min(k, rows.length - 1)] as { v: string; id: string };
    return encodeCursor({ sortBy, direction, value: at.v, id: at.id });
  });
}

const orderOf = (filter: Filter) => {
  const column = filter.sortBy === 'updatedAt' ? 'updated_at' : 'created_at';
  const direction = filter.direction ?? 'desc';
  return { column, sql: `order by ${column} ${direction}, id ${direction}` };
};

const figuresOf = (engine: string, rows: number, results: readonly Latencies[], raw: number[]): Figure[] => {
  const none = results[0] as Latencies;
  return [
    {
      name: `keyset SQL without HTTP, ${engine}, ${rows} assets`,
      unit: 'ms p50 / p99',
      value: { median: percentile(raw, 0.5), min: percentile(raw, 0), max: percentile(raw, 0.99) },
    },
    ...results.map((result) => ({
      name: `GET /v1/assets ${result.filter}, ${engine}, ${rows} assets`,
      unit: 'ms (median p50, range p50–p99)',
      value: { median: result.p50, min: result.p50, max: result.p99 },
      baseline: { name: `GET /v1/assets unfiltered, ${engine}`, value: { median: none.p50, min: none.p50, max: none.p99 } },
      ratio: spread([none.p99 / result.p99]),
      details: { p50: result.p50, p99: result.p99, max: result.max, deepP99: result.deepP99, matches: result.matches },
    })),
  ];
};

const startServer = (env: Record<string, string>, dataDir: string, port: number): Promise<ChildServer> =>
  startAssetd(port, { ...env, ASSETD_DATA_DIR: dataDir, ASSETD_API_KEY: KEY, ASSETD_API_SECRET: SECRET, ASSETD_LOG_LEVEL: 'warn' });

const SHA = (n: number) => `${'0'.repeat(58)}${String(n).padStart(6, '0')}`;

async function timedRaw(run: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < 5 + REQUESTS; i++) {
    const started = process.hrtime.bigint();
    await run();
    if (i >= 5) samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

async function postgres(url: string, rows: number, dir: string): Promise<Figure[]> {
  const scratch = await scratchDatabase(url);
  const dbUrl = new URL(scratch.url);
  const client = new pg.Client({ connectionString: dbUrl.toString() });
  let server: ChildServer | undefined;
  try {
    server = await startServer({ ASSETD_DATABASE_URL: dbUrl.toString(), ASSETD_RUN_JOBS: 'false' }, path.join(dir, 'pg'), 18931);
    await client.connect();
    const project = (await client.query('select project_id from api_keys where id = $1', [KEY])).rows[0].project_id as string;
    const started = Date.now();
    const bind = (text: string) => text.replaceAll('$project', `'${project}'`).replaceAll('$rows', String(rows));
    const pad: Pad = (n, width) => `lpad((${n})::text, ${width}, '0')`;
    const [files, ...rest] = FIXTURE_SQL(`generate_series(0, ${FILES - 1}) g`, pad);
    await client.query(bind(files as string));
    await client.query(
      bind(
        `insert into assets (${ASSET_COLUMNS}) select ${assetValues(
          'to_hex((g::bigint * 2654435761) % 4294967296)',
          (n) => `to_char(timestamp '2024-01-01' + (${n}) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
          pad,
        )} from generate_series(1, ${rows}) g`,
      ),
    );
    for (const statement of rest) await client.query(bind(statement));
    await client.query('vacuum analyze');
    console.log(`  PostgreSQL: ${rows.toLocaleString('en')} assets generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const deep = deepRows((await client.query('select created_at as v, id from assets order by created_at desc, id desc')).rows);
    const text = KEYSET((n) => `$${n}`);
    let i = 0;
    const raw = await timedRaw(async () => {
      const at = deep[i++ % deep.length] as { v: string; id: string };
      return client.query(text, [project, at.v, at.id]);
    });
    console.log(row('keyset SQL (pg)', { 'p50 ms': percentile(raw, 0.5).toFixed(2), 'p99 ms': percentile(raw, 0.99).toFixed(2) }));
    const list = filters(rows, SHA(1234));
    const matched = (filter: Filter) =>
      client.query(
        `select ${orderOf(filter).column} as v, id from assets a where project_id = $1 and ${filter.sql} ${orderOf(filter).sql}`,
        [project],
      );
    const results = await runFilters(
      'pg',
      server,
      list,
      async (filter) => tokensFrom(filter, (await matched(filter)).rows),
      async (filter) => (await matched(filter)).rowCount ?? 0,
    );
    return figuresOf('PostgreSQL', rows, results, raw);
  } finally {
    await server?.stop();
    await client.end().catch(() => {});
    await scratch.drop();
  }
}

async function sqlite(rows: number, dir: string): Promise<Figure[]> {
  const dataDir = path.join(dir, 'sqlite');
  const server = await startServer({ ASSETD_RUN_JOBS: 'false' }, dataDir, 18932);
  const db = new DatabaseSync(path.join(dataDir, 'assetd.db'));
  try {
    db.exec('pragma busy_timeout = 10000');
    const project = (db.prepare('select project_id from api_keys where id = ?').get(KEY) as { project_id: string }).project_id;
    const started = Date.now();
    const bind = (text: string) => text.replaceAll('$project', `'${project}'`).replaceAll('$rows', String(rows));
    const series = (first: number, last: number) =>
      `(with recursive s(g) as (select ${first} union all select g + 1 from s where g < ${last}) select g from s)`;
    const pad: Pad = (n, width) => `substr('${'0'.repeat(24)}' || (${n}), -${width})`;
    const [files, ...rest] = FIXTURE_SQL(series(0, FILES - 1), pad);
    db.exec('begin');
    db.exec(bind(files as string));
    db.exec(
      bind(
        `insert into assets (${ASSET_COLUMNS}) select ${assetValues(
          "printf('%x', (g * 2654435761) % 4294967296)",
          (n) => `strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01', '+' || (${n}) || ' seconds')`,
          pad,
        )} from ${series(1, rows)}`,
      ),
    );
    for (const statement of rest) db.exec(bind(statement));
    db.exec('commit');
    db.exec('analyze');
    console.log(`  SQLite: ${rows.toLocaleString('en')} assets generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const deep = deepRows(
      db.prepare('select created_at as v, id from assets order by created_at desc, id desc').all() as Array<{ v: string; id: string }>,
    );
    const keyset = db.prepare(KEYSET((n) => `?${n}`));
    let i = 0;
    const raw = await timedRaw(async () => {
      const at = deep[i++ % deep.length] as { v: string; id: string };
      return keyset.all(project, at.v, at.id);
    });
    console.log(row('keyset SQL (sqlite)', { 'p50 ms': percentile(raw, 0.5).toFixed(2), 'p99 ms': percentile(raw, 0.99).toFixed(2) }));
    const list = filters(rows, SHA(1234));
    const matched = (filter: Filter) =>
      db
        .prepare(
          `select ${orderOf(filter).column} as v, id from assets a where project_id = ? and ${filter.sql.replaceAll('true', '1')} ${orderOf(filter).sql}`,
        )
        .all(project) as Array<{
        v: string;
        id: string;
      }>;
    const results = await runFilters(
      'sqlite',
      server,
      list,
      async (filter) => tokensFrom(filter, matched(filter)),
      async (filter) => matched(filter).length,
    );
    return figuresOf('SQLite', rows, results, raw);
  } finally {
    db.close();
    await server.stop();
  }
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-bench-listing-'));
try {
  console.log(`Listing latency per filter: ${REQUESTS} requests of pageSize=${PAGE} each (${CHAINED} followed pages, the rest deep)`);
  const figures: Figure[] = [];
  const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const pgRows = Number(process.env.BENCH_LISTING_PG_ROWS ?? 1_000_000);
  if (pgUrl && pgRows > 0) figures.push(...(await postgres(pgUrl, pgRows, dir)));
  else if (!pgUrl) console.log('  PostgreSQL skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to postgres://…');
  figures.push(...(await sqlite(Number(process.env.BENCH_LISTING_SQLITE_ROWS ?? 100_000), dir)));
  const file = await writeResults('listing', figures);
  console.log(`wrote ${path.relative(root, file)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
