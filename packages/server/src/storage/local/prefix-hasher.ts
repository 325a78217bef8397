import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomToken } from '../../lib/ids.ts';
import { processAlive } from '../../lib/process-alive.ts';
import type { MultipartPlan, StoredPart } from '../storage.ts';
import { type RemoteHash, Sha256Thread } from './sha256-thread.ts';

/** Where the bytes of a part are: a file and the offset they start at. */
export interface PartBytes {
  readonly file: string;
  readonly position: number;
}

/** What the hasher needs of a multipart folder (its layout is LocalMultipart's). */
export interface PartFolder {
  /** The record of part n as it is now, or undefined while it is absent (not sent, or being sent again). */
  record(dir: string, partNumber: number): Promise<StoredPart | undefined>;
  /** Where part n's bytes are, as its record says. */
  bytesOf(dir: string, record: StoredPart, plan: MultipartPlan): PartBytes;
  /** Whether completion has begun (the parts are then final). */
  sealed(dir: string): Promise<boolean>;
}

/** The digest of a whole upload, kept in its folder, and the exact parts (by ETag) it covers. */
interface Digest {
  readonly parts: readonly StoredPart[];
  readonly sha256: string;
}

const DIGEST = 'sha256.json';
const LEASE = 'hasher';
/** How often the lease holder looks for parts that other processes received. */
const POLL_MS = 200;
/** A holder that sees no progress for this long lets the upload go (the import job then hashes it). */
const IDLE_LIMIT_MS = 10 * 60_000;

const sameParts = (a: readonly StoredPart[], b: readonly StoredPart[]) =>
  a.length === b.length && a.every((part, i) => part.number === b[i]?.number && part.size === b[i]?.size && part.etag === b[i]?.etag);

/** One upload's hash in this process: the SHA-256 of parts 1…next-1, and its state before each part. */
interface Progress {
  readonly dir: string;
  readonly plan: MultipartPlan;
  hash: RemoteHash;
  /** The hash as it was before part n (index n - 1), to go back to when a hashed part is sent again. */
  readonly before: RemoteHash[];
  readonly covered: StoredPart[];
  /** Counts rewinds: a part hashed across one counts for nothing. */
  generation: number;
  running: Promise<void> | undefined;
  again: boolean;
  /** The digest was checked against the records since completion sealed the upload. */
  checkedSealed: boolean;
  lastProgress: number;
  timer: NodeJS.Timeout | undefined;
}

/** One thread hashes for every upload of the process (parts are hashed one at a time anyway: it is CPU-bound). */
let shared: Sha256Thread | undefined;
const sharedThread = () => {
  shared ??= new Sha256Thread();
  return shared;
};

/**
 * Advances the whole file's SHA-256 over the contiguous prefix of parts as they land, reading
 * back each part just written (from the page cache), so that completing an upload needs no
 * second pass over its bytes. The reading and hashing happen in a worker thread
 * (`sha256-thread.ts`), off the event loop that receives the parts; a part cannot be hashed as
 * it is written, since parts arrive out of order and SHA-256 only goes forward. Node cannot
 * save a hash's state, so the state
 * lives in the one process that holds the upload's lease (a `hasher` file naming its pid); a
 * holder that died is replaced by the next process that receives a part, which starts again
 * from part 1. The holder also looks every 200 ms for parts other processes received.
 *
 * Nothing here is trusted blindly: each part's record is read before and after its bytes are
 * hashed (its ETag names that write, so a part sent again meanwhile is seen and hashed again
 * from the state before it), and the digest is written, with the exact parts it covers, only
 * once every part is in. Completion uses it only when those parts are exactly the ones it
 * joins; otherwise the import job hashes the file as before.
 */
export class PrefixHasher {
  readonly #folder: PartFolder;
  readonly #thread: Sha256Thread;
  readonly #uploads = new Map<string, Progress>();

  constructor(folder: PartFolder, thread: Sha256Thread = sharedThread()) {
    this.#folder = folder;
    this.#thread = thread;
  }

  /** A part landed in `dir`: hash what can be hashed now, in the background. Never throws. */
  partWritten(dir: string, plan: MultipartPlan, partNumber: number): void {
    void this.#partWritten(dir, plan, partNumber).catch(() => this.#drop(dir));
  }

  async #partWritten(dir: string, plan: MultipartPlan, partNumber: number): Promise<void> {
    let progress = this.#uploads.get(dir);
    if (!progress) {
      const leased = await this.#takeLease(dir);
      // Another call of this process may have taken the lease meanwhile: its progress is this upload's.
      progress = this.#uploads.get(dir);
      if (!progress) {
        if (!leased) return;
        progress = {
          dir,
          plan,
          hash: this.#thread.create(),
          before: [],
          covered: [],
          generation: 0,
          running: undefined,
          again: false,
          checkedSealed: false,
          lastProgress: Date.now(),
          timer: undefined,
        };
        this.#uploads.set(dir, progress);
        this.#poll(progress);
      }
    }
    // A part already hashed was sent again: go back to the state before it.
    if (partNumber <= progress.covered.length) this.#rewind(progress, partNumber);
    this.#advance(progress);
  }

  /** The digest of exactly `parts`, when the folder has one (written by whichever process hashed them). */
  async digestOf(dir: string, parts: readonly StoredPart[]): Promise<string | undefined> {
    try {
      const digest = JSON.parse(await readFile(path.join(dir, DIGEST), 'utf8')) as Digest;
      return sameParts(digest.parts, parts) ? digest.sha256 : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Waits (at most `ms`) for the digest of exactly `parts` while a live process holds the lease:
   * the last parts are usually still being hashed when completion begins.
   */
  async awaitDigest(dir: string, parts: readonly StoredPart[], ms: number): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const digest = await this.digestOf(dir, parts);
      if (digest || Date.now() >= deadline || !(await this.#leaseAlive(dir))) return digest;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Forgets an upload (completed, aborted). */
  forget(dir: string): void {
    this.#drop(dir);
  }

  async #takeLease(dir: string): Promise<boolean> {
    const lease = path.join(dir, LEASE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(lease, String(process.pid), { flag: 'wx' });
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      }
      const holder = Number(await readFile(lease, 'utf8').catch(() => ''));
      // Another live process hashes this upload; or this one did and let it go (idle): not again.
      if (holder === process.pid || processAlive(holder)) return false;
      await rm(lease, { force: true });
    }
    return false;
  }

  async #leaseAlive(dir: string): Promise<boolean> {
    const holder = Number(await readFile(path.join(dir, LEASE), 'utf8').catch(() => ''));
    return holder > 0 && (holder === process.pid ? this.#uploads.has(dir) : processAlive(holder));
  }

  #rewind(progress: Progress, partNumber: number): void {
    const before = progress.before[partNumber - 1];
    if (!before) return;
    progress.hash.free();
    progress.hash = before.copy();
    for (const dropped of progress.before.splice(partNumber - 1)) dropped.free();
    progress.covered.length = partNumber - 1;
    progress.generation++;
  }

  #advance(progress: Progress): void {
    if (progress.running) {
      progress.again = true;
      return;
    }
    const run = async () => {
      do {
        progress.again = false;
        await this.#hashReady(progress);
      } while (progress.again);
    };
    progress.running = run()
      .catch(() => this.#drop(progress.dir))
      .finally(() => {
        progress.running = undefined;
      });
  }

  /** Hashes the parts that extend the prefix, then, with every part in, writes the digest. */
  async #hashReady(progress: Progress): Promise<void> {
    const { dir, plan } = progress;
    while (this.#uploads.get(dir) === progress) {
      const next = progress.covered.length + 1;
      if (next > plan.partsCount) {
        await this.#finish(progress);
        return;
      }
      const record = await this.#folder.record(dir, next);
      if (!record) return;
      const { generation, hash } = progress;
      const before = hash.copy();
      const bytes = this.#folder.bytesOf(dir, record, plan);
      await hash.update(bytes.file, bytes.position, record.size);
      const after = await this.#folder.record(dir, next);
      if (progress.generation !== generation) {
        // An earlier part was sent again meanwhile: the hash went back before it (#rewind).
        before.free();
        continue;
      }
      if (after?.etag !== record.etag) {
        // Sent again while it was being read: what was hashed may mix both writes.
        hash.free();
        progress.hash = before;
        if (!after) return;
        continue;
      }
      progress.before.push(before);
      progress.covered.push(record);
      progress.lastProgress = Date.now();
    }
  }

  /** Every part is hashed: check none changed since (another process may have taken a re-PUT), then keep the digest. */
  async #finish(progress: Progress): Promise<void> {
    const { dir, covered, generation } = progress;
    for (const part of covered) {
      const now = await this.#folder.record(dir, part.number);
      if (now?.etag !== part.etag) {
        this.#rewind(progress, part.number);
        progress.again = true;
        return;
      }
    }
    // Rewound while the records were read: hash the parts again first.
    if (progress.generation !== generation) {
      progress.again = true;
      return;
    }
    // The parts and the state taken together; a later rewind replaces the state, it never changes it.
    const parts = [...covered];
    const digest: Digest = { parts, sha256: await progress.hash.digest() };
    const temporary = path.join(dir, `${DIGEST}.${randomToken(8)}.tmp`);
    await writeFile(temporary, JSON.stringify(digest));
    await rename(temporary, path.join(dir, DIGEST));
  }

  /** Looks for parts received elsewhere, until the upload is gone or idle too long. */
  #poll(progress: Progress): void {
    progress.timer = setInterval(() => {
      if (Date.now() - progress.lastProgress > IDLE_LIMIT_MS) return this.#drop(progress.dir);
      if (progress.running) return;
      if (progress.covered.length >= progress.plan.partsCount) {
        // Every part is hashed; once completion seals the upload, check the records once more
        // (a part sent again to another process since), so completion does not wait in vain.
        void this.#folder.sealed(progress.dir).then((sealed) => {
          if (sealed && !progress.checkedSealed) this.#advance(progress);
          progress.checkedSealed = sealed;
        });
        return;
      }
      // Completed or aborted by another process: the folder is gone.
      stat(progress.dir).then(
        () => this.#advance(progress),
        () => this.#drop(progress.dir),
      );
    }, POLL_MS);
    progress.timer.unref();
  }

  /** Stops hashing an upload and gives its lease back (no completion then waits for this process). */
  #drop(dir: string): void {
    const progress = this.#uploads.get(dir);
    if (!progress) return;
    clearInterval(progress.timer);
    this.#uploads.delete(dir);
    progress.hash.free();
    for (const state of progress.before) state.free();
    void rm(path.join(dir, LEASE), { force: true }).catch(() => undefined);
  }
}
