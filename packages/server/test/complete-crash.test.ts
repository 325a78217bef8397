import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createContainer } from '../src/container.ts';
import { fsck } from '../src/fsck.ts';
import { newId, randomToken } from '../src/lib/ids.ts';
import { announceSkips, DATABASES, removeTestBucket, STORAGES } from './helpers/databases.ts';
import { makeWav } from './helpers/media.ts';
import { freePort, jsonApi, killAssetdProcesses, pause, startServe, waitFor } from './helpers/processes.ts';

announceSkips();

/**
 * SIGKILL of the API at a random moment of `complete` (issue #10.1): after a restart and a
 * retry of `complete`, every upload ends imported with the SHA-256 of the bytes sent, none lost.
 * Run against the embedded deployment (SQLite, local disk) and PostgreSQL + S3.
 */
const ROUNDS = 5;
const MiB = 1024 * 1024;

const postgres = DATABASES.find((target) => target.name === 'postgres');
const s3 = STORAGES.find((target) => target.name === 's3');

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Deployment {
  readonly name: string;
  readonly skipReason: string | undefined;
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

const workDirs: string[] = [];
const deployments: Deployment[] = [
  {
    name: 'embedded (SQLite, local disk)',
    skipReason: undefined,
    async env() {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-crash-'));
      workDirs.push(dir);
      return { ASSETD_DATA_DIR: dir };
    },
    async cleanup() {},
  },
  (() => {
    const database = `assetd_crash_${randomToken(10).toLowerCase()}`;
    const bucket = `crash-${randomToken(10).toLowerCase()}`;
    return {
      name: 'PostgreSQL + S3',
      skipReason: postgres?.skipReason ?? s3?.skipReason,
      async env() {
        const admin = new pg.Client({ connectionString: postgres?.url });
        await admin.connect();
        await admin.query(`create database ${database}`);
        await admin.end();
        const url = new URL(postgres?.url as string);
        url.pathname = `/${database}`;
        const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-crash-'));
        workDirs.push(dir);
        return {
          ASSETD_DATA_DIR: dir,
          ASSETD_DATABASE_URL: url.toString(),
          ASSETD_STORAGE: 's3',
          ASSETD_S3_BUCKET: bucket,
          ASSETD_S3_ENDPOINT: s3?.endpoint as string,
          ASSETD_S3_FORCE_PATH_STYLE: 'true',
          ASSETD_S3_REGION: 'us-east-1',
          ASSETD_S3_CREATE_BUCKET: 'true',
        };
      },
      async cleanup() {
        if (postgres?.url) {
          const admin = new pg.Client({ connectionString: postgres.url });
          await admin.connect();
          await admin.query(`drop database if exists ${database} with (force)`);
          await admin.end();
        }
        if (s3?.endpoint) await removeTestBucket(s3.endpoint, bucket).catch(() => {});
      },
    };
  })(),
];

afterAll(async () => {
  await killAssetdProcesses();
  await Promise.all(deployments.map((d) => d.cleanup().catch(() => {})));
  await Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each(deployments)('SIGKILL during complete: $name', (deployment) => {
  it.skipIf(deployment.skipReason)(`imports every upload with the right SHA-256 after ${ROUNDS} kills`, { timeout: 600_000 }, async () => {
    const key = { id: newId('key'), secret: `sk_${randomToken(32)}` };
    const env = {
      ...(await deployment.env()),
      PORT: String(await freePort()),
      ASSETD_API_KEY: key.id,
      ASSETD_API_SECRET: key.secret,
      ASSETD_SIGNING_SECRET: randomToken(40),
      // A dead request's hold on a completion runs out quickly, so the retry takes it over.
      ASSETD_COMPLETION_LEASE_SECONDS: '1',
      ASSETD_LOG_LEVEL: 'warn',
    };
    let server = await startServe(env);
    const { base } = server;
    const api = jsonApi(base, key);
    const results: Array<{ sent: string; stored: string; killedAfterMs: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const wav = makeWav(11 * MiB, round + 7);
      const created = await api('POST', '/v1/uploads', {
        fileName: 'c.wav',
        contentType: 'audio/wav',
        kind: 'audio',
        parts: 2,
        fileSize: wav.length,
      });
      expect(created.status).toBe(200);
      const upload = created.body.upload;
      // Odd rounds split otherwise than planned, so local completion joins (a longer window) instead of renaming.
      const cut = round % 2 === 0 ? Math.ceil(wav.length / 2) : 6 * MiB;
      for (const [i, bytes] of [wav.subarray(0, cut), wav.subarray(cut)].entries()) {
        const response = await fetch(upload.parts[i].url, { method: 'PUT', body: bytes });
        expect(response.status).toBe(200);
      }
      // Kill at a random moment of the completion: before, during or after storage joins the parts.
      const killedAfterMs = Math.floor(Math.random() * 60);
      const completing = api('POST', `/v1/uploads/${upload.id}/action`, { action: 'complete' }).catch(() => undefined);
      await pause(killedAfterMs);
      await server.kill();
      await completing;
      server = await startServe(env);
      // The client retries complete until it is answered (a dead request's hold runs out first).
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        const retried = await api('POST', `/v1/uploads/${upload.id}/action`, { action: 'complete' });
        status = retried.status;
        if (status !== 200) {
          expect(retried.body.code).toBe('UPLOAD_COMPLETING');
          await pause(200);
        }
      }
      expect(status).toBe(200);
      const final = await waitFor(
        `upload ${upload.id} to settle`,
        async () => {
          const { upload: now } = (await api('GET', `/v1/uploads/${upload.id}`)).body;
          return now.status === 'imported' || now.status === 'failed' ? now : undefined;
        },
        60_000,
        () => server.output.join(''),
      );
      expect(final.status).toBe('imported');
      const asset = (await api('GET', `/v1/assets/${final.entityId}`)).body.asset;
      const served = Buffer.from(await (await fetch(asset.url)).arrayBuffer());
      results.push({ sent: sha256(wav), stored: sha256(served), killedAfterMs });
    }
    expect(results.filter((r) => r.sent !== r.stored)).toEqual([]);
    expect(results).toHaveLength(ROUNDS);
    // Work that follows an import (previews) may still be writing bytes: it ends before the last
    // kill, so that nothing is in flight for fsck (a kill mid-write leaves bytes for the collector).
    const observer = await createContainer({ ...loadConfig({ ...process.env, ...env }), logLevel: 'silent' });
    try {
      await waitFor('the jobs to settle', async () => {
        const counts = await observer.jobs.counts();
        return counts.queued || counts.running ? undefined : true;
      });
    } finally {
      await observer.close();
    }
    await server.kill();
    // After all of it, fsck finds no row without bytes and no bytes without a row (grace 0: nothing is in flight now).
    const { report } = await fsck({ ...process.env, ...env }, { graceSeconds: 0 });
    expect(report).toEqual({ rowsWithoutBytes: [], uploadsWithoutBytes: [], objectsWithoutRows: [], multipartsWithoutUploads: [] });
  });
});
