import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Container, createContainer, loadConfig } from '@assetd/server';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestEnvironment, DATABASES, runCli, type TestEnvironment } from './helpers.ts';

/**
 * `assetd previews backfill` (issue #15, item 5): assets whose previews are gone (their columns
 * set to null, their files removed) get them back from the server's job workers, running the
 * same pipeline an import does; running it again changes nothing.
 */
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/test/fixtures');

const PREVIEW_COLUMNS = ['thumbnail_file_id', 'first_frame_file_id', 'last_frame_file_id', 'preview_file_id', 'waveform_file_id'] as const;

for (const target of DATABASES) {
  if (target.skipReason) {
    console.warn(target.skipReason);
    continue;
  }

  describe(`assetd previews backfill on ${target.name}`, { timeout: 120_000 }, () => {
    let testEnv: TestEnvironment;
    let container: Container;
    beforeEach(async () => {
      testEnv = await createTestEnvironment(target);
      // The server's side: its job workers take what the CLI queues.
      container = await createContainer(loadConfig(testEnv.env), { runner: { pollMs: 50, backoffMs: 50 } });
    });
    afterEach(async () => {
      await container.close();
      await testEnv.dispose();
    });

    /** An asset of each kind that has previews, imported as the form upload path does. */
    async function importAssets(): Promise<Record<string, string>> {
      const key = await container.keys.create({ team: 't', project: 'p' });
      const scope = { projectId: key.projectId, authorId: key.id };
      const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 20, b: 20 } } })
        .png()
        .toBuffer();
      const files: Record<string, Buffer> = {
        image: png,
        audio: await readFile(path.join(FIXTURES, 'audio.mp3')),
        video: await readFile(path.join(FIXTURES, 'video.mp4')),
        '3d': await readFile(path.join(FIXTURES, 'model.glb')),
      };
      const ids: Record<string, string> = {};
      for (const [kind, bytes] of Object.entries(files)) {
        const staged = await container.files.stageBuffer(bytes);
        ids[kind] = (await container.assets.createFromStaged(scope, { staged, name: kind })).id;
      }
      return ids;
    }

    const previewsOf = (assetId: string) =>
      container.db.kysely.selectFrom('assets').select(PREVIEW_COLUMNS).where('id', '=', assetId).executeTakeFirstOrThrow();

    /** What fsck would find out of place: nothing, when the backfill cleaned up after itself. */
    async function expectConsistent() {
      const report = await container.collector.check();
      expect(report.objectsWithoutRows).toEqual([]);
      expect(report.rowsWithoutBytes).toEqual([]);
      const counts = await container.db.kysely.selectFrom('files').select(['id', 'ref_count']).execute();
      const used = await container.db.kysely
        .selectFrom('assets')
        .select(['file_id', ...PREVIEW_COLUMNS])
        .execute();
      const references = new Map<string, number>();
      for (const row of used) {
        for (const id of Object.values(row)) if (id) references.set(id, (references.get(id) ?? 0) + 1);
      }
      for (const file of counts) expect(file.ref_count, file.id).toBe(references.get(file.id) ?? 0);
    }

    it('brings back lost thumbnails, frames, renders and waveforms; a second run finds nothing to do', async () => {
      const ids = await importAssets();
      const before: Record<string, Awaited<ReturnType<typeof previewsOf>>> = {};
      for (const [kind, id] of Object.entries(ids)) before[kind] = await previewsOf(id);
      expect(before.video?.first_frame_file_id).not.toBeNull();
      expect(before.audio?.waveform_file_id).not.toBeNull();
      expect(before['3d']?.preview_file_id).not.toBeNull();

      // Lost: the columns emptied, the files' rows and bytes gone.
      const lost = Object.values(before).flatMap((row) => Object.values(row).filter((id): id is string => id !== null));
      const keys = await container.db.kysely.selectFrom('files').select('storage_key').where('id', 'in', lost).execute();
      await container.db.kysely
        .updateTable('assets')
        .set(Object.fromEntries(PREVIEW_COLUMNS.map((column) => [column, null])))
        .execute();
      await container.db.kysely.deleteFrom('files').where('id', 'in', lost).execute();
      for (const { storage_key } of keys) await container.storage.delete(storage_key);

      container.runner.start();
      // --kind: only the image is queued.
      const onlyImages = await runCli(['previews', 'backfill', '--kind', 'image', '--missing-only', '--wait', '--json'], testEnv.env);
      expect(onlyImages.stderr).toContain('1 of 1 preview jobs finished: 1 done, 0 failed');
      expect(JSON.parse(onlyImages.stdout)).toMatchObject({ queued: 1, done: 1, failed: 0 });
      expect((await previewsOf(ids.audio as string)).waveform_file_id).toBeNull();

      const all = await runCli(['previews', 'backfill', '--missing-only', '--wait', '--in-flight', '2', '--json'], testEnv.env);
      expect(all.code).toBe(0);
      expect(JSON.parse(all.stdout)).toMatchObject({ queued: 3, done: 3, failed: 0, failures: [] });
      for (const [kind, id] of Object.entries(ids)) {
        const after = await previewsOf(id);
        for (const column of PREVIEW_COLUMNS) {
          // Back, as they were: the same pipeline makes the same bytes.
          if (before[kind]?.[column] === null) expect(after[column], `${kind} ${column}`).toBeNull();
          else expect(after[column], `${kind} ${column}`).not.toBeNull();
        }
      }
      const thumbnail = await container.files.find((await previewsOf(ids.image as string)).thumbnail_file_id as string);
      const chunks: Buffer[] = [];
      for await (const chunk of await container.storage.read(thumbnail?.storageKey as string)) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      expect(await sharp(bytes).metadata()).toMatchObject({ format: 'webp', width: 256, height: 171 });
      await expectConsistent();

      // Nothing is missing any more: nothing is queued.
      const again = await runCli(['previews', 'backfill', '--missing-only', '--wait', '--json'], testEnv.env);
      expect(JSON.parse(again.stdout)).toMatchObject({ queued: 0, done: 0, failed: 0 });
    });

    it('without --missing-only makes every preview anew: identical bytes keep their files, twice over', async () => {
      const ids = await importAssets();
      const before = await previewsOf(ids.audio as string);
      container.runner.start();
      for (let run = 0; run < 2; run++) {
        const result = await runCli(['previews', 'backfill', '--kind', 'audio,image', '--wait', '--json'], testEnv.env);
        expect(JSON.parse(result.stdout)).toMatchObject({ queued: 2, done: 2, failed: 0 });
      }
      expect(await previewsOf(ids.audio as string)).toEqual(before);
      await expectConsistent();
    });

    it('a job that can make nothing fails and says why: a video where the workers have no ffmpeg', async () => {
      const ids = await importAssets();
      await container.db.kysely
        .updateTable('assets')
        .set({ first_frame_file_id: null })
        .where('id', '=', ids.video as string)
        .execute();
      const noFfmpeg = await createContainer(loadConfig({ ...testEnv.env, ASSETD_FFMPEG_PATH: 'off' }), { runner: { pollMs: 50 } });
      try {
        noFfmpeg.runner.start();
        const result = await runCli(['previews', 'backfill', '--kind', 'video', '--missing-only', '--wait'], testEnv.env);
        expect(result.code).toBe(2);
        expect(result.stdout).toContain('1 preview job(s): 0 done, 1 failed');
        expect(result.stdout).toContain(
          `${ids.video}: No firstFrame for asset ${ids.video} (video): ffmpeg is not available where the jobs run`,
        );
      } finally {
        await noFfmpeg.close();
      }
      // The row was left as it was (the other previews stay).
      expect(await previewsOf(ids.video as string)).toMatchObject({ first_frame_file_id: null, thumbnail_file_id: expect.any(String) });
    });

    it('queues without waiting, and refuses a kind it does not know', async () => {
      await importAssets();
      const queued = await runCli(['previews', 'backfill'], testEnv.env);
      expect(queued.stdout).toContain('queued 4 preview job(s)');
      const jobs = await container.db.kysely.selectFrom('jobs').select(['type', 'status']).execute();
      expect(jobs.filter((job) => job.type === 'asset.previews')).toHaveLength(4);
      const wrong = await runCli(['previews', 'backfill', '--kind', 'model'], testEnv.env);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('--kind takes image, audio, video, 3d');
    });
  });
}
