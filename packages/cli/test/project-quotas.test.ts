import type { AddressInfo } from 'node:net';
import { buildApp, type Container, createContainer, loadConfig } from '@assetd/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeImage } from '../../server/test/helpers/images.ts';
import { type CliResult, createTestEnvironment, DATABASES, runCli, type TestEnvironment } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
const parsed = (result: CliResult): any => {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

for (const target of DATABASES) {
  describe.skipIf(target.skipReason)(`assetd projects set-quota and usage on ${target.name}`, () => {
    let testEnv: TestEnvironment;
    let container: Container;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let clientEnv: Record<string, string>;
    let key: { id: string; secret: string; projectId: string };
    const cli = (...args: string[]) => runCli(args, testEnv.env);
    const client = (...args: string[]) => runCli(args, clientEnv);
    const uploadImage = async (seed: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/assets',
        headers: { authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}` },
        payload: { image: (await makeImage('png', 8 + seed, 8)).toString('base64'), name: 'image.png' },
      });

    beforeEach(async () => {
      testEnv = await createTestEnvironment(target);
      key = parsed(await cli('keys', 'create', '--project', 'art', '--json'));
      container = await createContainer(loadConfig(testEnv.env));
      app = await buildApp(container, { logger: false });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;
      clientEnv = { ASSETD_BASE_URL: `http://127.0.0.1:${port}`, ASSETD_API_KEY: key.id, ASSETD_API_SECRET: key.secret };
    });
    afterEach(async () => {
      await app.close();
      await container.close();
      await testEnv.dispose();
    });

    it('a quota set from the command line changes what the server accepts, and --clear lifts it', async () => {
      expect((await uploadImage(1)).statusCode).toBe(200);
      const set = parsed(await cli('projects', 'set-quota', 'art', '--max-assets', '1', '--json'));
      expect(set).toMatchObject({ projectId: key.projectId, assets: 1, limits: { maxAssets: 1, maxBytes: null } });
      const refused = await uploadImage(2);
      expect(refused.statusCode).toBe(413);
      expect(JSON.parse(refused.body).code).toBe('QUOTA_EXCEEDED');

      // A limit not given keeps its value; the table names both.
      const bytes = await cli('projects', 'set-quota', key.projectId, '--max-bytes', '1000000');
      expect(bytes.code, bytes.stderr).toBe(0);
      expect(bytes.stdout).toMatch(/Project art \(proj_\w+\):\n/);
      expect(bytes.stdout).toMatch(/bytes\s+\d+\s+0\s+1000000/);
      expect(bytes.stdout).toMatch(/assets\s+1\s+0\s+1\n/);

      expect(parsed(await cli('projects', 'set-quota', 'art', '--clear', '--json')).limits).toEqual({ maxBytes: null, maxAssets: null });
      expect((await uploadImage(2)).statusCode).toBe(200);

      const usage = parsed(await client('projects', 'usage', key.projectId, '--json'));
      expect(usage).toMatchObject({ projectId: key.projectId, assets: 2, reservedBytes: 0, limits: { maxBytes: null, maxAssets: null } });
      const table = await client('projects', 'usage', '--project', key.projectId);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/assets\s+2\s+0\s+unlimited/);
    });

    it('refuses what it cannot do, saying why', async () => {
      const missing = await cli('projects', 'set-quota', 'nowhere', '--max-assets', '1');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('No project has the id or name "nowhere"');
      const nothing = await cli('projects', 'set-quota', 'art');
      expect(nothing.code).not.toBe(0);
      expect(nothing.stderr).toContain('give --max-bytes, --max-assets or both (or --clear)');
      const both = await cli('projects', 'set-quota', 'art', '--clear', '--max-bytes', '5');
      expect(both.stderr).toContain('--clear removes both limits');
      const negative = await cli('projects', 'set-quota', 'art', '--max-bytes', '-1');
      expect(negative.stderr).toContain('--max-bytes must be a whole number');
      const otherTeam = parsed(await cli('keys', 'create', '--team', 'other', '--project', 'theirs', '--json'));
      const foreign = await client('projects', 'usage', otherTeam.projectId);
      expect(foreign.stderr).toContain('PROJECT_NOT_FOUND');
    });
  });
}
