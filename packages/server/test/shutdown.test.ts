import { type ChildProcess, spawn } from 'node:child_process';
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
import { CLI, freePort } from './helpers/processes.ts';
import { closedWithin, closeRawSockets, rawRequest } from './helpers/raw-socket.ts';

announceSkips();

/**
 * SIGTERM with work in flight (issue #11.9): `assetd serve` runs a video's import with an
 * ffmpeg that never finishes and a URL import whose source stalls mid-body. On SIGTERM it
 * exits within seconds, leaving no ffmpeg alive and no download open; after a restart both
 * uploads are retried and imported, not failed.
 */
const VIDEO = fixtureFile('video.mp4');

async function until<T>(what: string, probe: () => Promise<T | undefined>, output: string[], timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output.join('')}`);
    await sleep(50);
  }
}

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

const children = new Set<ChildProcess>();
const fakes: FakeFfmpeg[] = [];
const workDirs: string[] = [];

afterAll(async () => {
  // Whatever a failed assertion left: no assetd and no fake ffmpeg outlives the suite.
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
  for (const fake of fakes) await fake.killAll();
  await Promise.all(deployments.map((d) => d.cleanup().catch(() => {})));
  await Promise.all(workDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `assetd serve` as a child process, its output kept for failure messages. */
async function startServe(env: NodeJS.ProcessEnv, base: string, output: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  await until(
    'assetd to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`assetd exited: ${output.join('')}`);
      return (
        (await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )) || undefined
      );
    },
    output,
  );
  return child;
}

describe.each(deployments)('SIGTERM with jobs running: $name', (deployment) => {
  it.skipIf(deployment.skipReason)(
    'exits within seconds, leaves no ffmpeg nor download behind, and the uploads are imported after a restart',
    { timeout: 120_000 },
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-sigterm-'));
      workDirs.push(dir);
      const ffmpeg = await hangingFfmpeg(dir);
      fakes.push(ffmpeg);
      const source = await videoSource();
      try {
        const key = { id: newId('key'), secret: `sk_${randomToken(32)}` };
        const authorization = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}`;
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        const env = {
          ...process.env,
          ...(await deployment.env()),
          ASSETD_DATA_DIR: path.join(dir, 'data'),
          PORT: String(port),
          ASSETD_API_KEY: key.id,
          ASSETD_API_SECRET: key.secret,
          ASSETD_SIGNING_SECRET: randomToken(40),
          ASSETD_FFMPEG_PATH: ffmpeg.path,
          // The stalling source is on loopback: only this host:port may be fetched there.
          ASSETD_IMPORT_ALLOWED_HOSTS: source.host,
          ASSETD_LOG_LEVEL: 'info',
        };
        const output: string[] = [];
        const start = async (extra: Record<string, string> = {}) => {
          const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
          children.add(child);
          child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
          child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
          await until(
            'assetd to be ready',
            async () => {
              if (child.exitCode !== null) throw new Error(`assetd exited: ${output.join('')}`);
              return (
                (await fetch(`${base}/readyz`).then(
                  (r) => r.ok,
                  () => false,
                )) || undefined
              );
            },
            output,
          );
          return child;
        };
        const api = async (method: string, url: string, body?: unknown) => {
          const response = await fetch(`${base}${url}`, {
            method,
            headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
            ...(body ? { body: JSON.stringify(body) } : {}),
          });
          const text = await response.text();
          if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
          // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
          return JSON.parse(text) as any;
        };

        const first = await start();
        // A video whose frames the hanging ffmpeg never makes.
        const video = await readFile(VIDEO.path);
        const { upload: multipart } = await api('POST', '/v1/uploads', {
          fileName: 'clip.mp4',
          contentType: 'video/mp4',
          kind: 'video',
          parts: 1,
          fileSize: video.length,
        });
        expect((await fetch(multipart.parts[0].url, { method: 'PUT', body: video })).status).toBe(200);
        expect((await api('POST', `/v1/uploads/${multipart.id}/action`, { action: 'complete' })).upload.status).toBe('validating');
        // And an import whose source stalls halfway.
        const { upload: imported } = await api('POST', '/v1/uploads', { url: source.url, kind: 'video', contentType: 'video/mp4' });
        const pids = await until('ffmpeg to hang', async () => ((await ffmpeg.pids()).length > 0 ? ffmpeg.pids() : undefined), output);
        await until('the download to stall', async () => (source.state.open.size > 0 ? true : undefined), output);
        for (const pid of pids) expect(isAlive(pid)).toBe(true);

        const stopping = Date.now();
        const exited = once(first, 'exit');
        first.kill('SIGTERM');
        const [code] = await Promise.race([exited, sleep(10_000).then(() => [`still running after 10 s: ${output.join('')}`])]);
        const tookMs = Date.now() - stopping;
        expect(code).toBe(0);
        expect(tookMs).toBeLessThan(5000);
        // The ffmpeg runs were killed, and the download's connection closed, before the process exited.
        for (const pid of await ffmpeg.pids()) expect(isAlive(pid), `ffmpeg ${pid}`).toBe(false);
        await until('the source to see its connection closed', async () => (source.state.open.size === 0 ? true : undefined), output, 2000);
        // The download's staging file went with it.
        expect(await readdir(path.join(dir, 'data', 'tmp')).catch(() => [])).toEqual([]);

        // A restart without ffmpeg (videos import without frames) and with the source whole again.
        source.state.stall = false;
        const second = await start({ ASSETD_FFMPEG_PATH: 'off' });
        for (const id of [multipart.id, imported.id]) {
          const done = await until(
            `upload ${id} to settle`,
            async () => {
              const { upload } = await api('GET', `/v1/uploads/${id}`);
              return upload.status === 'imported' || upload.status === 'failed' ? upload : undefined;
            },
            output,
          );
          expect(done.status, done.errorMessage).toBe('imported');
        }
        expect(source.state.requests).toBe(2);
        const exitedAgain = once(second, 'exit');
        second.kill('SIGTERM');
        expect((await exitedAgain)[0]).toBe(0);
      } finally {
        await source.close();
      }
    },
  );

  it.skipIf(deployment.skipReason)(
    'answers long polls at once, gives requests in flight the grace period, then closes them and exits',
    { timeout: 60_000 },
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-sigterm-'));
      workDirs.push(dir);
      const key = { id: newId('key'), secret: `sk_${randomToken(32)}` };
      const authorization = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}`;
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = {
        ...process.env,
        ...(await deployment.env()),
        ASSETD_DATA_DIR: path.join(dir, 'data'),
        PORT: String(port),
        ASSETD_API_KEY: key.id,
        ASSETD_API_SECRET: key.secret,
        ASSETD_SIGNING_SECRET: randomToken(40),
        ASSETD_FFMPEG_PATH: 'off',
        ASSETD_SHUTDOWN_GRACE_SECONDS: '1',
        // The stalled part below is cut off by the shutdown's grace, not by the body rate (30 s).
        ASSETD_MIN_BODY_BYTES_PER_SECOND: '0',
        ASSETD_LOG_LEVEL: 'warn',
      };
      const output: string[] = [];
      const api = async (method: string, url: string, body?: unknown) => {
        const response = await fetch(`${base}${url}`, {
          method,
          headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
        return { status: response.status, body: (await response.json()) as any };
      };
      const server = await startServe(env, base, output);
      const size = 64 * 1024;
      const { body } = await api('POST', '/v1/uploads', {
        fileName: 'a.wav',
        contentType: 'audio/wav',
        kind: 'audio',
        parts: 1,
        fileSize: size,
      });
      const upload = body.upload;
      // A part that stops halfway, and a long poll waiting for the upload to change.
      const part = new URL(upload.parts[0].url);
      const stalled = await rawRequest(
        port,
        `PUT ${part.pathname}${part.search} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${size}\r\n\r\n`,
      );
      stalled.socket.write(Buffer.alloc(size / 2, 1));
      const polling = api('GET', `/v1/uploads/${upload.id}?waitSeconds=30`);
      await sleep(300);

      const stopping = Date.now();
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      const poll = await polling;
      expect(poll.status).toBe(200);
      expect(Date.now() - stopping).toBeLessThan(1000);
      await closedWithin(stalled, 1000 + 3000);
      const [code] = await Promise.race([exited, sleep(10_000).then(() => [`still running after 10 s: ${output.join('')}`])]);
      expect(code).toBe(0);
      expect(Date.now() - stopping).toBeGreaterThanOrEqual(900);
      expect(Date.now() - stopping).toBeLessThan(4000);
      closeRawSockets();

      // Nothing of the half part was kept.
      const again = await startServe(env, base, output);
      const { body: listed } = await api('GET', `/v1/uploads/${upload.id}/parts`);
      expect(listed.parts).toEqual([]);
      const exitedAgain = once(again, 'exit');
      again.kill('SIGTERM');
      expect((await exitedAgain)[0]).toBe(0);
    },
  );
});
