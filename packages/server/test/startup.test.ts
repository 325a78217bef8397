import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, freePort } from './helpers/processes.ts';

/** Runs `assetd serve` until it exits or `ms` pass (then it is killed); what it printed and how it ended. */
async function serveFor(env: Record<string, string>, ms: number, until?: (output: string) => boolean) {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let stopping = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    // One SIGTERM: a second one while it drains would kill it outright.
    if (!stopping && until?.(stdout)) {
      stopping = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stdout, stderr, killed: child.signalCode === 'SIGKILL' };
}

describe('assetd serve at start', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  const dataDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-start-'));
    dirs.push(dir);
    return dir;
  };

  it('exits non-zero with one line when its port is in use, instead of hanging', { timeout: 60_000 }, async () => {
    const busy = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const result = await serveFor({ PORT: String(port), ASSETD_DATA_DIR: await dataDir(), ASSETD_LOG_LEVEL: 'warn' }, 30_000);
      expect(result.killed).toBe(false);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `assetd: port ${port} on 127.0.0.1 is already in use: stop what listens there, or set PORT to another port`,
      ]);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('exits non-zero with one line on a bad setting', { timeout: 60_000 }, async () => {
    const result = await serveFor({ PORT: 'eighty', ASSETD_DATA_DIR: await dataDir() }, 30_000);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/PORT/);
  });

  it('says in one line where it listens, its database, storage, data folder and whether video frames are on', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const dir = await dataDir();
    const result = await serveFor({ PORT: String(port), ASSETD_DATA_DIR: dir, ASSETD_LOG_LEVEL: 'info' }, 30_000, (output) =>
      output.includes('assetd ready'),
    );
    const ready = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => String(entry.msg).startsWith('assetd ready'));
    expect(ready).toMatchObject({
      url: `http://127.0.0.1:${port}`,
      database: `sqlite:${path.join(dir, 'assetd.db')}`,
      storage: `local ${path.join(dir, 'files')}`,
      dataDir: dir,
      videoFrames: expect.stringMatching(/^(on|off)/),
    });
    expect(result.code).toBe(0);
  });
});
