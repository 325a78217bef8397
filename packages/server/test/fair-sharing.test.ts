import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validationJobId } from '../src/uploads/upload-service.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, startTestServer, type TestServer } from './helpers/http.ts';
import { makeImage } from './helpers/images.ts';
import { completeUpload, createUpload, jobsSettled, sendPart, waitForUpload } from './helpers/uploads.ts';

announceSkips();

/**
 * Fair sharing (issue #11 item 2): slow URL imports of one project hold download slots, never
 * the slots validation runs in, and never every slot against another project; a download under
 * the minimum rate is cut off at once. Everything runs on loopback.
 *
 * The rule in this suite is 1 KiB/s over 1 s. A `/trickle/<name>` sends 2 KiB every 100 ms
 * (about 20 KiB/s, well above it) until the test finishes it; a `/crawl/<name>` sends 64 bytes
 * every 250 ms (256 B/s, under it).
 */
const MIN_RATE = { ASSETD_IMPORT_MIN_BYTES_PER_SECOND: '1024', ASSETD_IMPORT_MIN_RATE_WINDOW_SECONDS: '1' };

interface Stream {
  readonly response: ServerResponse;
  readonly timer: NodeJS.Timeout;
  closed: boolean;
}

/** A loopback origin of slow sources; it notes every path requested, in order. */
async function startOrigin(png: Buffer) {
  const paths: string[] = [];
  const streams = new Map<string, Stream>();
  const stream = (name: string, response: ServerResponse, bytes: number, everyMs: number) => {
    // Chunked, without a length: the download ends when the test finishes it.
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    const entry: Stream = { response, timer: setInterval(() => response.write(Buffer.alloc(bytes, 7)), everyMs), closed: false };
    response.once('close', () => {
      clearInterval(entry.timer);
      entry.closed = true;
    });
    streams.set(name, entry);
  };
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '/';
    paths.push(url);
    const [, route, name = ''] = url.split('/');
    if (url === '/picture.png') {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
    } else if (route === 'trickle') {
      stream(name, response, 2048, 100);
    } else if (route === 'crawl') {
      stream(name, response, 64, 250);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    paths,
    /** Whether the source is sending now: requested, and its connection still open. */
    sending: (name: string) => streams.get(name)?.closed === false,
    /** Ends the source's body: its download completes with what it sent. */
    finish(name: string) {
      const entry = streams.get(name);
      if (!entry) throw new Error(`${name} was never requested`);
      clearInterval(entry.timer);
      entry.response.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const entry of streams.values()) entry.response.destroy();
        server.close(() => resolve());
      }),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it holds (bounded: 10 s unless told). */
async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(25);
  }
}

describe.each(DATABASES)('fair sharing of job slots on $name', (target) => {
  let server: TestServer;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let png: Buffer;
  beforeAll(async () => {
    if (target.skipReason) return;
    png = await makeImage('png', 2, 2, { seed: 11 });
    origin = await startOrigin(png);
    server = await startTestServer(
      target,
      // The defaults, said out loud: two download slots and two for everything else.
      { ASSETD_IMPORT_ALLOWED_HOSTS: origin.host, ASSETD_JOB_CONCURRENCY: '2', ASSETD_DOWNLOAD_CONCURRENCY: '2', ...MIN_RATE },
      { jobs: true },
    );
  });
  afterAll(async () => {
    await server?.dispose();
    await origin?.close();
  });
  const test = it.skipIf(target.skipReason);

  /** Imports a test made, aborted after it (those still running), so that a failed test leaves no slot taken. */
  let imports: Array<{ id: string; key: TestServer['key'] }> = [];
  afterEach(async () => {
    if (target.skipReason) return;
    for (const { id, key } of imports) await abort(id, key);
    imports = [];
    await jobsSettled(server);
  });

  /** Project A is the first team's, project B the second's. */
  async function importFor(project: 'A' | 'B', url: string, kind = 'model') {
    const key = project === 'A' ? server.key : server.otherKey;
    const upload = await createUpload(server, { url, kind }, key);
    imports.push({ id: upload.id, key });
    return upload;
  }
  const statusOf = async (uploadId: string) => (await server.container.uploads.findForJob(uploadId))?.status;
  const abort = (uploadId: string, key = server.key) =>
    server.app.inject({
      method: 'POST',
      url: `/v1/uploads/${uploadId}/action`,
      headers: { authorization: basic(key) },
      payload: { action: 'abort' },
    });
  const jobRow = (id: string) =>
    server.container.db.kysely
      .selectFrom('jobs')
      .select(['type', 'status', 'attempts', 'project_id'])
      .where('id', '=', id)
      .executeTakeFirst();

  test("B's small multipart PNG is imported while two slow downloads of A hold both download slots", async () => {
    const slow = [await importFor('A', `${origin.origin}/trickle/a1`), await importFor('A', `${origin.origin}/trickle/a2`)];
    await until('both of A’s downloads to run', async () => {
      const statuses = await Promise.all(slow.map((upload) => statusOf(upload.id)));
      return origin.sending('a1') && origin.sending('a2') && statuses.every((status) => status === 'downloading');
    });

    const created = await createUpload(
      server,
      { fileName: 'tiny.png', contentType: 'image/png', kind: 'image', parts: 1, fileSize: png.length },
      server.otherKey,
    );
    expect((await sendPart(server, created.parts[0].url, png)).statusCode).toBe(200);
    expect((await completeUpload(server, created.id, server.otherKey)).statusCode).toBe(200);
    const { upload: imported } = await waitForUpload(server, created.id, server.otherKey, 10_000);
    expect(imported.status, imported.errorMessage).toBe('imported');

    // A's downloads were running all along, and still are.
    expect(await Promise.all(slow.map((upload) => statusOf(upload.id)))).toEqual(['downloading', 'downloading']);
    expect(origin.sending('a1') && origin.sending('a2')).toBe(true);
    for (const upload of slow) {
      expect(await jobRow(upload.jobId)).toMatchObject({ type: 'upload.download', status: 'running', attempts: 1 });
    }

    for (const upload of slow) expect((await abort(upload.id)).statusCode).toBe(200);
    await jobsSettled(server);
    expect(origin.sending('a1') || origin.sending('a2')).toBe(false);
  });

  test('a freed download slot goes to B, which has none running, before the older queued download of A', async () => {
    const running = [await importFor('A', `${origin.origin}/trickle/b1`), await importFor('A', `${origin.origin}/trickle/b2`)];
    await until('both download slots to be taken', async () => origin.sending('b1') && origin.sending('b2'));
    const waiting = await importFor('A', `${origin.origin}/trickle/b3`);
    const other = await importFor('B', `${origin.origin}/picture.png`, 'image');
    // Queued, A's first: both wait for a slot.
    expect([await statusOf(waiting.id), await statusOf(other.id)]).toEqual(['pending', 'pending']);
    expect(await jobRow(other.jobId)).toMatchObject({ status: 'queued', project_id: other.ownerId });

    origin.finish('b1');
    const { upload: imported } = await waitForUpload(server, other.id, server.otherKey, 10_000);
    expect(imported.status, imported.errorMessage).toBe('imported');
    // A holds one slot (b2): B, holding none, came first although A's job was older.
    const picture = origin.paths.indexOf('/picture.png');
    const third = origin.paths.indexOf('/trickle/b3');
    expect(picture).toBeGreaterThan(-1);
    expect(third === -1 || third > picture).toBe(true);
    // The finished download went on to validation in its own job, and the other still runs.
    const { upload: first } = await waitForUpload(server, running[0].id, server.key, 10_000);
    expect(first.status, first.errorMessage).toBe('imported');
    expect(await statusOf(running[1].id)).toBe('downloading');
  });

  test('a download under the minimum rate is cut off: the upload fails at once, tried once', async () => {
    const upload = await importFor('A', `${origin.origin}/crawl/c1`);
    const { upload: failed } = await waitForUpload(server, upload.id, server.key, 10_000);
    expect(failed.status).toBe('failed');
    expect(failed.errorMessage).toMatch(
      new RegExp(`^The download from ${origin.host} was too slow: \\d+ B/s over the last 1(\\.\\d)? s, under the minimum of 1 KiB/s$`),
    );
    await jobsSettled(server);
    expect(await jobRow(upload.jobId)).toMatchObject({ type: 'upload.download', status: 'done', attempts: 1 });
    expect(await jobRow(validationJobId(upload))).toBeUndefined();
    expect(origin.paths.filter((path) => path === '/crawl/c1')).toHaveLength(1);
    expect(origin.sending('c1')).toBe(false);
  });

  test('an import queued by an older version as one upload.process job still downloads, then validates in a job of its own', async () => {
    await server.container.runner.stop();
    const upload = await importFor('B', `${origin.origin}/picture.png`, 'image');
    // What a version before the split queued at creation.
    await server.container.db.kysely.updateTable('jobs').set({ type: 'upload.process' }).where('id', '=', upload.jobId).execute();
    server.container.runner.start();
    const { upload: imported } = await waitForUpload(server, upload.id, server.otherKey, 10_000);
    expect(imported.status, imported.errorMessage).toBe('imported');
    await jobsSettled(server);
    expect(await jobRow(upload.jobId)).toMatchObject({ type: 'upload.process', status: 'done', attempts: 1 });
    expect(await jobRow(validationJobId(upload))).toMatchObject({ type: 'upload.process', status: 'done', project_id: upload.ownerId });
  });
});
