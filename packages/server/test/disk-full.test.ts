import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readdir, rm, rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck } from '../src/fsck.ts';
import { formData, uploadImage } from './helpers/assets.ts';
import { DATABASES } from './helpers/databases.ts';
import { basic, bearer, json, startTestServer, type TestServer } from './helpers/http.ts';
import { makeImage, uniquePng } from './helpers/images.ts';
import { createUpload, putPart } from './helpers/uploads.ts';

const MiB = 1024 * 1024;
const sqlite = DATABASES[0] as (typeof DATABASES)[number];

/** A small tmpfs of our own as the data folder: a disk that really fills. Needs root (CI runs as root). */
async function mountSmallDisk(): Promise<string | undefined> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    await rmdir(dir).catch(() => {});
    return undefined;
  }
}

/** Writes zeros until the disk refuses (bounded by its size); returns the filler's path. */
async function fill(dir: string): Promise<string> {
  const filler = path.join(dir, 'filler');
  const handle = await open(filler, 'w');
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (let i = 0; i < 400; i++) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close().catch(() => {});
  }
  // The last bytes a partial write left.
  const small = await open(path.join(dir, 'filler-2'), 'w');
  try {
    for (let i = 0; i < 1024; i++) await small.write(Buffer.alloc(512));
  } catch {
    // full
  } finally {
    await small.close().catch(() => {});
  }
  return filler;
}

describe('a full disk (embedded: SQLite and local storage on a 40 MiB tmpfs)', () => {
  let dir: string | undefined;
  let server: TestServer;
  let skip: string | undefined;
  beforeAll(async () => {
    dir = await mountSmallDisk();
    if (!dir) {
      skip = 'disk-full test skipped: mounting a tmpfs needs root';
      console.warn(skip);
      return;
    }
    server = await startTestServer(sqlite, {
      ASSETD_DATA_DIR: dir,
      ASSETD_DISK_RESERVE_BYTES: String(2 * MiB),
      ASSETD_MIN_FREE_BYTES: String(4 * MiB),
    });
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir) {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      await rmdir(dir).catch(() => {});
    }
  });

  it('answers 507 and keeps nothing partial, still deletes and aborts at 0 bytes free, and recovers once space is freed', async (context) => {
    if (skip || !dir) return context.skip();
    const auth = { authorization: basic(server.key) };
    const kept = await uploadImage(server, await uniquePng(120));
    const pending = await createUpload(server, { fileName: 'a.wav', contentType: 'audio/wav', kind: 'audio', parts: 1, fileSize: 4 * MiB });
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    const filler = await fill(dir);
    const tmp = path.join(dir, 'tmp');
    const tmpBefore = await readdir(tmp).catch(() => []);

    const image = await makeImage('png', 400, 300, { seed: 121 });
    const base64 = await server.app.inject({
      method: 'POST',
      url: '/v1/assets',
      headers: auth,
      payload: { image: image.toString('base64'), name: 'x.png' },
    });
    expect(base64.statusCode, base64.body).toBe(507);
    expect(json(base64)).toMatchObject({ code: 'INSUFFICIENT_STORAGE' });
    expect(json(base64).message).toMatch(/out of disk space/);

    const part = await putPart(server, pending.parts[0].url, Buffer.alloc(4 * MiB, 7));
    expect(part.statusCode, part.body).toBe(507);
    const parts = json(await server.app.inject({ method: 'GET', url: `/v1/uploads/${pending.id}/parts`, headers: auth })).parts;
    expect(parts).toEqual([]);

    const form = formData({}, { name: 'f.png', data: image });
    const token360 = await server.app.inject({
      method: 'POST',
      url: '/token360/v1/assets',
      headers: { authorization: bearer(server.key), 'content-type': form.contentType },
      payload: form.payload,
    });
    expect(token360.statusCode, token360.body).toBe(507);
    expect(json(token360)).toMatchObject({ code: 507, serviceCode: 'INSUFFICIENT_STORAGE' });
    // Nothing half-written was left behind by any of them.
    expect(await readdir(tmp).catch(() => [])).toEqual(tmpBefore);

    const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(json(ready)).toMatchObject({ disk: 'low' });

    // Freeing space must work on the full disk: it needs a database write first.
    const deleted = await server.app.inject({ method: 'DELETE', url: `/v1/assets/${kept.id}`, headers: auth });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: `/v1/assets/${kept.id}`, headers: auth })).statusCode).toBe(404);
    const aborted = await server.app.inject({ method: 'DELETE', url: `/v1/uploads/${pending.id}`, headers: auth });
    expect(aborted.statusCode, aborted.body).toBe(200);

    // Once the operator frees space, everything works again.
    await rm(filler, { force: true });
    await rm(path.join(dir, 'filler-2'), { force: true });
    const again = await server.app.inject({
      method: 'POST',
      url: '/v1/assets',
      headers: auth,
      payload: { image: image.toString('base64'), name: 'y.png' },
    });
    expect(again.statusCode, again.body).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await server.container.room.ensureReserve();
    // And nothing leaked: no rows without bytes, no bytes without rows.
    const { report } = await fsck({ ASSETD_DATA_DIR: dir, ASSETD_DISK_RESERVE_BYTES: '0' }, { graceSeconds: 0 });
    expect(report).toEqual({ rowsWithoutBytes: [], uploadsWithoutBytes: [], objectsWithoutRows: [], multipartsWithoutUploads: [] });
  });
});
