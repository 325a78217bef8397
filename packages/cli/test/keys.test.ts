import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp, createContainer, loadConfig } from '@assetd/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliResult, createTestEnvironment, DATABASES, runCli, type TestEnvironment } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
const parsed = (result: CliResult): any => {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

describe('assetd keys in a folder with no database', () => {
  it('says so and exits non-zero, creating nothing; keys create makes one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-nodb-'));
    try {
      const env = { ASSETD_DATA_DIR: dir };
      for (const args of [
        ['keys', 'list'],
        ['keys', 'revoke', 'key_x'],
      ]) {
        const result = await runCli(args, env);
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.stderr).toMatch(/there is no database at .*assetd\.db/);
      }
      expect(await readdir(dir)).toEqual([]);
      expect((await runCli(['keys', 'create'], env)).code).toBe(0);
      expect((await runCli(['keys', 'list'], env)).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

for (const target of DATABASES) {
  if (target.skipReason) {
    console.warn(target.skipReason);
    continue;
  }

  describe(`assetd keys on ${target.name}`, () => {
    let testEnv: TestEnvironment;
    const cli = (...args: string[]) => runCli(args, testEnv.env);

    beforeEach(async () => {
      testEnv = await createTestEnvironment(target);
    });
    afterEach(async () => {
      await testEnv.dispose();
    });

    it('creates a key in the default team and project, and shows its secret once', async () => {
      const result = await cli('keys', 'create', '--name', 'deploy bot');
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/API key: {4}key_[0-9A-Za-z]{24}\n/);
      expect(result.stdout).toMatch(/API secret: sk_[0-9A-Za-z]{43}\n/);
      expect(result.stdout).toMatch(/team: {7}default \(team_[0-9A-Za-z]{24}\)\n/);
      expect(result.stdout).toMatch(/project: {4}default \(proj_[0-9A-Za-z]{24}\)\n/);
      expect(result.stdout).toContain('"deploy bot"');
    });

    it('prints one JSON object with --json', async () => {
      const key = parsed(await cli('keys', 'create', '--json'));
      expect(key).toMatchObject({ name: 'api key', teamName: 'default', projectName: 'default', revokedAt: null });
      expect(key.id).toMatch(/^key_/);
      expect(key.secret).toMatch(/^sk_/);
    });

    it('lists keys as JSON and as a table, never with secrets', async () => {
      expect(await cli('keys', 'list')).toEqual({ code: 0, stdout: 'No API keys. Create one with: assetd keys create\n', stderr: '' });
      expect(parsed(await cli('keys', 'list', '--json'))).toEqual([]);

      const first = parsed(await cli('keys', 'create', '--json', '--name', 'first'));
      const second = parsed(await cli('keys', 'create', '--json', '--team', 'acme', '--project', 'web', '--name', 'second'));

      const listed = await cli('keys', 'list', '--json');
      expect(parsed(listed)).toEqual([first, second].map(({ secret: _secret, ...info }) => info));
      expect(listed.stdout).not.toContain(first.secret);

      const table = await cli('keys', 'list');
      expect(table.code).toBe(0);
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^ID +NAME +TEAM +PROJECT +CREATED +REVOKED$/);
      expect(lines[1]?.split(/ {2,}/)).toEqual([first.id, 'first', 'default', 'default', first.createdAt, '-']);
      expect(lines[2]?.split(/ {2,}/)).toEqual([second.id, 'second', 'acme', 'web', second.createdAt, '-']);
      expect(table.stdout).not.toContain(first.secret);
      expect(table.stdout).not.toContain(second.secret);
    });

    it('revokes an active key once, and fails for unknown or revoked keys', async () => {
      const key = parsed(await cli('keys', 'create', '--json'));
      expect(await cli('keys', 'revoke', key.id)).toEqual({ code: 0, stdout: `Revoked API key ${key.id}\n`, stderr: '' });

      const [info] = parsed(await cli('keys', 'list', '--json'));
      expect(info.revokedAt).toEqual(expect.any(String));
      expect((await cli('keys', 'list')).stdout).toContain(info.revokedAt);

      const again = await cli('keys', 'revoke', key.id);
      expect(again.code).not.toBe(0);
      expect(again.stdout).toBe('');
      expect(again.stderr).toBe(`assetd: no active API key "${key.id}" (it does not exist or is already revoked)\n`);

      const unknown = await cli('keys', 'revoke', 'key_doesNotExist');
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/^assetd: no active API key "key_doesNotExist"/);
    });

    it('creates teams and projects by name, then reuses them by name or id', async () => {
      const first = parsed(await cli('keys', 'create', '--json', '--team', 'acme', '--project', 'web'));
      expect(first).toMatchObject({ teamName: 'acme', projectName: 'web' });

      const byName = parsed(await cli('keys', 'create', '--json', '--team', 'acme', '--project', 'web'));
      expect(byName).toMatchObject({ teamId: first.teamId, projectId: first.projectId });

      const byId = parsed(await cli('keys', 'create', '--json', '--team', first.teamId, '--project', first.projectId));
      expect(byId).toMatchObject({ teamId: first.teamId, projectId: first.projectId });

      const newProject = parsed(await cli('keys', 'create', '--json', '--team', 'acme', '--project', 'mobile'));
      expect(newProject.teamId).toBe(first.teamId);
      expect(newProject.projectId).not.toBe(first.projectId);

      const otherTeam = parsed(await cli('keys', 'create', '--json', '--team', 'globex', '--project', 'web'));
      expect(otherTeam.teamId).not.toBe(first.teamId);
      expect(otherTeam.projectId).not.toBe(first.projectId);
    });

    it('fails clearly for an unknown team or project id', async () => {
      const team = await cli('keys', 'create', '--team', 'team_000000000000000000000000');
      expect(team).toEqual({ code: 1, stdout: '', stderr: 'assetd: Team "team_000000000000000000000000" was not found\n' });

      const project = await cli('keys', 'create', '--project', 'proj_000000000000000000000000');
      expect(project.code).toBe(1);
      expect(project.stderr).toBe('assetd: Project "proj_000000000000000000000000" was not found in this team\n');
    });

    it('makes keys that authenticate against the server until they are revoked', async () => {
      const key = parsed(await cli('keys', 'create', '--json'));
      const container = await createContainer(loadConfig(testEnv.env));
      const app = await buildApp(container, { logger: false });
      try {
        const listAssets = () =>
          app.inject({
            method: 'GET',
            url: '/v1/assets',
            headers: { authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}` },
          });
        expect((await listAssets()).statusCode).toBe(200);
        expect((await cli('keys', 'revoke', key.id)).code).toBe(0);
        expect((await listAssets()).statusCode).toBe(401);
      } finally {
        await app.close();
        await container.close();
      }
    });
  });
}
