import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { makeImage } from './helpers/images.ts';
import { listen } from './helpers/listen.ts';

announceSkips();
const run = promisify(execFile);
const EXAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'spec-examples');

async function pythonWithRequests(): Promise<string | undefined> {
  try {
    await run('python3', ['-c', 'import requests']);
    return undefined;
  } catch {
    const reason = 'python3 with the requests package is missing: the Python examples of the spec are skipped';
    if (process.env.CI === 'true') throw new Error(`${reason} (not allowed under CI=true)`);
    console.warn(reason);
    return reason;
  }
}
const pythonMissing = await pythonWithRequests();

describe.each(DATABASES)("spec 000's POST /v1/assets examples on $name", (target) => {
  let server: TestServer;
  let baseUrl: string;
  let workDir: string;
  beforeAll(async () => {
    if (target.skipReason) return;
    server = await startTestServer(target);
    baseUrl = await listen(server);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-examples-'));
    const png = await makeImage('png', 256, 128, { alpha: true, seed: 77 });
    await writeFile(path.join(workDir, 'my_image.png'), png);
    await writeFile(path.join(workDir, 'image.png'), png);
  });
  afterAll(async () => {
    await server?.dispose();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** Copies an example with only the base URL and the credentials replaced, and runs it. */
  async function runExample(file: string): Promise<string> {
    const source = (await readFile(path.join(EXAMPLES, file), 'utf8'))
      .replaceAll('https://api.cloud.scenario.com', baseUrl)
      .replaceAll('YOUR_API_KEY', server.key.id)
      .replaceAll('YOUR_API_SECRET', server.key.secret)
      .replaceAll('YOUR_PROJECT_ID', server.key.projectId)
      .replaceAll('proj_...', server.key.projectId)
      .replaceAll('key_...', server.key.id)
      .replaceAll('secret_...', server.key.secret);
    const script = path.join(workDir, file);
    await writeFile(script, source);
    const [command, args] = file.endsWith('.py') ? ['python3', [script]] : [process.execPath, [script]];
    const { stdout } = await run(command, args, {
      cwd: workDir,
      // The JavaScript examples require node-fetch: let them find this repository's copy.
      env: { ...process.env, NODE_PATH: path.resolve('node_modules') },
      timeout: 60_000,
    });
    return stdout;
  }

  async function expectStored(assetId: string, name: string) {
    const response = await server.app.inject({
      method: 'GET',
      url: `/v1/assets/${assetId}`,
      headers: { authorization: basic(server.key) },
    });
    expect(json(response).asset).toMatchObject({
      id: assetId,
      mimeType: 'image/png',
      metadata: { name },
      properties: { width: 256, height: 128 },
    });
  }

  it.skipIf(target.skipReason || pythonMissing)('the Python base64 upload', async () => {
    const stdout = await runExample('upload_image_base64.py');
    const id = /Asset uploaded successfully! Asset ID: (asset_\w+)/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    await expectStored(id as string, 'my_image_base64_upload');
  });

  it.skipIf(target.skipReason)('the Node.js base64 upload', async () => {
    const stdout = await runExample('upload_image_base64.cjs');
    const id = /Asset uploaded successfully! Asset ID: (asset_\w+)/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    await expectStored(id as string, 'my_image.png');
  });

  it.skipIf(target.skipReason || pythonMissing)('Example 1: upload image (simple)', async () => {
    const stdout = await runExample('example1_upload_image.py');
    const id = /Image uploaded! Asset ID: (asset_\w+)/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    await expectStored(id as string, 'image.png');
  });
});
