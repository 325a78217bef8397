import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, randomToken } from '../src/lib/ids.ts';
import { announceSkips, DATABASES, removeTestBucket, STORAGES } from './helpers/databases.ts';
import { makeImage } from './helpers/images.ts';
import { type AssetdProcess, jsonApi, killAssetdProcesses, spawnAssetd, startServe, waitFor } from './helpers/processes.ts';
import { prepareExampleMedia, runSpecExample } from './helpers/spec-example-runner.ts';

announceSkips();

/**
 * The scale-out deployment for real: two API processes and two workers, separate `assetd`
 * processes sharing one PostgreSQL database and one S3 bucket, and nothing else.
 */
const postgres = DATABASES.find((target) => target.name === 'postgres');
const s3 = STORAGES.find((target) => target.name === 's3');
const skipReason = postgres?.skipReason ?? s3?.skipReason;

/** Each job waits this long, leased, before it runs: long enough to kill a worker in the middle. */
const JOB_DELAY_MS = 3000;
const LEASE_SECONDS = 2;
const MiB = 1024 * 1024;

describe.skipIf(skipReason)('scale-out: 2 API processes and 2 workers on PostgreSQL and S3', () => {
  const key = { id: newId('key'), secret: `sk_${randomToken(32)}`, projectId: '' };
  const database = `assetd_scale_${randomToken(10).toLowerCase()}`;
  const bucket = `scale-${randomToken(10).toLowerCase()}`;
  const procs: AssetdProcess[] = [];
  const apis: string[] = [];
  let db: pg.Client;
  let workDir: string;

  const api = async (base: string, method: string, url: string, body?: unknown) => {
    const answer = await jsonApi(base, key)(method, url, body);
    if (answer.status !== 200) throw new Error(`${method} ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const outputs = () => procs.map((proc) => `${proc.name}: ${proc.output.join('')}`).join('\n');
  const waitForAll = <T>(what: string, probe: () => Promise<T | undefined>) => waitFor(what, probe, 30_000, outputs);

  const settled = (uploadId: string, base = apis[0] as string) =>
    waitForAll(`upload ${uploadId}`, async () => {
      const { upload } = await api(base, 'GET', `/v1/uploads/${uploadId}`);
      return upload.status === 'imported' || upload.status === 'failed' ? upload : undefined;
    });

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: postgres?.url });
    await admin.connect();
    await admin.query(`create database ${database}`);
    await admin.end();
    const url = new URL(postgres?.url as string);
    url.pathname = `/${database}`;
    db = new pg.Client({ connectionString: url.toString() });
    workDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-scale-'));
    const shared = {
      ASSETD_DATABASE_URL: url.toString(),
      ASSETD_STORAGE: 's3',
      ASSETD_S3_BUCKET: bucket,
      ASSETD_S3_ENDPOINT: s3?.endpoint as string,
      ASSETD_S3_FORCE_PATH_STYLE: 'true',
      ASSETD_S3_REGION: 'us-east-1',
      ASSETD_S3_CREATE_BUCKET: 'true',
      ASSETD_SIGNING_SECRET: randomToken(40),
      ASSETD_API_KEY: key.id,
      ASSETD_API_SECRET: key.secret,
      ASSETD_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
      ASSETD_TEST_JOB_DELAY_MS: String(JOB_DELAY_MS),
      ASSETD_LOG_LEVEL: 'warn',
    };
    const dataDir = async (name: string) => ({ ASSETD_DATA_DIR: await mkdtemp(path.join(workDir, `${name}-`)) });
    for (const name of ['api1', 'api2']) {
      // The first process migrates the database and makes the key; the second starts on them.
      const proc = await startServe({ ...shared, ...(await dataDir(name)), ASSETD_RUN_JOBS: 'false' }, name);
      procs.push(proc);
      apis.push(proc.base);
    }
    for (const name of ['worker1', 'worker2']) procs.push(spawnAssetd('worker', { ...shared, ...(await dataDir(name)) }, name));
    await db.connect();
    const row = await db.query('select project_id from api_keys where id = $1', [key.id]);
    key.projectId = row.rows[0].project_id;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(procs.map((proc) => proc.stop('SIGTERM')));
    await killAssetdProcesses();
    await db?.end();
    if (postgres?.url) {
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
    if (s3?.endpoint) await removeTestBucket(s3.endpoint, bucket).catch(() => {});
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('creates on one API process, sends the parts straight to S3, completes on the other, and imports', { timeout: 60_000 }, async () => {
    // Two parts: at least 5 MiB each but the last, as S3 requires.
    const width = 2000;
    const height = 1800;
    const png = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(png.length).toBeGreaterThan(10 * MiB);
    const { upload } = await api(apis[0] as string, 'POST', '/v1/uploads', {
      fileName: 'through-s3.png',
      contentType: 'image/png',
      kind: 'image',
      parts: 2,
      fileSize: png.length,
    });
    const partSize = Math.ceil(png.length / 2);
    for (const part of upload.parts as Array<{ number: number; url: string }>) {
      // Straight to the S3 endpoint: assetd never sees these bytes.
      expect(part.url.startsWith(`${s3?.endpoint}/${bucket}/`)).toBe(true);
      const response = await fetch(part.url, {
        method: 'PUT',
        body: png.subarray((part.number - 1) * partSize, part.number * partSize),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const { upload: completing } = await api(apis[1] as string, 'POST', `/v1/uploads/${upload.id}/action`, { action: 'complete' });
    expect(completing.status).toBe('validating');
    const done = await settled(upload.id);
    expect(done.status, done.errorMessage).toBe('imported');
    const { asset } = await api(apis[1] as string, 'GET', `/v1/assets/${done.entityId}`);
    expect(asset).toMatchObject({ kind: 'image', mimeType: 'image/png', properties: { width, height, size: png.length } });
    // The file URL is a presigned GET on the bucket.
    expect(asset.url.startsWith(`${s3?.endpoint}/${bucket}/`)).toBe(true);
    const bytes = Buffer.from(await (await fetch(asset.url)).arrayBuffer());
    expect(bytes.equals(png)).toBe(true);
    // Renewed leases kept the other worker off it although it ran longer than a lease.
    // The upload is imported inside the job; the job is marked done just after: wait for that.
    const job = await waitFor('the job to be marked done', async () => {
      const { rows } = await db.query("select status, attempts from jobs where id = $1 and status <> 'running'", [done.jobId]);
      return rows[0] as { status: string; attempts: number } | undefined;
    });
    expect(job).toEqual({ status: 'done', attempts: 1 });
  });

  it('finishes, exactly once, a job whose worker was killed in the middle of it', { timeout: 60_000 }, async () => {
    const png = await makeImage('png', 64, 48, { seed: 9090 });
    const { upload } = await api(apis[1] as string, 'POST', '/v1/uploads', {
      fileName: 'killed-mid-job.png',
      contentType: 'image/png',
      kind: 'image',
      parts: 1,
      fileSize: png.length,
    });
    expect((await fetch(upload.parts[0].url, { method: 'PUT', body: png })).status).toBe(200);
    const { upload: completing } = await api(apis[0] as string, 'POST', `/v1/uploads/${upload.id}/action`, { action: 'complete' });
    const holder = await waitForAll('a worker to take the job', async () => {
      const { rows } = await db.query("select locked_by from jobs where id = $1 and status = 'running'", [completing.jobId]);
      return rows[0]?.locked_by as string | undefined;
    });
    const pid = Number(holder.split(':').at(-2));
    const victim = procs.find((proc) => proc.child.pid === pid);
    expect(victim?.name).toMatch(/^worker/);
    await victim?.kill();

    const done = await settled(upload.id);
    expect(done.status, done.errorMessage).toBe('imported');
    const job = await waitFor('the job to be marked done', async () => {
      const { rows } = await db.query("select status, attempts from jobs where id = $1 and status <> 'running'", [completing.jobId]);
      return rows[0] as { status: string; attempts: number } | undefined;
    });
    expect(job).toEqual({ status: 'done', attempts: 2 });
    const assets = await db.query("select id from assets where name = 'killed-mid-job.png'");
    expect(assets.rows.map((row) => row.id)).toEqual([done.entityId]);
    const files = await db.query('select ref_count from files f join assets a on a.file_id = f.id where a.id = $1', [done.entityId]);
    expect(files.rows).toEqual([{ ref_count: 1 }]);
  });

  it("runs spec 000's client examples against this deployment", { timeout: 180_000 }, async () => {
    await prepareExampleMedia(workDir);
    const target = { baseUrl: apis[0] as string, key, workDir };
    const stdout = await runSpecExample(target, 'example4_upload_file.cjs');
    const ids = Object.fromEntries([...stdout.matchAll(/^(.+) assetId: (asset_\w+)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(ids), stdout).toEqual(['Large image', 'Audio', 'Video', '3D model']);
    for (const [label, file] of [
      ['Large image', 'large-image.png'],
      ['Audio', 'audio.mp3'],
      ['Video', 'video.mp4'],
      ['3D model', 'model.glb'],
    ] as const) {
      const { asset } = await api(apis[1] as string, 'GET', `/v1/assets/${ids[label]}`);
      const bytes = Buffer.from(await (await fetch(asset.url)).arrayBuffer());
      expect(bytes.equals(await readFile(path.join(workDir, file))), label).toBe(true);
    }
    const python = await runSpecExample(target, 'example2_upload_large_image.py', true);
    expect(python).toMatch(/Large image uploaded! Asset ID: asset_\w+/);
    const base64 = await runSpecExample(target, 'upload_image_base64.cjs');
    expect(base64).toMatch(/Asset uploaded successfully! Asset ID: asset_\w+/);
  });
});
