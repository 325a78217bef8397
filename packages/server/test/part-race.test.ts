import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPartReceiver } from '../src/parts/part-receiver.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { listen } from './helpers/listen.ts';
import { makeWav } from './helpers/media.ts';
import { completeUpload, createUpload, waitForUpload } from './helpers/uploads.ts';

announceSkips();

/** Tries per part path and database: each one races a late re-PUT of the part against `complete`. */
const TRIES = 12;
const SIZE = 256 * 1024;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A part PUT whose body is sent in two halves: the first at once, the second when `release`
 * is called. Resolves with the status (0 when the server closed the connection first).
 */
function slowPut(url: string, bytes: Buffer): { started: Promise<void>; release: () => void; done: Promise<number> } {
  let release = () => {};
  let started = () => {};
  const startedPromise = new Promise<void>((resolve) => {
    started = resolve;
  });
  const done = new Promise<number>((resolve) => {
    const req = request(url, { method: 'PUT', headers: { 'content-length': bytes.length, 'content-type': 'application/octet-stream' } });
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    const half = bytes.length / 2;
    req.write(bytes.subarray(0, half), () => started());
    release = () => {
      if (!req.destroyed) req.end(bytes.subarray(half));
    };
  });
  return { started: startedPromise, release: () => release(), done };
}

const putWhole = (url: string, bytes: Buffer) =>
  fetch(url, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } }).then((r) => r.status);

const onBase = (url: string, base: string) => {
  const parsed = new URL(url);
  return `${base}${parsed.pathname}${parsed.search}`;
};

/**
 * The late-part-PUT race of issue #10: a second PUT of a part is under way while `complete`
 * runs. Whatever the interleaving, the bytes served for the asset must be the bytes the import
 * validated and hashed, and one whole version of the part (never a mix).
 */
async function raceOnce(server: TestServer, partsBase: string, seed: number): Promise<'first' | 'second'> {
  const genuine = makeWav(SIZE, seed);
  const late = makeWav(SIZE, seed + 1000);
  const upload = await createUpload(server, {
    fileName: 'r.wav',
    contentType: 'audio/wav',
    kind: 'audio',
    parts: 1,
    fileSize: genuine.length,
  });
  const url = onBase(upload.parts[0].url, partsBase);
  expect(await putWhole(url, genuine)).toBe(200);
  const second = slowPut(url, late);
  await second.started;
  const completing = completeUpload(server, upload.id);
  // Vary the interleaving: the rest of the late body goes out before, during or after completion.
  await new Promise((resolve) => setTimeout(resolve, seed % 4 === 0 ? 0 : (seed % 7) * 3));
  second.release();
  const [completed] = await Promise.all([completing, second.done]);
  if (completed.statusCode !== 200) {
    // Completion refused while a part was in flight: the upload stayed open; completing again works.
    expect(completed.statusCode, completed.body).toBe(409);
    let again = await completeUpload(server, upload.id);
    for (let i = 0; i < 50 && again.statusCode === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await completeUpload(server, upload.id);
    }
    expect(again.statusCode).toBe(200);
  }
  const { upload: final } = await waitForUpload(server, upload.id);
  expect(final.status).toBe('imported');
  const asset = json(
    await server.app.inject({ method: 'GET', url: `/v1/assets/${final.entityId}`, headers: { authorization: basic(server.key) } }),
  ).asset;
  const link = new URL(asset.url);
  const served = (await server.app.inject({ method: 'GET', url: link.pathname + link.search })).rawPayload;
  const row = await server.container.db.kysely
    .selectFrom('assets')
    .innerJoin('files', 'files.id', 'assets.file_id')
    .select(['files.sha256', 'files.size'])
    .where('assets.id', '=', final.entityId)
    .executeTakeFirstOrThrow();
  expect(sha256(served)).toBe(row.sha256);
  expect(served.length).toBe(Number(row.size));
  if (served.equals(genuine)) return 'first';
  expect(served.equals(late)).toBe(true);
  return 'second';
}

describe.each(DATABASES)('late part PUTs against complete on $name', (target) => {
  let server: TestServer;
  let receiver: Server;
  let apiBase: string;
  let receiverBase: string;
  beforeAll(async () => {
    if (target.skipReason) return;
    server = await startTestServer(target, {}, { jobs: true });
    apiBase = await listen(server);
    const intake = server.container.storage.partIntake;
    if (!intake) throw new Error('local storage receives parts');
    const handle = createPartReceiver(intake, server.container.signer, (error) => {
      throw error;
    });
    receiver = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await server?.dispose();
  });

  it.skipIf(target.skipReason)(`serves the validated bytes after ${TRIES} races through the API's part route`, async () => {
    const outcomes = [];
    for (let i = 0; i < TRIES; i++) outcomes.push(await raceOnce(server, apiBase, i + 1));
    expect(outcomes).toHaveLength(TRIES);
  });

  it.skipIf(target.skipReason)(`serves the validated bytes after ${TRIES} races through the part receiver`, async () => {
    const outcomes = [];
    for (let i = 0; i < TRIES; i++) outcomes.push(await raceOnce(server, receiverBase, i + 101));
    expect(outcomes).toHaveLength(TRIES);
  });
});
