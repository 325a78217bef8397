import { rm } from 'node:fs/promises';
import path from 'node:path';
import { buildApp, createContainer, loadConfig } from '@assetd/server';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestEnvironment, DATABASES, runCli, type TestEnvironment } from './helpers.ts';

/**
 * `assetd fsck` on the embedded deployment (issue #10.6): it finds rows without bytes and
 * bytes without rows, `--fix` repairs them, and afterwards it finds nothing.
 */
for (const target of DATABASES) {
  if (target.skipReason) {
    console.warn(target.skipReason);
    continue;
  }

  describe(`assetd fsck on ${target.name}`, () => {
    let testEnv: TestEnvironment;
    beforeEach(async () => {
      testEnv = await createTestEnvironment(target);
    });
    afterEach(async () => {
      await testEnv.dispose();
    });

    it('reports leaked bytes and lost bytes, repairs them with --fix, then finds nothing', async () => {
      const container = await createContainer(loadConfig(testEnv.env));
      const app = await buildApp(container, { logger: false });
      let lostAssetId: string;
      try {
        const key = await container.keys.create({ team: 't', project: 'p' });
        const authorization = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}`;
        const upload = async (seed: number) => {
          const png = await sharp({ create: { width: 8 + seed, height: 8, channels: 3, background: { r: seed, g: 0, b: 0 } } })
            .png()
            .toBuffer();
          const response = await app.inject({
            method: 'POST',
            url: '/v1/assets',
            headers: { authorization, 'content-type': 'application/json' },
            payload: { image: png.toString('base64'), name: `i${seed}.png` },
          });
          expect(response.statusCode).toBe(200);
          return JSON.parse(response.body).asset as { id: string };
        };
        await upload(1);
        const lost = await upload(2);
        lostAssetId = lost.id;
        // Bytes without a row: what a crash between writing an object and recording it leaves.
        await container.storage.putBuffer('objects/zz/file_leaked000000000000000000zz', Buffer.from('leaked'));
        // A multipart upload no upload owns (its row was never written).
        await container.storage.createMultipart('objects/yy/file_orphan0000000000000000000yy', {
          fileSize: 10,
          partsCount: 1,
          partSize: 10,
        });
        // A row without bytes: the asset's object is gone.
        const row = await container.db.kysely
          .selectFrom('assets')
          .innerJoin('files', 'files.id', 'assets.file_id')
          .select('files.storage_key')
          .where('assets.id', '=', lost.id)
          .executeTakeFirstOrThrow();
        await rm(path.join(testEnv.env.ASSETD_DATA_DIR as string, 'files', row.storage_key));
      } finally {
        await app.close();
        await container.close();
      }

      const report = await runCli(['fsck', '--json'], testEnv.env);
      expect(report.stderr).toBe('');
      const found = JSON.parse(report.stdout).report;
      expect(found.objectsWithoutRows.map((o: { key: string }) => o.key)).toEqual(['objects/zz/file_leaked000000000000000000zz']);
      expect(found.multipartsWithoutUploads).toHaveLength(1);
      expect(found.rowsWithoutBytes).toHaveLength(1);

      // Within the grace period nothing is deleted: the bytes may be a write in progress.
      const kept = JSON.parse((await runCli(['fsck', '--fix', '--json'], testEnv.env)).stdout);
      expect(kept.fixed.deleted).toBe(0);

      const fixed = await runCli(['fsck', '--fix', '--grace-seconds', '0', '--json'], testEnv.env);
      expect(fixed.stderr).toBe('');
      expect(JSON.parse(fixed.stdout).fixed.deleted).toBe(2);

      const after = await runCli(['fsck'], testEnv.env);
      expect(after.code).toBe(0);
      expect(after.stdout).toContain('everything matches');
      // The asset whose bytes were lost is gone; the other one stays.
      const check = await createContainer(loadConfig(testEnv.env));
      try {
        const assets = await check.db.kysely.selectFrom('assets').select('id').execute();
        expect(assets.map((a) => a.id)).not.toContain(lostAssetId);
        expect(assets).toHaveLength(1);
      } finally {
        await check.close();
      }
    });
  });
}
