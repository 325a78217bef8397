import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import type { CreatedKey } from '../src/auth/keys.ts';
import { type Background, startBackground } from '../src/jobs/background.ts';
import { newId, randomToken } from '../src/lib/ids.ts';
import { PROCESS_UPLOAD_JOB } from '../src/uploads/upload.ts';
import { announceSkips, createTestEnvironment, DATABASES, type TestEnvironment } from './helpers/databases.ts';
import { basic, json } from './helpers/http.ts';
import { killAssetdProcesses, pause, startServe, waitFor } from './helpers/processes.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

announceSkips();

/**
 * The database going away (issue #10 item 3): dropped connections never end the process, an
 * unreachable or stuck database answers 503 with Retry-After within the configured timeouts
 * (never a hang, never a 500), /readyz says so, and everything recovers when it comes back.
 */
const postgres = DATABASES.find((target) => target.name === 'postgres');
async function adminQuery<R extends pg.QueryResultRow>(text: string, values: unknown[] = [], url = postgres?.url): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Terminates the backends of this test's server, and nothing else. pg_terminate_backend sits
 * in the select list, guarded by a CASE: a planner may evaluate WHERE conditions in any order,
 * so a side effect there could reach other connections before the filter excludes them.
 */
async function terminateOwn(database: string, applicationName: string): Promise<number[]> {
  const rows = await adminQuery<{ pid: number; terminated: boolean }>(
    `select pid,
            case when datname = $1 and application_name = $2 and pid <> pg_backend_pid() then pg_terminate_backend(pid) else false end
              as terminated
       from pg_stat_activity
      where datname = $1 and application_name = $2 and pid <> pg_backend_pid()`,
    [database, applicationName],
  );
  return rows.filter((row) => row.terminated).map((row) => row.pid);
}

describe.skipIf(postgres?.skipReason)('pg_terminate_backend of every connection of a running `assetd serve`', () => {
  const database = `assetd_term_${randomToken(10).toLowerCase()}`;
  // Names this server's connections, so only they are terminated (the database is its own too).
  const applicationName = `assetd_term_${randomToken(8).toLowerCase()}`;
  let workDir: string | undefined;

  afterAll(async () => {
    await killAssetdProcesses();
    await adminQuery(`drop database if exists ${database} with (force)`);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('keeps the process alive, and the first request after each cut is answered', { timeout: 120_000 }, async () => {
    await adminQuery(`create database ${database}`);
    const url = new URL(postgres?.url as string);
    url.pathname = `/${database}`;
    url.searchParams.set('application_name', applicationName);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-term-'));
    const key = { id: newId('key'), secret: `sk_${randomToken(32)}` };
    const server = await startServe({
      ASSETD_DATA_DIR: workDir,
      ASSETD_DATABASE_URL: url.toString(),
      ASSETD_API_KEY: key.id,
      ASSETD_API_SECRET: key.secret,
      ASSETD_LOG_LEVEL: 'warn',
    });
    const output = () => server.output.join('');
    const get = (route: string) =>
      fetch(`${server.base}${route}`, { headers: { authorization: basic(key) } }).then(
        (response) => response.status,
        () => 0,
      );

    for (let round = 0; round < 3; round++) {
      // Several connections open at once, then idle in the pool; the job runner and sweeps hold theirs.
      expect(await Promise.all(Array.from({ length: 6 }, () => get('/v1/assets')))).toEqual(Array(6).fill(200));
      const terminated = await terminateOwn(database, applicationName);
      expect(terminated.length).toBeGreaterThan(0);
      // The job runner polls every second: give it time to meet its dead connection.
      await pause(1500);
      expect(server.alive(), output()).toBe(true);
      // The pool has replaced what it lost: the first requests after the cut are answered, with no retry.
      expect(await get('/v1/assets'), output()).toBe(200);
      expect(await get('/readyz'), output()).toBe(200);
    }
    const created = await fetch(`${server.base}/v1/collections`, {
      method: 'POST',
      headers: { authorization: basic(key), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'after the outage' }),
    });
    expect(created.status).toBe(200);
    expect(server.alive()).toBe(true);
    expect(output()).toContain('database connection lost');
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});

describe.skipIf(postgres?.skipReason)('a PostgreSQL connection dropped while checked out', () => {
  let env: TestEnvironment | undefined;
  afterAll(async () => env?.dispose());

  it('is an error for its query, not for the process, and the pool replaces it', async () => {
    env = await createTestEnvironment(postgres as (typeof DATABASES)[number]);
    const { kysely } = env.container.db;
    await kysely.connection().execute(async (conn) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
      const pid = rows[0]?.pid;
      await adminQuery('select pg_terminate_backend($1)', [pid]);
      // No query is running: node-postgres emits 'error' on the client, which had no listener.
      await pause(300);
      await expect(sql`select 1`.execute(conn)).rejects.toThrow();
    });
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(kysely);
    expect(rows).toEqual([{ one: 1 }]);
  });
});

describe.skipIf(postgres?.skipReason)('a black-holed PostgreSQL', () => {
  let proxy: TcpProxy;
  let env: TestEnvironment | undefined;
  let app: FastifyInstance;
  let background: Background | undefined;
  let key: CreatedKey;
  const list = () => app.inject({ method: 'GET', url: '/v1/assets', headers: { authorization: basic(key) } });

  beforeAll(async () => {
    const real = new URL(postgres?.url as string);
    proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const through = new URL(real);
    through.host = `127.0.0.1:${proxy.port}`;
    env = await createTestEnvironment(
      { name: 'postgres', url: through.toString(), skipReason: undefined },
      {
        ASSETD_DATABASE_CONNECT_TIMEOUT_MS: '1000',
        ASSETD_DATABASE_STATEMENT_TIMEOUT_MS: '1000',
      },
    );
    app = await buildApp(env.container, { logger: false });
    key = await env.container.keys.create({ team: 'outage', project: 'outage' });
    // The job runner and the sweeps run through the outage too (sweeping every 200 ms).
    background = startBackground(env.container, 200);
  });

  afterAll(async () => {
    proxy?.restore();
    await background?.stop();
    await app?.close();
    await env?.dispose();
    await proxy?.close();
  });

  // The test's timeout is the bound: the configured timeouts (1 s, and the client's 2 s margin
  // past the statement timeout) end every wait well within it; the defaults (5 s to connect,
  // 30 s + 2 s for a statement) or no timeout at all would not.
  it('answers 503 with Retry-After within its timeouts, and says not ready', { timeout: 20_000 }, async () => {
    expect((await list()).statusCode).toBe(200);
    // The connections carry the configured statement timeout.
    const { rows } = await sql<{ statement_timeout: string }>`show statement_timeout`.execute((env as TestEnvironment).container.db.kysely);
    expect(rows).toEqual([{ statement_timeout: '1s' }]);

    proxy.blackHole();
    // More requests than idle connections: some wait on held connections, some on new ones.
    const answers = await Promise.all(Array.from({ length: 12 }, () => list()));
    for (const answer of answers) {
      expect(answer.statusCode).toBe(503);
      expect(json(answer).code).toBe('DATABASE_UNAVAILABLE');
      expect(answer.headers['retry-after']).toBe('5');
    }
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(json(ready)).toMatchObject({ status: 'unavailable', database: 'unavailable', storage: 'ok' });
    expect(ready.headers['retry-after']).toBeDefined();
  });

  it('lives through the outage and recovers when the database is back', { timeout: 60_000 }, async () => {
    const container = env?.container as TestEnvironment['container'];
    // The runner's claims and the sweeps fail meanwhile; nothing may end the process.
    await pause(1500);

    proxy.restore();
    await waitFor(
      'readiness',
      async () => ((await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200 ? true : undefined),
      15_000,
    );
    expect((await list()).statusCode).toBe(200);
    // The runner backed off but lives: a job queued now is run (its upload is gone, so it just ends).
    const jobId = await container.jobs.enqueue(container.db.kysely, PROCESS_UPLOAD_JOB, { uploadId: newId('upload') });
    container.runner.wake();
    await waitFor(
      'the job to run',
      async () => {
        const row = await container.db.kysely.selectFrom('jobs').select('status').where('id', '=', jobId).executeTakeFirst();
        return row?.status === 'done' ? true : undefined;
      },
      30_000,
    );
  });
});

describe('SQLite locked by another writer past the busy timeout', () => {
  let env: TestEnvironment | undefined;
  let app: FastifyInstance | undefined;
  let other: DatabaseSync | undefined;
  afterEach(async () => {
    other?.close();
    await app?.close();
    await env?.dispose();
  });

  it('answers 503 with Retry-After to writes while reads go on, and writes again once the lock is gone', async () => {
    env = await createTestEnvironment(DATABASES[0] as (typeof DATABASES)[number], { ASSETD_SQLITE_BUSY_TIMEOUT_MS: '200' });
    app = await buildApp(env.container, { logger: false });
    const key = await env.container.keys.create({ team: 'busy', project: 'busy' });
    const create = () =>
      (app as FastifyInstance).inject({
        method: 'POST',
        url: '/v1/collections',
        headers: { authorization: basic(key) },
        payload: { name: 'written' },
      });
    other = new DatabaseSync(env.config.databaseUrl.slice('sqlite:'.length));
    // The configured busy timeout, not the default 5 s: the refusal comes after 200 ms of waiting.
    const { rows } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(env.container.db.kysely);
    expect(rows).toEqual([{ timeout: 200 }]);
    other.exec('BEGIN IMMEDIATE');
    // The lock is held until after the answer: a write that waited for it would hang to the test's timeout.
    const refused = await create();
    expect(refused.statusCode).toBe(503);
    expect(json(refused)).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(refused.headers['retry-after']).toBe('2');
    // WAL: readers are not blocked by the writer.
    expect((await app.inject({ method: 'GET', url: '/v1/collections', headers: { authorization: basic(key) } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    other.exec('ROLLBACK');
    expect((await create()).statusCode).toBe(200);
  });
});
