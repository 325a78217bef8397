import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../../server/test/helpers/databases.ts';
import { startTestServer, type TestServer } from '../../server/test/helpers/http.ts';
import { makeImage } from '../../server/test/helpers/images.ts';
import { listen } from '../../server/test/helpers/listen.ts';
import { makeWav } from '../../server/test/helpers/media.ts';
import { type CliResult, runCli } from './helpers.ts';

const MEDIA = path.resolve(import.meta.dirname, '../../server/test/spec-examples/media');

// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
const parsed = (result: CliResult): any => {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
};

for (const target of DATABASES) {
  describe.skipIf(target.skipReason)(`assetd client commands against a listening server on ${target.name}`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    let dir: string;
    const cli = (...args: string[]) => runCli(args, env, { cwd: dir });

    beforeAll(async () => {
      server = await startTestServer(target, {}, { jobs: true });
      const baseURL = await listen(server);
      dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-cli-upload-'));
      env = {
        ASSETD_BASE_URL: baseURL,
        ASSETD_API_KEY: server.key.id,
        ASSETD_API_SECRET: server.key.secret,
        ASSETD_STATE_DIR: path.join(dir, '.state'),
      };
      const folder = path.join(dir, 'folder');
      await mkdir(path.join(folder, 'sounds'), { recursive: true });
      await writeFile(path.join(folder, 'picture.png'), await makeImage('png', 64, 48));
      await writeFile(path.join(folder, 'photo.jpg'), await makeImage('jpeg', 80, 60));
      await copyFile(path.join(MEDIA, 'audio.mp3'), path.join(folder, 'sounds', 'audio.mp3'));
      // Over 10 MiB: a multipart upload of two parts.
      await writeFile(path.join(folder, 'sounds', 'long.wav'), makeWav(11 * 1024 * 1024, 4));
      await copyFile(path.join(MEDIA, 'video.mp4'), path.join(folder, 'video.mp4'));
      await copyFile(path.join(MEDIA, 'model.glb'), path.join(folder, 'model.glb'));
      await writeFile(path.join(folder, 'notes.txt'), 'not an asset');
      await writeFile(path.join(folder, '.DS_Store'), 'hidden');
    });
    afterAll(async () => {
      await rm(dir ?? '', { recursive: true, force: true });
      await server?.dispose();
    });

    it('uploads a folder of mixed media with progress bars, printing one asset id per file', async () => {
      const result = await runCli(['upload', 'folder', '--part-size', '5'], env, { cwd: dir, terminal: { columns: 120 } });
      expect(result.code, result.stderr).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.map((line) => line.split('\t')[1])).toEqual([
        path.join('folder', 'model.glb'),
        path.join('folder', 'photo.jpg'),
        path.join('folder', 'picture.png'),
        path.join('folder', 'sounds', 'audio.mp3'),
        path.join('folder', 'sounds', 'long.wav'),
        path.join('folder', 'video.mp4'),
      ]);
      for (const line of lines) expect(line).toMatch(/^asset_\w+\t/);
      expect(result.stderr).toContain('skipped  folder/notes.txt');
      expect(result.stderr).toMatch(/total .*\|.*%/);
      expect(result.stderr).toMatch(/long\.wav .*\|/);
      expect(result.stderr).toContain('6 of 6 files uploaded');

      const kinds = await Promise.all(lines.map(async (line) => parsed(await cli('assets', 'get', line.split('\t')[0] as string)).kind));
      expect(kinds).toEqual(['3d', 'image', 'image', 'audio', 'audio', 'video']);
    });

    it('prints JSON results and lines of progress off a terminal, and says which files failed', async () => {
      await writeFile(path.join(dir, 'broken.mp3'), Buffer.alloc(4096, 1));
      const result = await runCli(['upload', 'broken.mp3', 'folder/picture.png', '--json'], env, { cwd: dir });
      expect(result.code).toBe(2);
      const [broken, picture] = JSON.parse(result.stdout);
      // The picture went up in the test before: its bytes are found by SHA-256, and nothing is sent.
      expect(picture).toMatchObject({
        file: 'folder/picture.png',
        kind: 'image',
        assetId: expect.stringMatching(/^asset_/),
        skipped: true,
      });
      expect(broken).toMatchObject({ file: 'broken.mp3', kind: 'audio', uploadId: expect.stringMatching(/^upload_/) });
      expect(broken.error.message).toMatch(/failed/);
      expect(result.stderr).toContain('uploaded folder/picture.png (195 B): already uploaded as asset_');
      expect(result.stderr).toContain('FAILED   broken.mp3');
      expect(result.stderr).toContain('0 of 2 files uploaded (0 B)');
      expect(result.stderr).toContain('1 already there; 1 failed');
      const forced = await runCli(['upload', 'folder/picture.png', '--json', '--no-skip-existing'], env, { cwd: dir });
      expect(JSON.parse(forced.stdout)[0]).not.toHaveProperty('skipped');
    });

    it('exits with a code that says what failed', async () => {
      const wrongSecret = await runCli(['assets', 'list'], { ...env, ASSETD_API_SECRET: 'sk_wrong' });
      expect(wrongSecret.code).toBe(3);
      expect(wrongSecret.stderr).toMatch(/^assetd: 401 UNAUTHORIZED: .*\(request req_/);

      const missing = await cli('assets', 'get', 'asset_missing');
      expect(missing.code).toBe(4);
      expect(missing.stderr).toMatch(/ASSET_NOT_FOUND/);

      const down = await runCli(['assets', 'list', '--max-retries', '0'], { ...env, ASSETD_BASE_URL: 'http://127.0.0.1:1' });
      expect(down.code).toBe(6);

      const noCredentials = await runCli(['assets', 'list'], { ASSETD_BASE_URL: env.ASSETD_BASE_URL as string });
      expect(noCredentials.code).toBe(1);
      expect(noCredentials.stderr).toMatch(/No API credentials/);
    });

    it('lists, updates, downloads and deletes assets; manages collections and uploads', async () => {
      const uploaded = await cli('upload', 'folder/photo.jpg', '--json', '--no-progress');
      const [{ assetId }] = parsed(uploaded);

      const listed = await cli('assets', 'list', '--limit', '3');
      expect(listed.stdout.split('\n')[0]).toMatch(/^ID +KIND +TYPE +SIZE +NAME +CREATED$/);
      expect(parsed(await cli('assets', 'list', '--json', '--kind', 'video')).map((a: { kind: string }) => a.kind)).toEqual(['video']);

      const updated = parsed(await cli('assets', 'update', assetId, '--name', 'renamed.jpg', '--tags', 'a,b'));
      expect(updated).toMatchObject({ tags: ['a', 'b'] });

      const saved = await cli('assets', 'download', assetId, '-o', 'copy.jpg');
      expect(saved.code, saved.stderr).toBe(0);
      expect(await readFile(path.join(dir, 'copy.jpg'))).toEqual(await readFile(path.join(dir, 'folder/photo.jpg')));

      const collection = parsed(await cli('collections', 'create', 'moodboard'));
      expect(parsed(await cli('collections', 'add', collection.id, assetId)).assetCount).toBe(1);
      expect(parsed(await cli('collections', 'list', '--json')).map((c: { name: string }) => c.name)).toContain('moodboard');
      expect((await cli('collections', 'delete', collection.id)).code).toBe(0);

      expect(await cli('assets', 'delete', assetId)).toMatchObject({ code: 0, stdout: 'Deleted 1 asset\n' });
      expect((await cli('assets', 'get', assetId)).code).toBe(4);

      const upload = await server.app.inject({
        method: 'POST',
        url: '/v1/uploads',
        headers: { authorization: `Bearer ${server.key.secret}` },
        payload: { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 100 },
      });
      const uploadId = JSON.parse(upload.body).upload.id;
      const { jobId } = JSON.parse(upload.body).upload;
      expect(parsed(await cli('uploads', 'get', uploadId)).status).toBe('pending');
      expect(parsed(await cli('uploads', 'list', '--status', 'pending', '--json')).map((u: { id: string }) => u.id)).toContain(uploadId);
      expect((await cli('uploads', 'list')).stdout.split('\n')[0]).toMatch(/^ID +STATUS +KIND +SIZE +FILE +CREATED$/);
      expect(parsed(await cli('jobs', 'get', jobId))).toMatchObject({ jobId, status: 'queued' });
      expect((await cli('uploads', 'abort', uploadId)).stdout).toBe(`Aborted upload ${uploadId} (failed)\n`);
      expect((await cli('uploads', 'abort', uploadId)).code).toBe(5);
      const waited = await cli('jobs', 'wait', jobId);
      expect(waited.code).toBe(2);
      expect(JSON.parse(waited.stdout)).toMatchObject({ jobId, status: 'canceled' });
      const jobs = await cli('jobs', 'list', '--status', 'canceled');
      expect(jobs.stdout.split('\n')[0]).toMatch(/^ID +STATUS +PROGRESS +FILE +ASSET OR ERROR +CREATED$/);
      expect(jobs.stdout).toContain(jobId);
      expect(parsed(await cli('jobs', 'list', '--json')).map((job: { jobId: string }) => job.jobId)).toContain(jobId);
      expect((await cli('jobs', 'list', '--status', 'nonsense')).code).toBe(5);
      expect((await cli('jobs', 'get', 'job_missing')).code).toBe(4);
    });
  });
}
