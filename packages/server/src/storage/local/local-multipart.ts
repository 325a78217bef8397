import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomToken } from '../../lib/ids.ts';
import { processAlive } from '../../lib/process-alive.ts';
import { MultipartChangedError, MultipartSealedError, PartTooLargeError, UnknownMultipartError } from '../part-errors.ts';
import type { CompletedMultipart, MultipartPlan, OpenMultipart, PartIntake, StoredPart } from '../storage.ts';
import { BodyTooLongError, WRITE_BUFFER, writeBody } from './body-writer.ts';
import { PrefixHasher } from './prefix-hasher.ts';

const BUFFER = WRITE_BUFFER;

/** How long completion waits for part PUTs already under way before it gives up (the upload stays open). */
const WRITER_WAIT_MS = 10_000;

/**
 * How long completion waits for the prefix hasher to finish the last parts' hashing. Past it,
 * the upload completes without a digest and the import job hashes the file (slower, not wrong).
 */
const DIGEST_WAIT_MS = 30_000;

/** What is known of one received part, kept beside it. */
interface PartRecord extends StoredPart {
  /** Written straight into the assembled file at its planned offset, or kept as a file of its own. */
  readonly inPlace: boolean;
}

/** The plan as kept in the folder, with the object key it will become (for the collector). */
interface StoredPlan extends MultipartPlan {
  readonly key?: string;
}

const MULTIPART_ID = /^[A-Za-z0-9]{24}$/;
const WRITER = /^writer-(\d+)-[A-Za-z0-9]+$/;
/** Present once completion has begun: a part PUT that sees it is refused before it opens a file. */
const SEAL = 'sealed';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
const gone = () => new UnknownMultipartError('this multipart upload no longer exists');

/**
 * A part's ETag: a fresh random token for each write, shaped like S3's (32 hex digits, quoted).
 * It names this write of the part, not its content: completion compares the ETags it listed
 * with those it finds, so any re-PUT (even of bytes with the same MD5) is seen as a change.
 * Clients of this API never send ETags back, and an MD5 per part cost ~1.4 CPU-s/GiB.
 */
const newEtag = () => `"${randomBytes(16).toString('hex')}"`;

const samePart = (a: StoredPart, b: StoredPart) => a.number === b.number && a.size === b.size && a.etag === b.etag;

/**
 * Multipart uploads on local disk, one folder each. A part whose length matches the planned
 * split is written straight into the final file (`data`) at its offset, so completing needs no
 * copy; a part of another length is kept apart and joined at completion. Each part's size and
 * ETag are recorded in a small JSON file next to it, written after the bytes, so a part is
 * listed only once it is whole.
 *
 * Part writes and completion exclude each other across processes (the API and the part
 * receiver share the folder) with two kinds of files: a writer registers itself
 * (`writer-<pid>-<token>`) before it checks for the seal, and completion writes the seal before
 * it looks for writers. Whichever comes second sees the other: a writer that finds the seal
 * leaves without opening anything, and completion waits for the writers it finds (or for their
 * process to be gone) before it lists the parts. So no file a writer may still hold open is
 * ever renamed into, or read for, the final object.
 */
export class LocalMultipart implements PartIntake {
  readonly #root: string;
  readonly #hasher: PrefixHasher;

  constructor(root: string) {
    this.#root = root;
    this.#hasher = new PrefixHasher({
      record: async (dir, partNumber) => {
        try {
          return JSON.parse(await readFile(path.join(dir, `part-${partNumber}.json`), 'utf8')) as PartRecord;
        } catch {
          return undefined;
        }
      },
      bytesOf: (dir, record, plan) => {
        const { inPlace } = record as PartRecord;
        return inPlace
          ? { file: path.join(dir, 'data'), position: (record.number - 1) * plan.partSize }
          : { file: path.join(dir, `part-${record.number}`), position: 0 };
      },
      sealed: (dir) => exists(path.join(dir, SEAL)).catch(() => false),
    });
  }

  #dir(multipartId: string): string {
    if (!MULTIPART_ID.test(multipartId)) throw new UnknownMultipartError(`unknown multipart upload ${multipartId}`);
    return path.join(this.#root, multipartId);
  }

  async create(plan: MultipartPlan, key?: string): Promise<string> {
    const id = randomToken(24);
    const dir = this.#dir(id);
    await mkdir(dir, { recursive: true });
    const stored: StoredPlan = { ...plan, ...(key ? { key } : {}) };
    await writeFile(path.join(dir, 'plan.json'), JSON.stringify(stored));
    // Empty: parts land at their offsets in any order, and the file grows (sparse) only as far
    // as the bytes actually sent — a declared size reserves nothing.
    await (await open(path.join(dir, 'data'), 'w')).close();
    return id;
  }

  /** The plan of an upload that still takes parts. */
  async plan(multipartId: string): Promise<MultipartPlan> {
    const dir = this.#dir(multipartId);
    const plan = await this.#plan(dir);
    if (await exists(path.join(dir, SEAL))) throw new MultipartSealedError('this multipart upload is being completed');
    return plan;
  }

  async #plan(dir: string): Promise<StoredPlan> {
    try {
      return JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as StoredPlan;
    } catch {
      throw gone();
    }
  }

  async writePart(
    multipartId: string,
    partNumber: number,
    body: Readable,
    contentLength: number | undefined,
    maxBytes: number,
    plan: MultipartPlan,
  ): Promise<StoredPart> {
    const dir = this.#dir(multipartId);
    if (contentLength !== undefined && contentLength > maxBytes) throw new PartTooLargeError(maxBytes);
    const registration = path.join(dir, `writer-${process.pid}-${randomToken(8)}`);
    try {
      await writeFile(registration, '', { flag: 'wx' });
    } catch (error) {
      if (isMissing(error)) throw gone();
      throw error;
    }
    try {
      if (await exists(path.join(dir, SEAL))) throw new MultipartSealedError('this multipart upload is being completed');
      const stored = await this.#write(dir, partNumber, body, contentLength, maxBytes, plan);
      this.#hasher.partWritten(dir, plan, partNumber);
      return stored;
    } catch (error) {
      // The folder went away under the write: the upload was completed, aborted or swept.
      if (isMissing(error)) throw gone();
      throw error;
    } finally {
      await rm(registration, { force: true });
    }
  }

  async #write(
    dir: string,
    partNumber: number,
    body: Readable,
    contentLength: number | undefined,
    maxBytes: number,
    plan: MultipartPlan,
  ): Promise<StoredPart> {
    const recordPath = path.join(dir, `part-${partNumber}.json`);
    // Until the new bytes are whole, the part is absent (a completion in between would see it missing).
    await rm(recordPath, { force: true });
    const planned = partNumber < plan.partsCount ? plan.partSize : plan.fileSize - (plan.partsCount - 1) * plan.partSize;
    const inPlace = contentLength === planned;
    // In place, a longer body would overwrite the next part: refuse at the planned length.
    const limit = inPlace ? planned : maxBytes;
    const separate = path.join(dir, `part-${partNumber}`);
    const temporary = `${separate}.${randomToken(8)}.tmp`;
    const handle = inPlace ? await open(path.join(dir, 'data'), 'r+') : await open(temporary, 'wx');
    let size: number;
    try {
      size = await writeBody(body, handle, inPlace ? (partNumber - 1) * plan.partSize : 0, limit);
      if (contentLength !== undefined && size !== contentLength) throw new Error(`the body ended after ${size} of ${contentLength} bytes`);
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      if (error instanceof BodyTooLongError) throw new PartTooLargeError(error.limit);
      throw error;
    }
    // The descriptor is closed before the registration goes (the caller removes it after this
    // returns): completion must never find a file still open for writing.
    await handle.close();
    if (inPlace) await rm(separate, { force: true });
    else await rename(temporary, separate);
    const record: PartRecord = { number: partNumber, size, etag: newEtag(), inPlace };
    const recordTemporary = `${recordPath}.${randomToken(8)}.tmp`;
    await writeFile(recordTemporary, JSON.stringify(record));
    await rename(recordTemporary, recordPath);
    return { number: record.number, size: record.size, etag: record.etag };
  }

  async #records(dir: string): Promise<PartRecord[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      throw gone();
    }
    const records: PartRecord[] = [];
    for (const name of names) {
      if (!/^part-\d+\.json$/.test(name)) continue;
      try {
        records.push(JSON.parse(await readFile(path.join(dir, name), 'utf8')) as PartRecord);
      } catch {
        // Removed by a concurrent re-upload of that part: it is not whole now.
      }
    }
    return records.sort((a, b) => a.number - b.number);
  }

  async listParts(multipartId: string): Promise<StoredPart[]> {
    return (await this.#records(this.#dir(multipartId))).map(({ number, size, etag }) => ({ number, size, etag }));
  }

  /**
   * Waits (bounded) for the part PUTs under way to end. A re-sent part is unlisted while its new
   * bytes arrive, so a completion that finds a part missing asks this before it says so.
   */
  async settle(multipartId: string): Promise<void> {
    await this.#drainWriters(this.#dir(multipartId));
  }

  /** Waits (bounded) until no live process is writing a part; registrations of dead processes are dropped. */
  async #drainWriters(dir: string): Promise<void> {
    const deadline = Date.now() + WRITER_WAIT_MS;
    for (;;) {
      let live = 0;
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const match = WRITER.exec(name);
        if (!match) continue;
        if (processAlive(Number(match[1]))) live++;
        else await rm(path.join(dir, name), { force: true });
      }
      if (live === 0) return;
      if (Date.now() >= deadline) {
        throw new MultipartChangedError('a part is still being uploaded: complete the upload once every part PUT has ended');
      }
      await sleep(25);
    }
  }

  /**
   * Produces the whole file at `target` from exactly `expected` (as listed before): a rename
   * when every part sits in place, else a join into a fresh file, then a rename. Seals the
   * upload first; when the parts turn out to differ, unseals it and throws MultipartChangedError.
   * Safe to call again after a crash at any point.
   */
  async complete(multipartId: string, target: string, expected: readonly StoredPart[]): Promise<CompletedMultipart> {
    const dir = this.#dir(multipartId);
    const plan = await this.#plan(dir);
    // A completion that renamed the file and then died: only the folder is left to remove.
    if ((await stat(target).catch(() => undefined))?.size === plan.fileSize) {
      this.#hasher.forget(dir);
      await removeFolder(dir);
      return {};
    }
    const seal = path.join(dir, SEAL);
    await writeFile(seal, '');
    let records: PartRecord[];
    try {
      await this.#drainWriters(dir);
      records = await this.#records(dir);
      if (records.length !== expected.length || records.some((record, i) => !samePart(record, expected[i] as StoredPart))) {
        throw new MultipartChangedError('a part was replaced while the upload was being completed: complete it again');
      }
    } catch (error) {
      await rm(seal, { force: true });
      throw error;
    }
    // Sealed and drained: these bytes are final. Their digest, if the hasher has covered exactly these parts.
    const sha256 = await this.#hasher.awaitDigest(dir, records, DIGEST_WAIT_MS);
    await mkdir(path.dirname(target), { recursive: true });
    const data = path.join(dir, 'data');
    if (records.every((record) => record.inPlace)) {
      await rename(data, target);
    } else {
      const joined = path.join(dir, `joined.${randomToken(8)}`);
      const out = createWriteStream(joined, { highWaterMark: BUFFER });
      for (const record of records) {
        const source = record.inPlace
          ? createReadStream(data, {
              start: (record.number - 1) * plan.partSize,
              end: (record.number - 1) * plan.partSize + record.size - 1,
              highWaterMark: BUFFER,
            })
          : createReadStream(path.join(dir, `part-${record.number}`), { highWaterMark: BUFFER });
        await pipeline(source, out, { end: false });
      }
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
      await rename(joined, target);
    }
    this.#hasher.forget(dir);
    await removeFolder(dir);
    return sha256 ? { sha256 } : {};
  }

  async unseal(multipartId: string): Promise<void> {
    await rm(path.join(this.#dir(multipartId), SEAL), { force: true });
  }

  async abort(multipartId: string): Promise<void> {
    const dir = this.#dir(multipartId);
    this.#hasher.forget(dir);
    await removeFolder(dir);
  }

  /** Every multipart folder, open or half-removed, with when it was started. */
  async *list(): AsyncIterable<OpenMultipart> {
    let names: string[];
    try {
      names = await readdir(this.#root);
    } catch {
      return;
    }
    for (const name of names) {
      if (!MULTIPART_ID.test(name)) continue;
      const dir = path.join(this.#root, name);
      // plan.json is written once, at creation; a folder without one was never whole.
      const info = (await stat(path.join(dir, 'plan.json')).catch(() => undefined)) ?? (await stat(dir).catch(() => undefined));
      if (!info) continue;
      const plan = await this.#plan(dir).catch(() => undefined);
      yield { key: plan?.key ?? '', multipartId: name, startedAt: info.mtimeMs };
    }
  }
}

/** Removes a multipart folder; retried, since a prefix hasher may be writing its last file into it. */
const removeFolder = (dir: string) => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
