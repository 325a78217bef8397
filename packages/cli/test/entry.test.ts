import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliResult } from './helpers.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
// The repository's Node 24: the system one may be too old to run TypeScript.
const node = path.join(repoRoot, 'node_modules/.bin/node');

/** Runs a script of the repository as a child process with exactly `env`, resolving whatever its exit code. */
function runNode(script: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(node, [script, ...args], { cwd: repoRoot, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the assetd executable', () => {
  let env: Record<string, string>;
  beforeEach(async () => {
    env = { PATH: process.env.PATH ?? '', ASSETD_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'assetd-cli-test-')) };
  });
  afterEach(async () => {
    await rm(env.ASSETD_DATA_DIR ?? '', { recursive: true, force: true });
  });

  it('runs from src/main.ts and from the bin shim', async () => {
    const created = await runNode('packages/cli/src/main.ts', ['keys', 'create', '--json'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key.id).toMatch(/^key_/);
    expect(key.secret).toMatch(/^sk_/);

    const listed = await runNode('packages/cli/bin/assetd.js', ['keys', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((info: { id: string }) => info.id)).toEqual([key.id]);
  });

  it('exits non-zero with the message on stderr when a command fails', async () => {
    expect((await runNode('packages/cli/src/main.ts', ['keys', 'create'], env)).code).toBe(0);
    const result = await runNode('packages/cli/src/main.ts', ['keys', 'revoke', 'key_missing'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^assetd: no active API key "key_missing"/);
  });
});
