import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers.ts';

describe('assetd command line', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-cli-test-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([[[]], [['keys']], [['keys', 'create']], [['keys', 'list']], [['keys', 'revoke']], [['serve']], [['previews', 'backfill']]])(
    'prints help for assetd %j --help',
    async (args) => {
      const result = await runCli([...args, '--help'], { ASSETD_DATA_DIR: dataDir });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(new RegExp(`^Usage: assetd${args.map((arg) => ` ${arg}`).join('')} `));
    },
  );

  it('documents the environment in the help of the commands that read it', async () => {
    expect((await runCli(['keys', '--help'], {})).stdout).toContain('ASSETD_DATABASE_URL');
    expect((await runCli(['serve', '--help'], {})).stdout).toContain('ASSETD_SIGNING_SECRET');
    expect((await runCli(['worker', '--help'], {})).stdout).toContain('ASSETD_JOB_CONCURRENCY');
    expect((await runCli(['previews', 'backfill', '--help'], {})).stdout).toContain('ASSETD_DATABASE_URL');
  });

  it('reports configuration errors as they are', async () => {
    const result = await runCli(['keys', 'list'], { ASSETD_DATA_DIR: dataDir, ASSETD_DATABASE_URL: 'mysql://localhost/assets' });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'assetd: ASSETD_DATABASE_URL must start with sqlite: or postgres://\n' });
  });

  it('serve reads its configuration from the given environment', async () => {
    // An invalid port fails before anything listens, so this proves the wiring without starting a server.
    const result = await runCli(['serve'], { ASSETD_DATA_DIR: dataDir, PORT: 'eighty' });
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'assetd: PORT must be an integer between 0 and 65535, got "eighty"\n' });
  });

  it('reports usage errors in the same form', async () => {
    const unknown = await runCli(['frobnicate'], {});
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^assetd: unknown command 'frobnicate'/);

    const missing = await runCli(['keys', 'revoke'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("assetd: missing required argument 'keyId'\n");
  });
});
