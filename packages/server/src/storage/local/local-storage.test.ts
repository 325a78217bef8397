import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage } from './local-storage.ts';

describe('LocalStorage', () => {
  let dir: string;
  let storage: LocalStorage;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'assetd-storage-'));
    storage = new LocalStorage(path.join(dir, 'root'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('puts, reads whole and by range, sizes and deletes', async () => {
    await storage.putBuffer('objects/aa/one', Buffer.from('hello world'));
    expect(await text(await storage.read('objects/aa/one'))).toBe('hello world');
    expect(await text(await storage.read('objects/aa/one', { start: 6, end: 10 }))).toBe('world');
    expect(await storage.size('objects/aa/one')).toBe(11);
    await storage.delete('objects/aa/one');
    expect(await storage.size('objects/aa/one')).toBeUndefined();
    await storage.delete('objects/aa/one');
    await expect(storage.read('objects/aa/one')).rejects.toThrow();
  });

  it('moves a finished file in, consuming it', async () => {
    const source = path.join(dir, 'staged');
    await writeFile(source, 'bytes');
    await storage.putFile('objects/bb/two', source);
    expect(await readdir(dir)).not.toContain('staged');
    expect(await text(await storage.read('objects/bb/two'))).toBe('bytes');
  });

  it.each(['../escape', 'objects/../../etc/passwd', '/absolute', 'objects//x', 'objects/./x', '', 'a\\b', 'objects/x y'])(
    'refuses the unsafe key %j',
    async (key) => {
      await expect(storage.putBuffer(key, Buffer.from('x'))).rejects.toThrow(/unsafe storage key/);
      await expect(storage.read(key)).rejects.toThrow(/unsafe storage key/);
    },
  );
});
