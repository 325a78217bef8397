import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MultipartChangedError, MultipartSealedError } from '../part-errors.ts';
import { LocalMultipart } from './local-multipart.ts';

const plan = { fileSize: 1000, partsCount: 1, partSize: 1000 };
const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

describe('LocalMultipart: part writes and completion exclude each other', () => {
  let dir: string;
  let parts: LocalMultipart;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-multipart-'));
    parts = new LocalMultipart(path.join(dir, 'multipart'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

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
    await expect(second).resolves.toMatchObject({ number: 1, size: 1000 });
    await expect(completing).rejects.toBeInstanceOf(MultipartChangedError);
    // Not completed, not sealed: the client can complete again with the parts as they are now.
    const now = await parts.listParts(id);
    expect(now[0]?.etag).toBe(md5(Buffer.concat([Buffer.alloc(500, 2), Buffer.alloc(500, 2)])));
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
