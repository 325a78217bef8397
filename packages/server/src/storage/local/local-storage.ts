import { createReadStream, type Dirent } from 'node:fs';
import { access, copyFile, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { randomToken } from '../../lib/ids.ts';
import {
  assertSafeKey,
  type ByteRange,
  type CompletedMultipart,
  type ListedObject,
  type LocalCopy,
  type MultipartPlan,
  type OpenMultipart,
  type StorageBackend,
  type StoredPart,
} from '../storage.ts';
import { LocalMultipart } from './local-multipart.ts';

/** 1 MiB reads: the default 64 KiB costs throughput on large files (DESIGN.md §7). */
const READ_BUFFER = 1024 * 1024;

export class LocalStorage implements StorageBackend {
  readonly #root: string;
  /** Parts arrive through assetd (the API or the part receiver) and are kept here until the upload completes. */
  readonly partIntake: LocalMultipart;

  constructor(root: string) {
    this.#root = path.resolve(root);
    this.partIntake = new LocalMultipart(path.join(this.#root, 'multipart'));
  }

  #path(key: string): string {
    assertSafeKey(key);
    const full = path.join(this.#root, key);
    if (!full.startsWith(this.#root + path.sep)) throw new Error(`storage key escapes the root: ${key}`);
    return full;
  }

  async putFile(key: string, sourcePath: string): Promise<void> {
    const target = this.#path(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(sourcePath, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      // Another file system: copy to a temporary name, then rename, so readers never see half a file.
      const temporary = `${target}.${randomToken(8)}.part`;
      await copyFile(sourcePath, temporary);
      await rename(temporary, target);
      await rm(sourcePath, { force: true });
    }
  }

  async putBuffer(key: string, data: Buffer): Promise<void> {
    const target = this.#path(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomToken(8)}.part`;
    await writeFile(temporary, data);
    await rename(temporary, target);
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.#path(key);
    await access(file);
    return createReadStream(file, { highWaterMark: READ_BUFFER, ...(range ?? {}) });
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.#path(key))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async ping(): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    await access(this.#root);
  }

  async openLocal(key: string): Promise<LocalCopy> {
    const file = this.#path(key);
    await access(file);
    return { path: file, release: async () => {} };
  }

  async readRange(key: string, range: ByteRange): Promise<Buffer> {
    const handle = await open(this.#path(key), 'r');
    try {
      const buffer = Buffer.alloc(Math.max(0, range.end - range.start + 1));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, range.start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async createMultipart(key: string, plan: MultipartPlan): Promise<string> {
    assertSafeKey(key);
    return this.partIntake.create(plan, key);
  }

  listParts(_key: string, multipartId: string): Promise<StoredPart[]> {
    return this.partIntake.listParts(multipartId);
  }

  completeMultipart(key: string, multipartId: string, parts: readonly StoredPart[]): Promise<CompletedMultipart> {
    return this.partIntake.complete(multipartId, this.#path(key), parts);
  }

  abortMultipart(_key: string, multipartId: string): Promise<void> {
    return this.partIntake.abort(multipartId);
  }

  async *listObjects(prefix: string): AsyncIterable<ListedObject> {
    // Walks the folders under the prefix; keys are the paths below the root, with '/' separators.
    const pending = [prefix.replace(/\/+$/, '')];
    while (pending.length > 0) {
      const relative = pending.pop() as string;
      const dir = path.join(this.#root, relative);
      if (!dir.startsWith(this.#root + path.sep)) continue;
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        const key = `${relative}/${entry.name}`;
        if (entry.isDirectory()) pending.push(key);
        else if (entry.isFile()) {
          const info = await stat(path.join(dir, entry.name)).catch(() => undefined);
          if (info) yield { key, size: info.size, modifiedAt: info.mtimeMs };
        }
      }
    }
  }

  listOpenMultiparts(): AsyncIterable<OpenMultipart> {
    return this.partIntake.list();
  }

  async presignPart(): Promise<string | undefined> {
    return undefined;
  }
}
