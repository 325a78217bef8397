import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../src/lib/ids.ts';
import { storageSource } from '../src/media/byte-source.ts';
import { describeFile } from '../src/pipeline/describe.ts';
import { LocalStorage } from '../src/storage/local/local-storage.ts';
import { S3Storage } from '../src/storage/s3/s3-storage.ts';
import type { ByteRange, StorageBackend, StoredPart } from '../src/storage/storage.ts';
import { announceSkips, removeTestBucket, STORAGES, type StorageTarget } from './helpers/databases.ts';
import { fixtureFile } from './helpers/media-files.ts';

announceSkips();

const MiB = 1024 * 1024;
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

interface Subject {
  readonly storage: StorageBackend;
  /** Sends one part as a client would: to the presigned URL (S3) or through the part endpoint's writer (local); returns its ETag. */
  putPart(key: string, multipartId: string, partNumber: number, bytes: Buffer): Promise<string>;
  dispose(): Promise<void>;
}

async function open(target: StorageTarget, tmpDir: string): Promise<Subject> {
  if (target.name === 'local') {
    const storage = new LocalStorage(path.join(tmpDir, 'root'));
    return {
      storage,
      async putPart(_key, multipartId, partNumber, bytes) {
        const plan = await storage.partIntake.plan(multipartId);
        return (await storage.partIntake.writePart(multipartId, partNumber, Readable.from([bytes]), bytes.length, 64 * MiB, plan)).etag;
      },
      dispose: async () => {},
    };
  }
  const bucket = `contract-${randomToken(10).toLowerCase()}`;
  const endpoint = target.endpoint as string;
  const storage = await S3Storage.open({
    bucket,
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    prefix: 'contract/',
    createBucket: true,
    tmpDir: path.join(tmpDir, 'tmp'),
  });
  return {
    storage,
    async putPart(key, multipartId, partNumber, bytes) {
      // The bytes go to the S3 endpoint itself, as a client's would.
      const url = await storage.presignPart(key, multipartId, partNumber, inAnHour());
      const response = await fetch(url, { method: 'PUT', body: bytes });
      if (!response.ok) throw new Error(`part ${partNumber}: ${response.status} ${await response.text()}`);
      return response.headers.get('etag') ?? '';
    },
    dispose: () => removeTestBucket(endpoint, bucket),
  };
}

describe.each(STORAGES)('storage contract on $name', (target) => {
  let tmpDir: string;
  let subject: Subject;
  let storage: StorageBackend;
  beforeAll(async () => {
    if (target.skipReason) return;
    tmpDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-contract-'));
    subject = await open(target, tmpDir);
    storage = subject.storage;
  });
  afterAll(async () => {
    await subject?.dispose();
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  });
  const test = it.skipIf(target.skipReason);

  test('lets the pipeline describe a video from byte ranges, never downloading it', async () => {
    // 24 MiB of media data after a whole index (the MP4's mdat box grown to hold it).
    const bytes = await readFile(fixtureFile('video.mp4').path);
    const padded = Buffer.concat([bytes, Buffer.alloc(24 * 1024 * 1024)]);
    const mdat = padded.indexOf('mdat', 0, 'latin1') - 4;
    padded.writeUInt32BE(padded.length - mdat, mdat);
    const key = 'objects/ac/long-video';
    await storage.putBuffer(key, padded);
    let rangeBytes = 0;
    let localCopies = 0;
    // Counts what the pipeline asks of the real backend; every call goes through to it.
    const counted: StorageBackend = Object.create(storage, {
      readRange: {
        value: async (k: string, range: ByteRange) => {
          const chunk = await storage.readRange(k, range);
          rangeBytes += chunk.length;
          return chunk;
        },
      },
      openLocal: {
        value: async (k: string) => {
          localCopies++;
          return storage.openLocal(k);
        },
      },
    });
    const source = storageSource(counted, key, padded.length);
    try {
      const description = await describeFile(source, { maxPixels: 268_402_689, ffmpeg: false });
      expect(description).toMatchObject({ kind: 'video', mimeType: 'video/mp4', properties: { size: padded.length } });
    } finally {
      await source.release();
    }
    expect(localCopies).toBe(0);
    expect(rangeBytes).toBeLessThan(2 * 1024 * 1024);
    await storage.delete(key);
  });

  test('is reachable', async () => {
    await storage.ping();
  });

  test('puts a buffer, reads it whole and by range, sizes it and deletes it', async () => {
    const key = 'objects/aa/one';
    await storage.putBuffer(key, Buffer.from('hello world'));
    expect(await text(await storage.read(key))).toBe('hello world');
    expect(await text(await storage.read(key, { start: 6, end: 10 }))).toBe('world');
    expect(await storage.size(key)).toBe(11);
    await storage.delete(key);
    expect(await storage.size(key)).toBeUndefined();
    await storage.delete(key);
    await expect(storage.read(key)).rejects.toThrow();
  });

  test('reads a byte range without the rest, and a short range at the end', async () => {
    const key = 'objects/ab/ranged';
    const bytes = randomBytes(100_000);
    await storage.putBuffer(key, bytes);
    expect((await storage.readRange(key, { start: 0, end: 4095 })).equals(bytes.subarray(0, 4096))).toBe(true);
    expect((await storage.readRange(key, { start: 50_000, end: 50_009 })).equals(bytes.subarray(50_000, 50_010))).toBe(true);
    expect((await storage.readRange(key, { start: 99_990, end: 200_000 })).equals(bytes.subarray(99_990))).toBe(true);
    expect((await storage.readRange(key, { start: 100_000, end: 100_100 })).length).toBe(0);
  });

  test('moves a finished file in, consuming it, and gives it back as a local file', async () => {
    const source = path.join(tmpDir, 'staged');
    const bytes = randomBytes(3 * MiB + 17);
    await writeFile(source, bytes);
    await storage.putFile('objects/bb/two', source);
    await expect(access(source)).rejects.toThrow();
    const local = await storage.openLocal('objects/bb/two');
    expect((await readFile(local.path)).equals(bytes)).toBe(true);
    await local.release();
    // A downloaded copy is gone after release; the local backend's own file stays.
    expect(await storage.size('objects/bb/two')).toBe(bytes.length);
    await expect(storage.openLocal('objects/bb/missing')).rejects.toThrow();
  });

  test('takes a multipart upload: parts in any order, a replaced part, listing, completion', async () => {
    const key = 'objects/cc/joined';
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(123_457)];
    const fileSize = parts.reduce((sum, part) => sum + part.length, 0);
    const id = await storage.createMultipart(key, { fileSize, partsCount: 3, partSize: 5 * MiB });
    expect(await storage.listParts(key, id)).toEqual([]);
    const etags: string[] = [];
    etags[2] = await subject.putPart(key, id, 3, parts[2] as Buffer);
    const replaced = await subject.putPart(key, id, 1, randomBytes(5 * MiB));
    etags[0] = await subject.putPart(key, id, 1, parts[0] as Buffer);
    etags[1] = await subject.putPart(key, id, 2, parts[1] as Buffer);
    // The ETag each PUT answered is the one listed; a part sent again has another.
    expect(etags[0]).not.toBe(replaced);
    const listed = await storage.listParts(key, id);
    expect(listed).toEqual(parts.map((bytes, i): StoredPart => ({ number: i + 1, size: bytes.length, etag: etags[i] as string })));
    await storage.completeMultipart(key, id, listed);
    expect(await storage.size(key)).toBe(fileSize);
    const local = await storage.openLocal(key);
    expect((await readFile(local.path)).equals(Buffer.concat(parts))).toBe(true);
    await local.release();
  });

  test('aborts a multipart upload: its parts are gone, and aborting again is no error', async () => {
    const key = 'objects/dd/aborted';
    const id = await storage.createMultipart(key, { fileSize: 10, partsCount: 1, partSize: 10 });
    await subject.putPart(key, id, 1, Buffer.from('0123456789'));
    await storage.abortMultipart(key, id);
    await expect(storage.listParts(key, id)).rejects.toThrow();
    await storage.abortMultipart(key, id);
    expect(await storage.size(key)).toBeUndefined();
  });

  test('presigns part URLs only when it has its own endpoint, and never with a checksum', async () => {
    const key = 'objects/ee/presigned';
    const id = await storage.createMultipart(key, { fileSize: 10, partsCount: 1, partSize: 10 });
    const url = await storage.presignPart(key, id, 1, inAnHour());
    if (target.name === 'local') {
      expect(url).toBeUndefined();
    } else {
      const params = new URL(url as string).searchParams;
      expect(params.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(params.get('partNumber')).toBe('1');
      expect(params.get('uploadId')).toBe(id);
      // A checksum of an empty body would make real S3 refuse every part (DESIGN.md §3).
      const names = [...params.keys()].map((name) => name.toLowerCase());
      expect(names.filter((name) => name.includes('checksum'))).toEqual([]);
      expect(Number(params.get('X-Amz-Expires'))).toBeGreaterThan(3500);
    }
    await storage.abortMultipart(key, id);
  });

  test('presigns downloads with the type and disposition it is told, when it has its own endpoint', async () => {
    const key = 'objects/ff/drawing';
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    await storage.putBuffer(key, svg);
    if (!storage.presignDownload) {
      expect(target.name).toBe('local');
      return;
    }
    const options = { expiresAt: inAnHour(), contentType: 'image/svg+xml', contentDisposition: 'attachment' };
    const url = storage.presignDownload(key, options);
    // Signed at a 5-minute step: the same file keeps the same URL for a while (caching).
    expect(storage.presignDownload(key, options)).toBe(url);
    const params = new URL(url).searchParams;
    expect([...params.keys()].filter((name) => name.toLowerCase().includes('checksum'))).toEqual([]);
    // Signed into the URL, so S3 answers with them; moto ignores them, so the URL is what is checked.
    // (download-signer.test.ts holds the signature to the SDK's own.)
    expect(params.get('response-content-type')).toBe('image/svg+xml');
    expect(params.get('response-content-disposition')).toBe('attachment');
    expect(params.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(svg)).toBe(true);
    const ranged = await fetch(url, { headers: { range: 'bytes=0-3' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('<svg');
  });

  test.each(['../escape', 'objects/../../etc/passwd', '/absolute', 'objects//x', 'objects/./x', '', 'a\\b', 'objects/x y'])(
    'refuses the unsafe key %j everywhere',
    async (key) => {
      const unsafe = /unsafe storage key/;
      await expect(storage.putBuffer(key, Buffer.from('x'))).rejects.toThrow(unsafe);
      await expect(storage.read(key)).rejects.toThrow(unsafe);
      await expect(storage.readRange(key, { start: 0, end: 1 })).rejects.toThrow(unsafe);
      await expect(storage.size(key)).rejects.toThrow(unsafe);
      await expect(storage.delete(key)).rejects.toThrow(unsafe);
      await expect(storage.openLocal(key)).rejects.toThrow(unsafe);
      await expect(storage.createMultipart(key, { fileSize: 1, partsCount: 1, partSize: 1 })).rejects.toThrow(unsafe);
    },
  );

  test('leaves no temporary copies behind', async () => {
    const left = await readdir(path.join(tmpDir, 'tmp')).catch(() => [] as string[]);
    expect(left).toEqual([]);
  });
});
