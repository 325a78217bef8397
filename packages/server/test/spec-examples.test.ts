import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { basic, json, startTestServer, type TestServer } from './helpers/http.ts';
import { listen } from './helpers/listen.ts';
import { prepareExampleMedia, runSpecExample } from './helpers/spec-example-runner.ts';

announceSkips();
const run = promisify(execFile);

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

describe.each(DATABASES)("spec 000's client examples on $name", (target) => {
  let server: TestServer;
  let baseUrl: string;
  let workDir: string;
  beforeAll(async () => {
    if (target.skipReason) return;
    server = await startTestServer(target, {}, { jobs: true });
    baseUrl = await listen(server);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-examples-'));
    await prepareExampleMedia(workDir);
  });
  afterAll(async () => {
    await server?.dispose();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const runExample = (file: string, bearerExample = false) => runSpecExample({ baseUrl, key: server.key, workDir }, file, bearerExample);

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

  /** The asset an example reported, with the exact bytes of the file it sent. */
  async function expectImported(assetId: string, file: string, kind: string) {
    const response = await server.app.inject({
      method: 'GET',
      url: `/v1/assets/${assetId}`,
      headers: { authorization: basic(server.key) },
    });
    const { asset } = json(response);
    expect(asset.kind, file).toBe(kind);
    const url = new URL(asset.url);
    const bytes = await server.app.inject({ method: 'GET', url: url.pathname + url.search });
    expect(bytes.rawPayload.equals(await readFile(path.join(workDir, file))), file).toBe(true);
  }

  it.skipIf(target.skipReason || pythonMissing)('Example 2: upload large image (multipart, Bearer)', { timeout: 60_000 }, async () => {
    const stdout = await runExample('example2_upload_large_image.py', true);
    const id = /Large image uploaded! Asset ID: (asset_\w+)/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    await expectImported(id as string, 'large-image.png', 'image');
  });

  it.skipIf(target.skipReason || pythonMissing)('Example 3: upload audio (multipart)', { timeout: 60_000 }, async () => {
    // The example goes on to call /v1/inferences (VEED Fabric), outside this API, with a variable
    // the spec never defines at that level: the upload part must succeed, the rest fails as written.
    const stdout = await runExample('example3_upload_audio.py', true).catch((error: { stdout?: string; stderr?: string }) => {
      expect(error.stderr).toMatch(/NameError: name 'api_key' is not defined/);
      return error.stdout ?? '';
    });
    const id = /Audio uploaded! Asset ID: (asset_\w+)/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    await expectImported(id as string, 'audio.mp3', 'audio');
  });

  it.skipIf(target.skipReason)(
    'Example 4: generic uploadFile for a large image, audio, video and a GLB model',
    { timeout: 90_000 },
    async () => {
      const stdout = await runExample('example4_upload_file.cjs');
      const ids = Object.fromEntries([...stdout.matchAll(/^(.+) assetId: (asset_\w+)$/gm)].map((m) => [m[1], m[2]]));
      expect(Object.keys(ids), stdout).toEqual(['Large image', 'Audio', 'Video', '3D model']);
      await expectImported(ids['Large image'] as string, 'large-image.png', 'image');
      await expectImported(ids.Audio as string, 'audio.mp3', 'audio');
      await expectImported(ids.Video as string, 'video.mp4', 'video');
      await expectImported(ids['3D model'] as string, 'model.glb', '3d');
    },
  );
});
