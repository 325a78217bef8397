import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { newId, randomToken } from '../src/lib/ids.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { type FakeFfmpeg, hangingFfmpeg, isAlive } from './helpers/fake-ffmpeg.ts';
import { fixtureFile } from './helpers/media-files.ts';
import { type AssetdProcess, freePort, jsonApi, killAssetdProcesses, startServe, waitFor } from './helpers/processes.ts';
import { closeRawSockets, rawRequest } from './helpers/raw-socket.ts';

announceSkips();

/**
 * SIGTERM with work in flight (issue #11.9): `assetd serve` runs a video's import with an
 * ffmpeg that never finishes and a URL import whose source stalls mid-body. On SIGTERM it
 * stops them at once and exits, leaving no ffmpeg alive and no download open; after a restart
 * both uploads are retried and imported, not failed.
 */
const VIDEO = fixtureFile('video.mp4');

/**
 * The URL import's source, on loopback: `stall` sends the headers and half the video, then
 * holds the response open (as a server that hangs would); otherwise it sends the whole video.
 */
async function videoSource() {
  const video = await readFile(VIDEO.path);
  const state = { stall: true, open: new Set<ServerResponse>(), requests: 0 };
  const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
    state.requests++;
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(video.length) });
    if (!state.stall) return response.end(video);
    state.open.add(response);
    response.once('close', () => state.open.delete(response));
    response.write(video.subarray(0, video.length / 2));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    state,
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/clip.mp4`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Deployment {
  readonly name: string;
  readonly skipReason: string | undefined;
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

const postgres = DATABASES.find((target) => target.name === 'postgres');
const deployments: Deployment[] = [
  { name: 'embedded (SQLite, local disk)', skipReason: undefined, env: async () => ({}), cleanup: async () => {} },
  (() => {
    const databases: string[] = [];
    return {
      name: 'PostgreSQL, local disk',
      skipReason: postgres?.skipReason,
      // A database of its own for each test, as `serve` migrates and uses one whole.
      async env() {
        const database = `assetd_sigterm_${randomToken(10).toLowerCase()}`;
        databases.push(database);
        const admin = new pg.Client({ connectionString: postgres?.url });
        await admin.connect();
        await admin.query(`create database ${database}`);
        await admin.end();
        const url = new URL(postgres?.url as string);
        url.pathname = `/${database}`;
        return { ASSETD_DATABASE_URL: url.toString() };
      },
      async cleanup() {
        if (!postgres?.url) return;
        const admin = new pg.Client({ connectionString: postgres.url });
        await admin.connect();
        for (const database of databases) await admin.query(`drop database if exists ${database} with (force)`);
        await admin.end();
      },
    };
  })(),
];

const fakes: FakeFfmpeg[] = [];
const workDirs: string[] = [];

afterAll(async () => {
  // Whatever a failed assertion left: no assetd and no fake ffmpeg outlives the suite.
  await killAssetdProcesses();
  for (const fake of fakes) await fake.killAll();
  await Promise.all(deployments.map((d) => d.cleanup().catch(() => {})));
  await Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The environment of a fresh `assetd serve` of `deployment` on its own data folder, with a key of its own. */
async function serveEnv(deployment: Deployment, extra: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-sigterm-'));
  workDirs.push(dir);
  const key = { id: newId('key'), secret: `sk_${randomToken(32)}` };
  const env = {
    ...(await deployment.env()),
    ASSETD_DATA_DIR: path.join(dir, 'data'),
    PORT: String(await freePort()),
    ASSETD_API_KEY: key.id,
    ASSETD_API_SECRET: key.secret,
    ASSETD_SIGNING_SECRET: randomToken(40),
    ...extra,
  };
  return { dir, key, env };
}

/** Whether the server logged `message` (pino's JSON lines). */
const logged = (proc: AssetdProcess, message: string) => proc.output.join('').includes(`"msg":"${message}`);

/** The second test's grace period: long enough for a part in flight to finish after SIGTERM. */
const GRACE_SECONDS = 3;

describe.each(deployments)('SIGTERM with jobs running: $name', (deployment) => {
  it.skipIf(deployment.skipReason)(
    'ends jobs at once and exits, leaving no ffmpeg nor download behind; the uploads are imported after a restart',
    { timeout: 120_000 },
    async () => {
      // A grace period of an hour puts the process's fallback exit (code 1, grace + 10 s) past the
      // test's timeout: only jobs that stop at once (ffmpeg killed, the download closed) let it exit.
      const { dir, key, env: serveWith } = await serveEnv(deployment, { ASSETD_SHUTDOWN_GRACE_SECONDS: '3600', ASSETD_LOG_LEVEL: 'info' });
      const ffmpeg = await hangingFfmpeg(dir);
      fakes.push(ffmpeg);
      const source = await videoSource();
      try {
        // The stalling source is on loopback: only this host:port may be fetched there.
        const env = { ...serveWith, ASSETD_FFMPEG_PATH: ffmpeg.path, ASSETD_IMPORT_ALLOWED_HOSTS: source.host };
        const first = await startServe(env, 'first');
        const api = jsonApi(first.base, key);
        const ok = async (method: string, url: string, body?: unknown) => {
          const answer = await api(method, url, body);
          expect(answer.status, `${method} ${url}: ${JSON.stringify(answer.body)}`).toBe(200);
          return answer.body;
        };
        const output = () => first.output.join('');

        // A video whose frames the hanging ffmpeg never makes.
        const video = await readFile(VIDEO.path);
        const { upload: multipart } = await ok('POST', '/v1/uploads', {
          fileName: 'clip.mp4',
          contentType: 'video/mp4',
          kind: 'video',
          parts: 1,
          fileSize: video.length,
        });
        expect((await fetch(multipart.parts[0].url, { method: 'PUT', body: video })).status).toBe(200);
        expect((await ok('POST', `/v1/uploads/${multipart.id}/action`, { action: 'complete' })).upload.status).toBe('validating');
        // And an import whose source stalls halfway.
        const { upload: imported } = await ok('POST', '/v1/uploads', { url: source.url, kind: 'video', contentType: 'video/mp4' });
        const pids = await waitFor(
          'ffmpeg to hang',
          async () => ((await ffmpeg.pids()).length > 0 ? ffmpeg.pids() : undefined),
          30_000,
          output,
        );
        await waitFor('the download to stall', async () => (source.state.open.size > 0 ? true : undefined), 30_000, output);
        for (const pid of pids) expect(isAlive(pid)).toBe(true);

        expect(await first.stop('SIGTERM'), output()).toEqual({ code: 0, signal: null });
        expect(logged(first, 'shutting down')).toBe(true);
        // The ffmpeg runs were killed, and the download's connection closed, before the process exited.
        for (const pid of await ffmpeg.pids()) expect(isAlive(pid), `ffmpeg ${pid}`).toBe(false);
        await waitFor('the source to see its connection closed', async () => (source.state.open.size === 0 ? true : undefined));
        // The download's staging file went with it.
        expect(await readdir(path.join(dir, 'data', 'tmp')).catch(() => [])).toEqual([]);

        // A restart without ffmpeg (videos import without frames) and with the source whole again.
        source.state.stall = false;
        const second = await startServe({ ...env, ASSETD_FFMPEG_PATH: 'off' }, 'second');
        for (const id of [multipart.id, imported.id]) {
          const done = await waitFor(
            `upload ${id} to settle`,
            async () => {
              const { upload } = await ok('GET', `/v1/uploads/${id}`);
              return upload.status === 'imported' || upload.status === 'failed' ? upload : undefined;
            },
            30_000,
            () => second.output.join(''),
          );
          expect(done.status, done.errorMessage).toBe('imported');
        }
        expect(source.state.requests).toBe(2);
        expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      } finally {
        await source.close();
      }
    },
  );

  it.skipIf(deployment.skipReason)(
    'answers long polls at once, lets requests in flight finish within the grace period, then closes the rest and exits',
    { timeout: 60_000 },
    async () => {
      const { key, env } = await serveEnv(deployment, {
        ASSETD_FFMPEG_PATH: 'off',
        ASSETD_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS),
        // The stalled part below is cut off by the shutdown's grace, not by the body rate; and the
        // idle timeout (75 s) is past the test's: only the grace period can close it in time.
        ASSETD_MIN_BODY_BYTES_PER_SECOND: '0',
        ASSETD_LOG_LEVEL: 'warn',
      });
      const server = await startServe(env);
      const api = jsonApi(server.base, key);
      const size = 64 * 1024;
      const create = async (fileName: string) =>
        (await api('POST', '/v1/uploads', { fileName, contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: size })).body.upload;
      const partHead = (upload: { parts: Array<{ url: string }> }) => {
        const part = new URL(upload.parts[0]?.url as string);
        return `PUT ${part.pathname}${part.search} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${size}\r\n\r\n`;
      };
      // Two parts that stop halfway: one goes on during the grace period, the other never does.
      const stalledUpload = await create('stalled.wav');
      const finishingUpload = await create('finishing.wav');
      const stalled = await rawRequest(server.port, partHead(stalledUpload));
      const finishing = await rawRequest(server.port, partHead(finishingUpload));
      for (const client of [stalled, finishing]) client.socket.write(Buffer.alloc(size / 2, 1));
      // And a long poll waiting for the upload to change.
      const polling = api('GET', `/v1/uploads/${stalledUpload.id}?waitSeconds=30`);
      await sleep(300);

      server.child.kill('SIGTERM');
      const poll = await polling;
      expect(poll.status).toBe(200);
      // Answered at once: before the grace period ran out (which closes the stalled part).
      expect(stalled.isOpen()).toBe(true);
      // A request in flight finishes within the grace period.
      finishing.socket.write(Buffer.alloc(size / 2, 2));
      expect((await finishing.closed).reply).toMatch(/^HTTP\/1\.1 200 /);
      // The one that never finishes is closed once the grace period is over; then the process exits.
      await stalled.closed;
      expect(await server.exited, server.output.join('')).toEqual({ code: 0, signal: null });
      closeRawSockets();

      // Nothing of the half part was kept; the finished one was.
      const again = await startServe(env);
      expect((await api('GET', `/v1/uploads/${stalledUpload.id}/parts`)).body.parts).toEqual([]);
      expect((await api('GET', `/v1/uploads/${finishingUpload.id}/parts`)).body.parts).toEqual([
        expect.objectContaining({ number: 1, size }),
      ]);
      expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    },
  );
});
