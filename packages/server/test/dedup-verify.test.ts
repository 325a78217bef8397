import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadImage } from './helpers/assets.ts';
import { announceSkips, DATABASES } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/http.ts';
import { makeImage } from './helpers/images.ts';

announceSkips();

/**
 * Deduplication never hands out bytes it has not checked (issue #10.2): a stored copy whose
 * bytes no longer match its row is replaced by the fresh, verified copy — for the new asset and
 * for every asset already using the row.
 */
describe.each(DATABASES)('deduplication checks the stored copy on $name', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    if (target.skipReason) return;
    server = await startTestServer(target);
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const served = async (asset: { url: string }) => {
    const link = new URL(asset.url);
    return (await server.app.inject({ method: 'GET', url: link.pathname + link.search })).rawPayload;
  };

  it.skipIf(target.skipReason)('replaces a damaged copy instead of pointing another team at it', async () => {
    const png = await makeImage('png', 64, 48);
    const first = await uploadImage(server, png);
    const db = server.container.db.kysely;
    const row = await db
      .selectFrom('assets')
      .innerJoin('files', 'files.id', 'assets.file_id')
      .select(['files.id', 'files.storage_key'])
      .where('assets.id', '=', first.id)
      .executeTakeFirstOrThrow();
    const root = (server.config.storage as { root: string }).root;
    // Same size, other bytes: what a write after hashing (the old late-part race) or a damaged disk leaves.
    const damaged = Buffer.from(png);
    damaged.fill(0x41, 60, png.length - 20);
    await writeFile(path.join(root, row.storage_key), damaged);

    const second = await uploadImage(server, png, {}, { key: server.otherKey });
    expect((await served(second)).equals(png)).toBe(true);
    const healed = await db.selectFrom('files').select(['id', 'storage_key']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(healed.storage_key).not.toBe(row.storage_key);
    // The first team's asset shares the row, and is healed with it.
    expect((await served(first)).equals(png)).toBe(true);
  });

  it.skipIf(target.skipReason)('shares an intact copy', async () => {
    const png = await makeImage('png', 40, 30);
    const first = await uploadImage(server, png);
    const second = await uploadImage(server, png, {}, { key: server.otherKey });
    const db = server.container.db.kysely;
    const files = await db.selectFrom('assets').select('file_id').where('id', 'in', [first.id, second.id]).execute();
    expect(new Set(files.map((f) => f.file_id)).size).toBe(1);
    expect((await served(second)).equals(png)).toBe(true);
  });
});
