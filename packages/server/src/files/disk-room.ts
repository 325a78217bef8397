import { open, rm, statfs } from 'node:fs/promises';
import path from 'node:path';

/** Whether `error` means the disk (or the database on it) is full. */
export function isOutOfSpace(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  // node:sqlite reports SQLITE_FULL by its message; PostgreSQL's 53100 (disk_full) by its code.
  if (code === '53100') return true;
  return typeof message === 'string' && /database or disk is full/i.test(message);
}

export interface DiskRoomSettings {
  /** The folder whose file system is watched: the data folder. */
  readonly dir: string;
  /** Bytes kept aside in a file, given back so deletes and aborts can still write their rows at 0 bytes free. */
  readonly reserveBytes: number;
  /** Below this many free bytes, /readyz reports the disk as low. */
  readonly minFreeBytes: number;
}

const CHUNK = 1024 * 1024;

/**
 * Room on the data folder's disk. A full disk must not wedge the service: deleting an asset or
 * aborting an upload frees space, but both first need a database write, which a full disk
 * refuses. So a reserve file of real bytes (not a sparse one: that reserves nothing) is kept;
 * work that frees space and fails for lack of it gives the reserve back and tries once more.
 * The reserve is made again once there is room for it.
 */
export class DiskRoom {
  readonly #settings: DiskRoomSettings;
  readonly #file: string;

  constructor(settings: DiskRoomSettings) {
    this.#settings = settings;
    this.#file = path.join(settings.dir, '.reserve');
  }

  /** Free bytes for this process's user on the data folder's file system. */
  async freeBytes(): Promise<number> {
    const info = await statfs(this.#settings.dir);
    return Number(info.bavail) * Number(info.bsize);
  }

  async isLow(): Promise<boolean> {
    return (await this.freeBytes()) < this.#settings.minFreeBytes;
  }

  /** Makes the reserve if it is missing and the disk has room for it beyond the low-space mark; never fails. */
  async ensureReserve(): Promise<void> {
    const size = this.#settings.reserveBytes;
    if (size <= 0) return;
    try {
      const have = await open(this.#file, 'r').then(
        async (handle) => {
          const { size: current } = await handle.stat();
          await handle.close();
          return current;
        },
        () => 0,
      );
      if (have >= size) return;
      if ((await this.freeBytes()) < size + this.#settings.minFreeBytes) return;
      const handle = await open(this.#file, 'w', 0o600);
      try {
        const zeros = Buffer.alloc(Math.min(CHUNK, size));
        for (let written = 0; written < size; written += zeros.length) {
          await handle.write(zeros, 0, Math.min(zeros.length, size - written));
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // No room after all (a race with other writers): drop what was written, try another time.
      await rm(this.#file, { force: true }).catch(() => {});
    }
  }

  /** Gives the reserve back to the disk; says whether there was one. */
  async release(): Promise<boolean> {
    try {
      await rm(this.#file);
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `work`; if it fails for lack of space, gives the reserve back and runs it once more. */
  async withRoom<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isOutOfSpace(error) || !(await this.release())) throw error;
      return work();
    }
  }
}
