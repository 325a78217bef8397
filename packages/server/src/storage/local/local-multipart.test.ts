import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MultipartChangedError, MultipartSealedError } from '../part-errors.ts';
import { LocalMultipart } from './local-multipart.ts';

const plan = { fileSize: 1000, partsCount: 1, partSize: 1000 };

let dir: string;
let parts: LocalMultipart;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-multipart-'));
  parts = new LocalMultipart(path.join(dir, 'multipart'));
});
afterEach(async () => {
  // Retried: a prefix hasher may still be writing its last file.
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
});

describe('LocalMultipart: part writes and completion exclude each other', () => {
  const write = (id: string, body: Readable, length = 1000) => parts.writePart(id, 1, body, length, 1000, plan);

  it('waits for a part PUT under way, then refuses to complete with a part that changed, and takes parts again', async () => {
    const id = await parts.create(plan);
    const first = Buffer.alloc(1000, 1);
    await write(id, Readable.from([first]));
    const listed = await parts.listParts(id);
    // A second PUT of the part is under way when completion starts.
    const body = new PassThrough();
    const second = write(id, body);
    body.write(Buffer.alloc(500, 2));
    // Bounded: until the writer is past its look for the seal (it then removes the part's record).
    for (let i = 0; i < 500 && (await readdir(path.join(dir, 'multipart', id))).includes('part-1.json'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const completing = parts.complete(id, path.join(dir, 'final'), listed);
    body.end(Buffer.alloc(500, 2));
    const replaced = await second;
    expect(replaced).toMatchObject({ number: 1, size: 1000 });
    expect(replaced.etag).not.toBe(listed[0]?.etag);
    await expect(completing).rejects.toBeInstanceOf(MultipartChangedError);
    // Not completed, not sealed: the client can complete again with the parts as they are now.
    const now = await parts.listParts(id);
    expect(now).toEqual([replaced]);
    await parts.complete(id, path.join(dir, 'final'), now);
    expect((await readFile(path.join(dir, 'final'))).equals(Buffer.alloc(1000, 2))).toBe(true);
  });

  it('refuses a part PUT once completion has sealed the upload', async () => {
    const id = await parts.create(plan);
    await write(id, Readable.from([Buffer.alloc(1000, 1)]));
    await writeFile(path.join(dir, 'multipart', id, 'sealed'), '');
    await expect(parts.plan(id)).rejects.toBeInstanceOf(MultipartSealedError);
    await expect(write(id, Readable.from([Buffer.alloc(1000, 3)]))).rejects.toBeInstanceOf(MultipartSealedError);
    await parts.unseal(id);
    await expect(write(id, Readable.from([Buffer.alloc(1000, 3)]))).resolves.toMatchObject({ size: 1000 });
  });

  it('does not wait for the registration of a writer whose process died', async () => {
    const id = await parts.create(plan);
    await write(id, Readable.from([Buffer.alloc(1000, 4)]));
    // The pid of a process that has exited: what a crashed part PUT leaves behind.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    await writeFile(path.join(dir, 'multipart', id, `writer-${dead}-abc`), '');
    await parts.complete(id, path.join(dir, 'final'), await parts.listParts(id));
    expect((await readFile(path.join(dir, 'final'))).equals(Buffer.alloc(1000, 4))).toBe(true);
  });
});

describe('LocalMultipart: the SHA-256 of the parts as they land', () => {
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const threeParts = { fileSize: 2500, partsCount: 3, partSize: 1000 };
  const put = (id: string, n: number, bytes: Buffer) => parts.writePart(id, n, Readable.from([bytes]), bytes.length, 1000, threeParts);

  it('completes with the digest of exactly the bytes joined, parts sent out of order, one of them twice', async () => {
    const id = await parts.create(threeParts);
    const chunks = [randomBytes(1000), randomBytes(1000), randomBytes(500)];
    await put(id, 2, chunks[1] as Buffer);
    await put(id, 1, chunks[0] as Buffer);
    // Part 1 again, with other bytes, once it may already be hashed: the digest follows the last write.
    await new Promise((resolve) => setTimeout(resolve, 50));
    chunks[0] = randomBytes(1000);
    await put(id, 1, chunks[0]);
    await put(id, 3, chunks[2] as Buffer);
    const target = path.join(dir, 'final');
    const completed = await parts.complete(id, target, await parts.listParts(id));
    const joined = await readFile(target);
    expect(joined.equals(Buffer.concat(chunks as Buffer[]))).toBe(true);
    expect(completed.sha256).toBe(sha256(joined));
  });

  it('hashes again what changed since it hashed it (a record rewritten behind its back), before completion uses the digest', async () => {
    const id = await parts.create(threeParts);
    for (const [n, size] of [
      [1, 1000],
      [2, 1000],
      [3, 500],
    ] as const) {
      await put(id, n, randomBytes(size));
    }
    const listed = await parts.listParts(id);
    // Waits (bounded) for the digest, then gives part 2 another ETag: that digest no longer covers the parts.
    for (let i = 0; i < 200 && !(await readdir(path.join(dir, 'multipart', id))).includes('sha256.json'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const record = path.join(dir, 'multipart', id, 'part-2.json');
    const changed = { ...JSON.parse(await readFile(record, 'utf8')), etag: '"changed"' };
    await writeFile(record, JSON.stringify(changed));
    const expected = listed.map((part) => (part.number === 2 ? { number: 2, size: 1000, etag: '"changed"' } : part));
    const completed = await parts.complete(id, path.join(dir, 'final'), expected);
    expect(completed.sha256).toBe(sha256(await readFile(path.join(dir, 'final'))));
  });
});
