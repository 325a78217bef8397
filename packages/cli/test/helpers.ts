import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, migrate, openDatabase } from '@assetd/server';
import pg from 'pg';
import type { CliIo } from '../src/io.ts';
import { run } from '../src/program.ts';

export type Env = Record<string, string>;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, as `assetd <args>` with exactly `env` as its environment (and a terminal, a cwd… when given). */
export async function runCli(
  args: readonly string[],
  env: Env,
  extra: Pick<CliIo, 'terminal' | 'signal' | 'cwd'> = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    ...extra,
    env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

/** The databases the keys commands are tested on: SQLite always, PostgreSQL when TEST_DATABASE_URL names one. */
export interface DatabaseTarget {
  readonly name: 'sqlite' | 'postgres';
  readonly skipReason: string | undefined;
}

const postgresUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;

if (process.env.CI === 'true' && !postgresUrl) {
  throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL cases may not be skipped in CI');
}

export const DATABASES: readonly DatabaseTarget[] = [
  { name: 'sqlite', skipReason: undefined },
  {
    name: 'postgres',
    skipReason: postgresUrl ? undefined : 'CLI PostgreSQL cases skipped: set TEST_DATABASE_URL=postgres://… to run them',
  },
];

export interface TestEnvironment {
  /** What the CLI (and the server's loadConfig) read. */
  readonly env: Env;
  dispose(): Promise<void>;
}

/**
 * A fresh data folder and, for PostgreSQL, a database of its own. A whole database rather than a
 * schema, because the CLI takes its configuration from the environment only, as the server does.
 */
export async function createTestEnvironment(target: DatabaseTarget): Promise<TestEnvironment> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-cli-test-'));
  const env: Env = { ASSETD_DATA_DIR: dataDir, ASSETD_LOG_LEVEL: 'silent' };
  let database: string | undefined;
  if (target.name === 'postgres') {
    if (!postgresUrl) throw new Error(target.skipReason);
    database = `assetd_cli_${randomBytes(8).toString('hex')}`;
    await adminQuery(`create database ${database}`);
    const url = new URL(postgresUrl);
    url.pathname = `/${database}`;
    env.ASSETD_DATABASE_URL = url.toString();
  }
  // A data folder as the server leaves it: with its database (the CLI refuses to make one by accident).
  const db = openDatabase(loadConfig(env).databaseUrl, loadConfig(env).database);
  await migrate(db);
  await db.close();
  return {
    env,
    async dispose() {
      await rm(dataDir, { recursive: true, force: true });
      // `with (force)` ends any connection a failed test left open.
      if (database) await adminQuery(`drop database if exists ${database} with (force)`);
    },
  };
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
