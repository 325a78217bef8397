import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_PREVIEWS_JOB } from '../src/assets/previews.ts';
import { announceSkips, createTestEnvironment, DATABASES, type TestEnvironment } from './helpers/databases.ts';

announceSkips();

/**
 * The `asset.previews` job's guarantees beyond the CLI's end-to-end test
 * (packages/cli/test/previews-backfill.test.ts): previews are put only on the asset as it was
 * read, a late writer leaves nothing behind, and a deleted asset ends the job quietly.
 */
describe.each(DATABASES)('asset.previews on $name', { timeout: 60_000 }, (target) => {
  let env: TestEnvironment;
  let scope: { projectId: string; authorId: string };
  beforeAll(async () => {
    if (target.skipReason) return;
    env = await createTestEnvironment(target, {}, { runner: { pollMs: 20, backoffMs: 20 } });
    const key = await env.container.keys.create({ team: 't', project: 'p' });
    scope = { projectId: key.projectId, authorId: key.id };
  });
  afterAll(async () => env?.dispose());

  async function imageAsset(seed: number) {
    const png = await sharp({ create: { width: 40 + seed, height: 30, channels: 3, background: { r: seed, g: 90, b: 9 } } })
      .png()
      .toBuffer();
    return env.container.assets.createFromStaged(scope, { staged: await env.container.files.stageBuffer(png), name: `i${seed}` });
  }

  it.skipIf(target.skipReason)('a stale read changes nothing and leaves no bytes behind', async () => {
    const asset = await imageAsset(1);
    // Another job replaced the thumbnail after this one read the asset.
    const other = await imageAsset(2);
    await env.container.db.kysely
      .updateTable('assets')
      .set({ thumbnail_file_id: other.thumbnail?.id ?? null })
      .where('id', '=', asset.id)
      .execute();
    const replaced = await env.container.assets.replacePreviews(
      asset,
      { thumbnail: { bytes: Buffer.from('a fresh thumbnail'), mimeType: 'image/webp' } },
      null,
    );
    expect(replaced).toBe(false);
    const report = await env.container.collector.check();
    expect(report.objectsWithoutRows).toEqual([]);
    const row = await env.container.db.kysely
      .selectFrom('assets')
      .select('thumbnail_file_id')
      .where('id', '=', asset.id)
      .executeTakeFirst();
    expect(row?.thumbnail_file_id).toBe(other.thumbnail?.id);
  });

  it.skipIf(target.skipReason)('a job for an asset deleted since is done, doing nothing', async () => {
    const asset = await imageAsset(3);
    await env.container.assets.delete(scope, [asset.id]);
    const jobId = await env.container.jobs.enqueue(env.container.db.kysely, ASSET_PREVIEWS_JOB, {
      assetId: asset.id,
      projectId: scope.projectId,
      missingOnly: false,
    });
    env.container.runner.start();
    let status: string | undefined;
    for (let i = 0; i < 200 && status !== 'done' && status !== 'dead'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await env.container.db.kysely.selectFrom('jobs').select('status').where('id', '=', jobId).executeTakeFirst())?.status;
    }
    expect(status).toBe('done');
  });
});
