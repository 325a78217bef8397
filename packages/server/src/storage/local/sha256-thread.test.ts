import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sha256Thread } from './sha256-thread.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let file: string;
let bytes: Buffer;
let thread: Sha256Thread;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-sha256-thread-'));
  file = path.join(dir, 'data');
  // Past one read buffer (1 MiB), and not a multiple of it.
  bytes = randomBytes(3 * 1024 * 1024 + 12_345);
  await writeFile(file, bytes);
  thread = new Sha256Thread();
});
afterEach(async () => {
  await thread.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Sha256Thread', () => {
  it('hashes byte ranges of a file in the order they are asked, to the digest of those bytes', async () => {
    const hash = thread.create();
    const cut = 1024 * 1024 + 7;
    // Not awaited in between: the second range still comes after the first.
    const first = hash.update(file, 0, cut);
    const second = hash.update(file, cut, bytes.length - cut);
    await Promise.all([first, second]);
    expect(await hash.digest()).toBe(sha256(bytes));
    // The digest leaves the state usable.
    await hash.update(file, 0, 10);
    expect(await hash.digest()).toBe(sha256(Buffer.concat([bytes, bytes.subarray(0, 10)])));
    hash.free();
  });

  it('copies a state as it is once the earlier operations are done, and the copies go their own ways', async () => {
    const hash = thread.create();
    void hash.update(file, 0, 100);
    const atHundred = hash.copy();
    await hash.update(file, 100, 100);
    await atHundred.update(file, 500, 50);
    expect(await hash.digest()).toBe(sha256(bytes.subarray(0, 200)));
    expect(await atHundred.digest()).toBe(sha256(Buffer.concat([bytes.subarray(0, 100), bytes.subarray(500, 550)])));
    hash.free();
    atHundred.free();
  });

  it('fails an update past the end of the file, and the state is gone after it (never half-advanced)', async () => {
    const hash = thread.create();
    const copy = hash.copy();
    await expect(hash.update(file, bytes.length - 10, 20)).rejects.toThrow(/ended 10 bytes early/);
    await expect(hash.digest()).rejects.toThrow(/no hash state/);
    await expect(copy.update(path.join(dir, 'missing'), 0, 1)).rejects.toThrow(/ENOENT/);
    // A copy of a state that is gone is gone too.
    const fromGone = hash.copy();
    await expect(fromGone.digest()).rejects.toThrow(/no hash state/);
  });

  it('fails what a dead thread owed and what its states are asked later; a new state starts a new thread', async () => {
    const hash = thread.create();
    const pending = expect(hash.update(file, 0, bytes.length)).rejects.toThrow(/closed/);
    await thread.close();
    await pending;
    await expect(hash.digest()).rejects.toThrow(/ended/);
    expect(() => hash.copy().free()).not.toThrow();
    const fresh = thread.create();
    await fresh.update(file, 0, 1000);
    expect(await fresh.digest()).toBe(sha256(bytes.subarray(0, 1000)));
    fresh.free();
  });
});
