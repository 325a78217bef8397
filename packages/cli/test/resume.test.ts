import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../../server/test/helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from '../../server/test/helpers/http.ts';
import { listen } from '../../server/test/helpers/listen.ts';
import { makeWav } from '../../server/test/helpers/media.ts';
import { CLI, waitFor } from '../../server/test/helpers/processes.ts';
import { runCli } from './helpers.ts';

const MiB = 1024 * 1024;
const sqlite = DATABASES[0] as (typeof DATABASES)[number];

/**
 * A loopback proxy in front of the server that counts the part PUTs it passed on whole, and
 * holds each a moment, so a test can kill the client between two parts.
 */
async function startCountingProxy(target: string) {
  const parts: string[] = [];
  let inflight = 0;
  const server: Server = createServer((incoming, outgoing) => {
    inflight++;
    outgoing.once('close', () => inflight--);
    const url = new URL(incoming.url ?? '/', target);
    const isPart = incoming.method === 'PUT' && /^\/uploads\/[^/]+\/parts\/\d+$/.test(url.pathname);
    const forward = httpRequest(url, { method: incoming.method, headers: incoming.headers }, (answer) => {
      if (isPart && answer.statusCode === 200) parts.push(url.pathname);
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', () => outgoing.destroy());
    incoming.on('error', () => forward.destroy());
    if (isPart) setTimeout(() => incoming.pipe(forward), 150);
    else incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    parts,
    inflight: () => inflight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('assetd upload after a crash', () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer(sqlite, {}, { jobs: true });
    proxy = await startCountingProxy(await listen(server));
    dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-resume-'));
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes the unfinished upload of the same file, sending only the missing parts, and makes one asset', {
    timeout: 120_000,
  }, async () => {
    const file = path.join(dir, 'long.wav');
    await writeFile(file, makeWav(40 * MiB, 7));
    const env = {
      ASSETD_BASE_URL: proxy.url,
      ASSETD_API_KEY: server.key.id,
      ASSETD_API_SECRET: server.key.secret,
      ASSETD_STATE_DIR: path.join(dir, 'state'),
    };
    const args = ['upload', file, '--part-size', '5', '--part-concurrency', '1', '--json', '--no-progress'];
    const first = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: 'ignore' });
    try {
      await waitFor('three parts to arrive', async () => (proxy.parts.length >= 3 ? true : undefined), 60_000);
    } finally {
      first.kill('SIGKILL');
    }
    await new Promise((resolve) => first.once('exit', resolve));
    // A part the killed client had sent may still be on its way to the server: let it land first.
    await waitFor('the proxy to be idle', async () => (proxy.inflight() === 0 ? true : undefined), 30_000);
    const state = JSON.parse(await readFile(path.join(dir, 'state', 'unfinished-uploads.json'), 'utf8'));
    const [uploadId] = Object.values(state) as string[];
    expect(uploadId).toMatch(/^upload_/);
    const held = json(
      await server.app.inject({ method: 'GET', url: `/v1/uploads/${uploadId}/parts`, headers: { authorization: basic(server.key) } }),
    ).parts.length;
    expect(held).toBeGreaterThanOrEqual(3);
    expect(held).toBeLessThan(8);

    const sentBefore = proxy.parts.length;
    const second = await runCli(args, env);
    expect(second.code, second.stderr).toBe(0);
    const [result] = JSON.parse(second.stdout);
    expect(result).toMatchObject({ uploadId, assetId: expect.stringMatching(/^asset_/) });
    // Only what the server lacked went over the wire the second time.
    expect(proxy.parts.length - sentBefore).toBe(8 - held);
    const assets = json(
      await server.app.inject({ method: 'GET', url: '/v1/assets?pageSize=100', headers: { authorization: basic(server.key) } }),
    );
    expect(assets.assets.filter((asset: { metadata: { name: string } }) => asset.metadata.name === 'long.wav')).toHaveLength(1);
    expect(JSON.parse(await readFile(path.join(dir, 'state', 'unfinished-uploads.json'), 'utf8'))).toEqual({});

    // Run again: the file is already there, so nothing is sent at all.
    const third = await runCli(args, env);
    expect(JSON.parse(third.stdout)[0]).toMatchObject({ assetId: result.assetId, skipped: true });
  });
});
