import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Container, type ContainerOptions, createContainer } from '../../src/container.ts';
import { randomToken } from '../../src/lib/ids.ts';

/**
 * The databases every contract and integration suite runs against. SQLite always; PostgreSQL
 * when TEST_DATABASE_URL names one. Under CI=true a missing PostgreSQL is an error, not a skip.
 */
export interface DatabaseTarget {
  readonly name: 'sqlite' | 'postgres';
  readonly url: string | undefined;
  readonly skipReason: string | undefined;
}

const postgresUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;

if (process.env.CI === 'true' && !postgresUrl) {
  throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suites may not be skipped in CI');
}

export const DATABASES: readonly DatabaseTarget[] = [
  { name: 'sqlite', url: undefined, skipReason: undefined },
  {
    name: 'postgres',
    url: postgresUrl,
    skipReason: postgresUrl ? undefined : 'PostgreSQL suites skipped: set TEST_DATABASE_URL=postgres://… to run them',
  },
];

const warned = new Set<string>();
export function announceSkips(): void {
  for (const target of DATABASES) {
    if (target.skipReason && !warned.has(target.name)) {
      warned.add(target.name);
      console.warn(target.skipReason);
    }
  }
}

export interface TestEnvironment {
  readonly container: Container;
  readonly config: Config;
  readonly dataDir: string;
  /** Another container on the same data folder and database: a restarted process. */
  reopen(options?: Omit<ContainerOptions, 'schema'>): Promise<Container>;
  dispose(): Promise<void>;
}

/**
 * A container on a fresh data folder and, for PostgreSQL, a schema of its own, so suites can
 * run in parallel against one server and leave nothing behind.
 */
export async function createTestEnvironment(
  target: DatabaseTarget,
  env: Record<string, string> = {},
  options: Omit<ContainerOptions, 'schema'> = {},
): Promise<TestEnvironment> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-test-'));
  let schema: string | undefined;
  if (target.name === 'postgres') {
    if (!target.url) throw new Error(target.skipReason);
    schema = `t_${randomToken(12).toLowerCase()}`;
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
  }
  const config = loadConfig({
    ASSETD_DATA_DIR: dataDir,
    ASSETD_LOG_LEVEL: 'silent',
    ...(target.url ? { ASSETD_DATABASE_URL: target.url } : {}),
    ...env,
  });
  // Jobs are polled and retried quickly so tests see every state change without waiting.
  const open = (extra: Omit<ContainerOptions, 'schema'>) =>
    createContainer(config, {
      ...extra,
      runner: { pollMs: 20, backoffMs: 50, leaseMs: 5000, ...extra.runner },
      ...(schema ? { schema } : {}),
    });
  const container = await open(options);
  return {
    container,
    config,
    dataDir,
    reopen: (extra = {}) => open({ ...options, ...extra }),
    async dispose() {
      await container.close();
      await rm(dataDir, { recursive: true, force: true });
      if (schema && target.url) {
        const client = new pg.Client({ connectionString: target.url });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      }
    },
  };
}
