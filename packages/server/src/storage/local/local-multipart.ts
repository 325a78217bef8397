import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomToken } from '../../lib/ids.ts';
import type { MultipartPlan, StoredPart } from '../storage.ts';

/** 1 MiB write buffers: the 16 KiB default halves throughput (DESIGN.md §7). */
const BUFFER = 1024 * 1024;

/** What is known of one received part, kept beside it. */
interface PartRecord extends StoredPart {
  /** Written straight into the assembled file at its planned offset, or kept as a file of its own. */
  readonly inPlace: boolean;
}

export class PartTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`part larger than ${limit} bytes`);
    this.limit = limit;
  }
}

export class UnknownMultipartError extends Error {}

const MULTIPART_ID = /^[A-Za-z0-9]{24}$/;

/**
 * Multipart uploads on local disk. A part whose length matches the planned split is written
 * straight into the final file at its offset, so completing needs no copy; a part of another
 * length is kept apart and joined at completion. Each part's size and MD5 ETag are recorded
 * in a small JSON file next to it, written after the bytes, so a part is listed only once
 * it is whole.
 */
export class LocalMultipart {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  #dir(multipartId: string): string {
    if (!MULTIPART_ID.test(multipartId)) throw new UnknownMultipartError(`unknown multipart upload ${multipartId}`);
    return path.join(this.#root, multipartId);
  }

  async create(plan: MultipartPlan): Promise<string> {
    const id = randomToken(24);
    const dir = this.#dir(id);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'plan.json'), JSON.stringify(plan));
    // A sparse file of the final size: parts land at their offsets in any order.
    const data = await open(path.join(dir, 'data'), 'w');
    await data.truncate(plan.fileSize);
    await data.close();
    return id;
  }

  /** The plan a multipart upload was created with; UnknownMultipartError once it is gone. */
  plan(multipartId: string): Promise<MultipartPlan> {
    return this.#plan(this.#dir(multipartId));
  }

  async #plan(dir: string): Promise<MultipartPlan> {
    try {
      return JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as MultipartPlan;
    } catch {
      throw new UnknownMultipartError('this multipart upload no longer exists');
    }
  }

  /**
   * Streams one part to disk, computing its MD5 on the way, and refuses it past `maxBytes`.
   * A repeated part replaces the previous one; until the new one is whole, the part is absent.
   * A caller that has just read the upload's plan passes it, so the hot path reads it once.
   */
  async writePart(
    multipartId: string,
    partNumber: number,
    body: Readable,
    contentLength: number | undefined,
    maxBytes: number,
    knownPlan?: MultipartPlan,
  ): Promise<StoredPart> {
    const dir = this.#dir(multipartId);
    const plan = knownPlan ?? (await this.#plan(dir));
    if (contentLength !== undefined && contentLength > maxBytes) throw new PartTooLargeError(maxBytes);
    const recordPath = path.join(dir, `part-${partNumber}.json`);
    await rm(recordPath, { force: true });
    const planned = partNumber < plan.partsCount ? plan.partSize : plan.fileSize - (plan.partsCount - 1) * plan.partSize;
    const inPlace = contentLength === planned;
    const md5 = createHash('md5');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        // In place, a longer body would overwrite the next part: refuse at the planned length.
        const limit = inPlace ? planned : maxBytes;
        if (size > limit) return callback(new PartTooLargeError(limit));
        md5.update(chunk);
        callback(null, chunk);
      },
    });
    const separate = path.join(dir, `part-${partNumber}`);
    const temporary = `${separate}.${randomToken(8)}.tmp`;
    const target = inPlace
      ? createWriteStream(path.join(dir, 'data'), { flags: 'r+', start: (partNumber - 1) * plan.partSize, highWaterMark: BUFFER })
      : createWriteStream(temporary, { highWaterMark: BUFFER });
    try {
      await pipeline(body, meter, target);
      if (contentLength !== undefined && size !== contentLength) throw new Error(`the body ended after ${size} of ${contentLength} bytes`);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    if (inPlace) await rm(separate, { force: true });
    else await rename(temporary, separate);
    const record: PartRecord = { number: partNumber, size, etag: `"${md5.digest('hex')}"`, inPlace };
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
      throw new UnknownMultipartError('this multipart upload no longer exists');
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

  /** Produces the whole file at `target`: a rename when every part sits in place, else a join. */
  async complete(multipartId: string, target: string): Promise<void> {
    const dir = this.#dir(multipartId);
    const plan = await this.#plan(dir);
    const records = await this.#records(dir);
    const data = path.join(dir, 'data');
    await mkdir(path.dirname(target), { recursive: true });
    if (records.every((record) => record.inPlace)) {
      await rename(data, target);
    } else {
      const joined = path.join(dir, 'joined');
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
    await rm(dir, { recursive: true, force: true });
  }

  async abort(multipartId: string): Promise<void> {
    await rm(this.#dir(multipartId), { recursive: true, force: true });
  }
}
