import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
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

/**
 * The storage backends the storage contract and the storage-sensitive suites run against: the
 * local disk always; S3 when TEST_S3_ENDPOINT names an S3 API (moto's server mode in CI).
 * Under CI=true a missing S3 endpoint is an error, not a skip.
 */
export interface StorageTarget {
  readonly name: 'local' | 's3';
  readonly endpoint: string | undefined;
  readonly skipReason: string | undefined;
}

const s3Endpoint = process.env.TEST_S3_ENDPOINT?.trim() || undefined;

if (process.env.CI === 'true' && !s3Endpoint) {
  throw new Error('CI=true but TEST_S3_ENDPOINT is not set: the S3 suites may not be skipped in CI');
}

if (s3Endpoint) {
  // The SDK's default credential chain reads these; a test endpoint takes any. Without them the
  // chain would go on to ask the instance metadata service, off this machine.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

export const STORAGES: readonly StorageTarget[] = [
  { name: 'local', endpoint: undefined, skipReason: undefined },
  {
    name: 's3',
    endpoint: s3Endpoint,
    skipReason: s3Endpoint
      ? undefined
      : 'S3 suites skipped: set TEST_S3_ENDPOINT=http://127.0.0.1:PORT (e.g. python3 -m moto.server -p PORT) to run them',
  },
];

/**
 * The environment that puts a test server on `storage`: nothing for the local disk; for S3 a
 * fresh bucket of its own (created at start, emptied and removed by `dispose`).
 */
export function storageEnv(storage: StorageTarget): Record<string, string> {
  if (storage.name === 'local') return {};
  if (!storage.endpoint) throw new Error(storage.skipReason);
  return {
    ASSETD_STORAGE: 's3',
    ASSETD_S3_ENDPOINT: storage.endpoint,
    ASSETD_S3_BUCKET: `t-${randomToken(12).toLowerCase()}`,
    ASSETD_S3_FORCE_PATH_STYLE: 'true',
    ASSETD_S3_REGION: 'us-east-1',
    ASSETD_S3_CREATE_BUCKET: 'true',
  };
}

/** Removes a test bucket and everything in it (objects and unfinished multipart uploads). */
export async function removeTestBucket(endpoint: string, bucket: string): Promise<void> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const upload of uploads.Uploads ?? []) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
    }
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
      for (const object of page.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
      token = page.NextContinuationToken;
    } while (token);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

const warned = new Set<string>();
export function announceSkips(): void {
  for (const target of [...DATABASES, ...STORAGES]) {
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
  /** The PostgreSQL schema of this environment (undefined on SQLite), for other processes on the same database. */
  readonly schema: string | undefined;
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
    // pg_trgm (migration 011) is one per database: made in public here, else the first suite's
    // migration would make it in its own schema, and dropping that schema would drop it for all.
    await client.query('create extension if not exists pg_trgm with schema public').catch((error: { code?: string }) => {
      if (error.code !== '23505') throw error;
    });
    await client.query(`create schema ${schema}`);
    await client.end();
  }
  const config = loadConfig({
    ASSETD_DATA_DIR: dataDir,
    ASSETD_LOG_LEVEL: 'silent',
    // A hundred test servers need no 16 MiB reserve file each; the disk-full test sets its own.
    ASSETD_DISK_RESERVE_BYTES: '0',
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
    schema,
    reopen: (extra = {}) => open({ ...options, ...extra }),
    async dispose() {
      await container.close();
      // Retried: a multipart upload's prefix hasher may be writing its last file (its digest, its lease).
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
      if (config.storage.kind === 's3' && config.storage.createBucket && config.storage.endpoint) {
        await removeTestBucket(config.storage.endpoint, config.storage.bucket);
      }
      if (schema && target.url) {
        const client = new pg.Client({ connectionString: target.url });
        await client.connect();
        await client.query(`drop schema ${schema} cascade`);
        await client.end();
      }
    },
  };
}
