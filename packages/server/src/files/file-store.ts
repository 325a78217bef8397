import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { newId, randomToken } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';
import type { StorageBackend } from '../storage/storage.ts';
import type { DiskRoom } from './disk-room.ts';

/** Bytes received and hashed on the way in, waiting in the temp folder to be kept or dropped. */
export interface StagedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

/** A stored file as assets refer to it. */
export interface FileRef {
  readonly id: string;
  readonly storageKey: string;
  readonly size: number;
  readonly sha256: string;
  readonly mimeType: string;
}

/** Bytes already in storage under a fresh key, not yet recorded in the database. */
export interface PendingFile extends FileRef {}

/** A file whose last reference went: its row is deleted, its bytes and renditions are to go. */
export interface ReleasedFile {
  readonly id: string;
  readonly storageKey: string;
}

const WRITE_BUFFER = 1024 * 1024;

export class TooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`more than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * Owns file bytes and their rows. Identical bytes are stored once and shared by reference
 * count; every path that can fail cleans up what it wrote, so no object is left without a
 * row and no row without an object.
 */
export class FileStore {
  readonly #db: Kysely<Database>;
  readonly #storage: StorageBackend;
  readonly #tmpDir: string;

  readonly #room: DiskRoom | undefined;

  constructor(db: Kysely<Database>, storage: StorageBackend, tmpDir: string, room?: DiskRoom) {
    this.#db = db;
    this.#storage = storage;
    this.#tmpDir = tmpDir;
    this.#room = room;
  }

  /** Runs work that frees space (a delete, an abort) so that it still works on a full disk (disk-room.ts). */
  withRoom<T>(work: () => Promise<T>): Promise<T> {
    return this.#room ? this.#room.withRoom(work) : work();
  }

  get storage(): StorageBackend {
    return this.#storage;
  }

  async #tempPath(): Promise<string> {
    await mkdir(this.#tmpDir, { recursive: true });
    return path.join(this.#tmpDir, `${Date.now()}-${randomToken(12)}`);
  }

  async stageBuffer(data: Buffer): Promise<StagedFile> {
    const file = await this.#tempPath();
    // WebCrypto hashes in the thread pool: the digest runs beside the write, not on the event loop after it.
    const digest = crypto.subtle.digest('SHA-256', data);
    try {
      await writeFile(file, data);
    } catch (error) {
      // A full disk leaves half a file: nothing partial is kept.
      await Promise.all([rm(file, { force: true }), digest.catch(() => undefined)]);
      throw error;
    }
    return { path: file, size: data.length, sha256: Buffer.from(await digest).toString('hex') };
  }

  /** Streams `source` to a temp file, hashing on the fly; throws TooLargeError past `limit` bytes. */
  async stageStream(source: Readable, limit: number): Promise<StagedFile> {
    const file = await this.#tempPath();
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > limit) return callback(new TooLargeError(limit));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(file, { highWaterMark: WRITE_BUFFER }));
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    return { path: file, size, sha256: hash.digest('hex') };
  }

  async discard(staged: StagedFile | undefined): Promise<void> {
    if (staged) await rm(staged.path, { force: true });
  }

  /** Moves a staged file into storage under a new key. The staged file is consumed. */
  async upload(staged: StagedFile, mimeType: string): Promise<PendingFile> {
    const id = newId('file');
    const storageKey = objectKey(id);
    await this.#storage.putFile(storageKey, staged.path);
    return { id, storageKey, size: staged.size, sha256: staged.sha256, mimeType };
  }

  async uploadBuffer(data: Buffer, mimeType: string): Promise<PendingFile> {
    const id = newId('file');
    const storageKey = objectKey(id);
    await this.#storage.putBuffer(storageKey, data);
    const sha256 = createHash('sha256').update(data).digest('hex');
    return { id, storageKey, size: data.length, sha256, mimeType };
  }

  /**
   * Runs `work` in a transaction in which the pending files are recorded (or, when the same
   * bytes are already stored, the existing file gains a reference). After it commits, the
   * copies that turned out to be duplicates are deleted; if anything fails, all are.
   */
  async commit<T>(
    pending: ReadonlyArray<PendingFile>,
    work: (trx: Transaction<Database>, refs: FileRef[]) => Promise<T>,
    options: { keepOnFailure?: ReadonlyArray<PendingFile> } = {},
  ): Promise<T> {
    const reused: PendingFile[] = [];
    // Stored copies found not to hold the bytes their row promises, replaced by the fresh ones.
    const replaced: string[] = [];
    let result: T;
    try {
      for (const file of pending) {
        const bad = await this.#replaceIfCorrupt(file);
        if (bad) replaced.push(bad);
      }
      result = await this.#db.transaction().execute(async (trx) => {
        reused.length = 0;
        const refs: FileRef[] = [];
        for (const file of pending) {
          const ref = await acquire(trx, file);
          if (ref.storageKey !== file.storageKey) reused.push(file);
          refs.push(ref);
        }
        return work(trx, refs);
      });
    } catch (error) {
      // Bytes the caller still needs (an upload's object, for the next attempt) stay, and so do
      // fresh copies a row was repointed to.
      const keep = new Set([...(options.keepOnFailure ?? []).map((file) => file.storageKey), ...(await this.#recorded(pending))]);
      await this.deleteObjects(pending.map((file) => file.storageKey).filter((key) => !keep.has(key)));
      throw error;
    }
    await this.deleteObjects([...reused.map((file) => file.storageKey), ...replaced]);
    return result;
  }

  /** The keys among `files` that a row now records. */
  async #recorded(files: ReadonlyArray<PendingFile>): Promise<string[]> {
    if (files.length === 0) return [];
    const rows = await this.#db
      .selectFrom('files')
      .select('storage_key')
      .where(
        'storage_key',
        'in',
        files.map((file) => file.storageKey),
      )
      .execute()
      .catch(() => []);
    return rows.map((row) => row.storage_key);
  }

  /**
   * Deduplication trusts a stored copy only after checking it: before identical bytes are
   * pointed at an existing file, its object is read back and must have the row's size and
   * SHA-256. One that does not (damaged, or written to after it was hashed) is replaced by the
   * fresh copy, which was hashed from the object itself, so the row heals for every asset that
   * uses it. Returns the key of the bad copy, to delete once the new one is recorded.
   */
  async #replaceIfCorrupt(file: PendingFile): Promise<string | undefined> {
    const row = await this.#db.selectFrom('files').selectAll().where('sha256', '=', file.sha256).executeTakeFirst();
    if (!row || row.storage_key === file.storageKey) return undefined;
    if (await this.#holds(row.storage_key, row.size, row.sha256)) return undefined;
    const result = await this.#db
      .updateTable('files')
      .set({ storage_key: file.storageKey, size: file.size })
      .where('id', '=', row.id)
      .where('storage_key', '=', row.storage_key)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? row.storage_key : undefined;
  }

  /** Whether the object at `key` has exactly `size` bytes hashing to `sha256`. */
  async #holds(key: string, size: number, sha256: string): Promise<boolean> {
    if ((await this.#storage.size(key)) !== size) return false;
    const hash = createHash('sha256');
    await pipeline(await this.#storage.read(key), hash);
    return hash.digest('hex') === sha256;
  }

  /**
   * Drops one reference to each file; returns the files no longer referenced (their rows are
   * deleted), for `deleteReleased` once the transaction has committed.
   */
  async release(trx: Transaction<Database>, fileIds: ReadonlyArray<string>): Promise<ReleasedFile[]> {
    const orphaned: ReleasedFile[] = [];
    for (const id of fileIds) {
      const row = await trx
        .updateTable('files')
        .set((eb) => ({ ref_count: eb('ref_count', '-', 1) }))
        .where('id', '=', id)
        .returning(['ref_count', 'storage_key'])
        .executeTakeFirst();
      if (row && row.ref_count <= 0) {
        await trx.deleteFrom('files').where('id', '=', id).where('ref_count', '<=', 0).execute();
        orphaned.push({ id, storageKey: row.storage_key });
      }
    }
    return orphaned;
  }

  /**
   * Deletes released files' bytes and the renditions cached for them. A failure leaves bytes no
   * row refers to, which the collector deletes later; it never fails the request.
   */
  async deleteReleased(files: ReadonlyArray<ReleasedFile>): Promise<void> {
    await this.deleteObjects(files.map((file) => file.storageKey));
    await Promise.allSettled(files.map((file) => this.#deleteRenditions(file.id)));
  }

  async #deleteRenditions(fileId: string): Promise<void> {
    const keys: string[] = [];
    for await (const object of this.#storage.listObjects(renditionPrefix(fileId))) keys.push(object.key);
    await this.deleteObjects(keys);
  }

  /** Deletes objects; a failure is logged by the caller's process, never fatal to the request. */
  async deleteObjects(keys: ReadonlyArray<string>): Promise<void> {
    await Promise.allSettled(keys.map((key) => this.#storage.delete(key)));
  }

  async find(id: string): Promise<FileRef | undefined> {
    const row = await this.#db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, storageKey: row.storage_key, size: row.size, sha256: row.sha256, mimeType: row.mime_type };
  }

  /** Removes temp files older than `maxAgeMs`, left by a process that died mid-request. */
  async sweepTemp(maxAgeMs: number): Promise<number> {
    let removed = 0;
    let entries: string[];
    try {
      entries = await readdir(this.#tmpDir);
    } catch {
      return 0;
    }
    for (const entry of entries) {
      const file = path.join(this.#tmpDir, entry);
      const info = await stat(file).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > maxAgeMs) {
        await rm(file, { force: true, recursive: true });
        removed += 1;
      }
    }
    return removed;
  }
}

/** Object keys fan out over 62² folders so no folder grows huge. */
const objectKey = (fileId: string) => `objects/${fileId.slice(-2)}/${fileId}`;

/** Where renditions (resized copies) are cached: a folder per file, so they go with it. */
export const RENDITIONS_ROOT = 'renditions/';
export const renditionPrefix = (fileId: string) => `${RENDITIONS_ROOT}${fileId.slice(-2)}/${fileId}/`;
export const renditionKey = (fileId: string, name: string) => `${renditionPrefix(fileId)}${name}`;

/** The file and the name a rendition key was made from; undefined for any other key. */
export function parseRenditionKey(key: string): { fileId: string; name: string } | undefined {
  const match = /^renditions\/([^/]{2})\/([^/]+)\/([^/]+)$/.exec(key);
  if (!match || (match[2] as string).slice(-2) !== match[1]) return undefined;
  return { fileId: match[2] as string, name: match[3] as string };
}

async function acquire(trx: Transaction<Database>, file: PendingFile): Promise<FileRef> {
  // One statement for both cases: a new row, or one more reference to the identical bytes.
  const row = await trx
    .insertInto('files')
    .values({
      id: file.id,
      storage_key: file.storageKey,
      sha256: file.sha256,
      size: file.size,
      mime_type: file.mimeType,
      ref_count: 1,
      created_at: nowIso(),
    })
    .onConflict((oc) => oc.column('sha256').doUpdateSet((eb) => ({ ref_count: eb('files.ref_count', '+', 1) })))
    .returning(['id', 'storage_key', 'size', 'sha256', 'mime_type'])
    .executeTakeFirstOrThrow();
  return { id: row.id, storageKey: row.storage_key, size: row.size, sha256: row.sha256, mimeType: row.mime_type };
}

export const fileTooLarge = (message: string) => new AppError('PAYLOAD_TOO_LARGE', message);
