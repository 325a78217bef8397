import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, DATABASES, STORAGES, storageEnv } from './helpers/databases.ts';
import { basic, startTestServer, type TestServer } from './helpers/http.ts';
import { listen } from './helpers/listen.ts';

announceSkips();

const fixture = (name: string) => readFile(path.join(import.meta.dirname, 'fixtures', name));
const FINAL = new Set(['success', 'succeeded', 'completed', 'failure', 'failed', 'canceled', 'error']);

/**
 * What Scenario's own clients do, over a real socket with fetch: create the upload, read
 * `upload.jobId`, PUT the parts, complete, then poll GET /v1/jobs/{jobId} until the job ends.
 */
class ScenarioClient {
  readonly #base: string;
  readonly #auth: string;

  constructor(base: string, key: { id: string; secret: string }) {
    this.#base = base;
    this.#auth = basic(key);
  }

  async call(method: string, route: string, body?: unknown) {
    const response = await fetch(`${this.#base}${route}`, {
      method,
      headers: { authorization: this.#auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async createUpload(body: Record<string, unknown>) {
    const created = await this.call('POST', '/v1/uploads', body);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body.upload;
  }

  async uploadFile(bytes: Buffer, meta: { fileName: string; contentType: string; kind: string; parts?: number }) {
    const parts = meta.parts ?? 1;
    const upload = await this.createUpload({ ...meta, parts, fileSize: bytes.length });
    expect(upload.jobId).toMatch(/^job_/);
    const partSize = Math.ceil(bytes.length / parts);
    for (const part of upload.parts) {
      const response = await fetch(part.url, { method: 'PUT', body: bytes.subarray((part.number - 1) * partSize, part.number * partSize) });
      expect(response.status).toBe(200);
    }
    const completed = await this.call('POST', `/v1/uploads/${upload.id}/action`, { action: 'complete' });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body.upload.jobId).toBe(upload.jobId);
    return upload;
  }

  /** Polls the job until its status is final, as the clients do (a bounded number of tries). */
  async waitForJob(jobId: string) {
    const statuses: string[] = [];
    for (let i = 0; i < 400; i++) {
      const { status, body } = await this.call('GET', `/v1/jobs/${jobId}`);
      expect(status, JSON.stringify(body)).toBe(200);
      const job = body.job;
      expect(job.progress).toBeGreaterThanOrEqual(0);
      expect(job.progress).toBeLessThanOrEqual(1);
      if (statuses.at(-1) !== job.status) statuses.push(job.status);
      if (FINAL.has(job.status)) return { job, statuses };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`job ${jobId} did not end: ${statuses.join(' → ')}`);
  }
}

/** An origin on loopback: one file, and one that sends half its bytes and then holds the connection. */
async function startOrigin(file: Buffer) {
  const held: ServerResponse[] = [];
  const closed: string[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.socket.once('close', () => closed.push(request.url ?? ''));
    if (request.url === '/file.glb') {
      response.writeHead(200, { 'content-type': 'model/gltf-binary', 'content-length': file.length });
      response.end(file);
    } else if (request.url === '/slow.glb') {
      response.writeHead(200, { 'content-type': 'model/gltf-binary', 'content-length': file.length });
      response.write(file.subarray(0, file.length >> 1));
      held.push(response);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    held,
    closed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.close(() => resolve());
      }),
  };
}

const targets = DATABASES.flatMap((database) =>
  STORAGES.map((storage) => ({ database, storage, name: `${database.name} with ${storage.name}` })),
);

describe.each(targets)("Scenario's jobs on $name", ({ database, storage }) => {
  const skipReason = database.skipReason ?? storage.skipReason;
  let server: TestServer;
  let client: ScenarioClient;
  let other: ScenarioClient;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let glb: Buffer;
  beforeAll(async () => {
    if (skipReason) return;
    glb = await fixture('model.glb');
    origin = await startOrigin(glb);
    server = await startTestServer(database, { ...storageEnv(storage), ASSETD_IMPORT_ALLOWED_HOSTS: origin.host }, { jobs: true });
    const base = await listen(server);
    client = new ScenarioClient(base, server.key);
    other = new ScenarioClient(base, server.otherKey);
  });
  afterAll(async () => {
    await server?.dispose();
    await origin?.close();
  });

  it.skipIf(skipReason).each([
    { file: 'model.glb', contentType: 'model/gltf-binary', kind: '3d' },
    { file: 'audio.wav', contentType: 'audio/wav', kind: 'audio' },
    { file: 'video.mp4', contentType: 'video/mp4', kind: 'video' },
  ])('follows the job of a $kind upload to its asset', async ({ file, contentType, kind }) => {
    const bytes = await fixture(file);
    const upload = await client.uploadFile(bytes, { fileName: file, contentType, kind });
    const { job, statuses } = await client.waitForJob(upload.jobId);
    expect(statuses.at(-1)).toBe('success');
    expect(statuses.every((status) => ['queued', 'in-progress', 'success'].includes(status))).toBe(true);
    const assetId = job.metadata.output.entityId;
    expect(job).toMatchObject({
      jobId: upload.jobId,
      jobType: 'upload',
      status: 'success',
      progress: 1,
      authorId: upload.authorId,
      ownerId: upload.ownerId,
      metadata: { input: { uploadId: upload.id, fileName: file, fileSize: bytes.length, contentType, kind, source: 'multipart' } },
    });
    expect(job.metadata.assetIds).toEqual([assetId]);
    expect(job.statusHistory.map((entry: { status: string }) => entry.status)).toEqual(['queued', 'in-progress', 'success']);
    const asset = await client.call('GET', `/v1/assets/${assetId}`);
    expect(asset.status).toBe(200);
    expect(asset.body.asset.kind).toBe(kind);
    // The upload says the same.
    expect((await client.call('GET', `/v1/uploads/${upload.id}`)).body.upload).toMatchObject({ jobId: upload.jobId, entityId: assetId });
  });

  it.skipIf(skipReason)('follows the job of a URL import, which has its job from the start', async () => {
    const upload = await client.createUpload({ url: `${origin.origin}/file.glb`, kind: '3d' });
    expect(upload.jobId).toMatch(/^job_/);
    const { job } = await client.waitForJob(upload.jobId);
    expect(job).toMatchObject({ status: 'success', progress: 1, metadata: { input: { source: 'url', fileSize: glb.length } } });
    expect((await client.call('GET', `/v1/assets/${job.metadata.output.entityId}`)).status).toBe(200);
  });

  it.skipIf(skipReason)('reports a failed upload with its reason, and an aborted one as canceled', async () => {
    const bytes = Buffer.from('this is not a video at all');
    const failed = await client.uploadFile(bytes, { fileName: 'x.mp4', contentType: 'video/mp4', kind: 'video' });
    const { job } = await client.waitForJob(failed.jobId);
    expect(job.status).toBe('failure');
    const upload = (await client.call('GET', `/v1/uploads/${failed.id}`)).body.upload;
    expect(job.metadata.errorMessage).toBe(upload.errorMessage);
    expect(job.metadata.output).toBeUndefined();

    const pending = await client.createUpload({ fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 100 });
    expect((await client.call('GET', `/v1/jobs/${pending.jobId}`)).body.job).toMatchObject({ status: 'queued', progress: 0 });
    expect((await client.call('POST', `/v1/uploads/${pending.id}/action`, { action: 'abort' })).status).toBe(200);
    const aborted = await client.waitForJob(pending.jobId);
    expect(aborted.job).toMatchObject({ status: 'canceled', metadata: { errorMessage: 'The upload was aborted by the client' } });
    expect(aborted.job.statusHistory.map((entry: { status: string }) => entry.status)).toEqual(['queued', 'canceled']);
  });

  it.skipIf(skipReason)('cancels a running download on abort and leaves nothing behind', async () => {
    const upload = await client.createUpload({ url: `${origin.origin}/slow.glb`, kind: '3d' });
    // Wait until the download is under way: the origin holds the response, the job is in progress.
    for (let i = 0; i < 200 && origin.held.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(origin.held.length).toBe(1);
    let job = (await client.call('GET', `/v1/jobs/${upload.jobId}`)).body.job;
    for (let i = 0; i < 100 && job.progress === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await client.call('GET', `/v1/jobs/${upload.jobId}`)).body.job;
    }
    expect(job.status).toBe('in-progress');
    expect(job.progress).toBeCloseTo((glb.length >> 1) / glb.length, 2);

    const aborted = await client.call('POST', `/v1/uploads/${upload.id}/action`, { action: 'abort' });
    expect(aborted.status).toBe(200);
    expect(aborted.body.upload.status).toBe('failed');
    // The job notices within its heartbeat and drops the connection to the origin.
    for (let i = 0; i < 200 && !origin.closed.includes('/slow.glb'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(origin.closed).toContain('/slow.glb');
    // The job has ended (nothing queued or running), and left no object, no row and no staging file.
    for (let i = 0; i < 200; i++) {
      const counts = await server.container.jobs.counts();
      if (!counts.running && !counts.queued) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const row = await server.container.uploads.findForJob(upload.id);
    expect(row?.status).toBe('canceled');
    expect(await server.container.storage.size(row?.storageKey as string)).toBeUndefined();
    expect(await readdir(path.join(server.dataDir, 'tmp')).catch(() => [])).toEqual([]);
    expect((await client.call('GET', `/v1/jobs/${upload.jobId}`)).body.job.status).toBe('canceled');
  });

  it.skipIf(skipReason)('lists jobs newest first, by page and by status, and keeps them to their project', async () => {
    const first = await client.createUpload({ fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 });
    const second = await client.createUpload({ fileName: 'b.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 });
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await client.call('GET', `/v1/jobs?pageSize=2${token ? `&paginationToken=${encodeURIComponent(token)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.jobs.map((job: { jobId: string }) => job.jobId));
      token = page.body.nextPaginationToken;
      if (!token) break;
    }
    expect(seen.slice(0, 2)).toEqual([second.jobId, first.jobId]);
    expect(new Set(seen).size).toBe(seen.length);

    const queued = await client.call('GET', '/v1/jobs?status=queued');
    expect(queued.body.jobs.every((job: { status: string }) => job.status === 'queued')).toBe(true);
    expect(queued.body.jobs.map((job: { jobId: string }) => job.jobId)).toContain(first.jobId);
    const ended = await client.call('GET', '/v1/jobs?status=success,canceled&status=failure');
    expect(ended.status).toBe(200);
    expect(ended.body.jobs.every((job: { status: string }) => ['success', 'canceled', 'failure'].includes(job.status))).toBe(true);

    const bad = await client.call('GET', '/v1/jobs?status=done');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/queued, in-progress, success, failure, canceled/);
    expect((await client.call('GET', '/v1/jobs?paginationToken=garbage')).status).toBe(400);
    expect((await client.call('GET', '/v1/jobs?pageSize=0')).status).toBe(400);

    // Another team sees neither the job nor it in its list.
    const foreign = await other.call('GET', `/v1/jobs/${first.jobId}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.message).toBe(`Job "${first.jobId}" was not found`);
    expect((await other.call('GET', '/v1/jobs')).body.jobs.map((job: { jobId: string }) => job.jobId)).not.toContain(first.jobId);
    expect((await client.call('GET', '/v1/jobs/job_doesnotexist')).status).toBe(404);
  });

  it.skipIf(skipReason)('lists uploads newest first, by visible status, in pages, each project its own', async () => {
    const first = await client.createUpload({ fileName: 'u1.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 });
    const second = await client.createUpload({ fileName: 'u2.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 });
    await client.call('POST', `/v1/uploads/${second.id}/action`, { action: 'abort' });
    const pending = await client.call('GET', '/v1/uploads?status=pending&pageSize=100');
    expect(pending.status).toBe(200);
    expect(pending.body.uploads.map((u: { id: string }) => u.id)).toContain(first.id);
    expect(pending.body.uploads.every((u: { status: string }) => u.status === 'pending')).toBe(true);
    const failed = await client.call('GET', '/v1/uploads?status=failed&pageSize=100');
    expect(failed.body.uploads.map((u: { id: string }) => u.id)).toContain(second.id);
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 200; i++) {
      const page = await client.call('GET', `/v1/uploads?pageSize=3${token ? `&paginationToken=${encodeURIComponent(token)}` : ''}`);
      seen.push(...page.body.uploads.map((u: { id: string }) => u.id));
      token = page.body.nextPaginationToken;
      if (!token) break;
    }
    expect(seen.slice(0, 2)).toEqual([second.id, first.id]);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await client.call('GET', '/v1/uploads?status=finished')).status).toBe(400);
    expect((await other.call('GET', '/v1/uploads?pageSize=100')).body.uploads.map((u: { id: string }) => u.id)).not.toContain(first.id);
  });

  it.skipIf(skipReason)('long-polls a job until its status changes', async () => {
    const upload = await client.createUpload({ fileName: 'c.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 10 });
    const waiting = client.call('GET', `/v1/jobs/${upload.jobId}?waitSeconds=10&status=queued`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.call('POST', `/v1/uploads/${upload.id}/action`, { action: 'abort' });
    const { status, body } = await waiting;
    expect(status).toBe(200);
    expect(body.job.status).toBe('canceled');
  });
});
