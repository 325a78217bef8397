import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomToken } from '../../lib/ids.ts';
import { MultipartChangedError, UnknownMultipartError } from '../part-errors.ts';
import {
  assertSafeKey,
  type ByteRange,
  type CompletedMultipart,
  type DownloadOptions,
  type ListedObject,
  type LocalCopy,
  type OpenMultipart,
  type StorageBackend,
  type StoredPart,
} from '../storage.ts';
import { presignGetObject, type SigningCredentials } from './download-signer.ts';

export interface S3StorageOptions {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean;
  readonly prefix: string;
  readonly createBucket: boolean;
  /** Where local copies for decoders are downloaded to. */
  readonly tmpDir: string;
}

/** S3 refuses presigned URLs valid for longer than seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
/** Download links are signed at a 5-minute step, so a file keeps one URL for a while (caching). */
const SIGNING_STEP_MS = 5 * 60 * 1000;
/** Credentials are refreshed this long before they expire (temporary ones: roles, SSO). */
const CREDENTIAL_MARGIN_MS = 10 * 60 * 1000;
/** Files at least this large are sent as a multipart upload, 4 parts in flight. */
const UPLOAD_PART_BYTES = 16 * 1024 * 1024;

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return ['NoSuchKey', 'NotFound', 'NoSuchUpload'].includes(e.name ?? '') || e.$metadata?.httpStatusCode === 404;
};

/**
 * Files in an S3 bucket (AWS, MinIO, R2, …). Multipart uploads are S3's own: clients PUT
 * parts to presigned UploadPart URLs, so the bytes never pass through this server. Requests
 * carry checksums only where S3 requires them: with the SDK's default, presigned URLs would
 * carry a checksum of an empty body that S3 then rejects.
 */
export class S3Storage implements StorageBackend {
  readonly #client: S3Client;
  readonly #options: S3StorageOptions;
  #credentials: (SigningCredentials & { expiration?: Date }) | undefined;
  #refreshing: Promise<void> | undefined;
  /** The URL of the bucket's root as the SDK builds it (path or virtual-host style, any endpoint). */
  #bucketUrl = '';

  private constructor(client: S3Client, options: S3StorageOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Connects, creates the bucket when configured to, and resolves what signing links needs. */
  static async open(options: S3StorageOptions): Promise<S3Storage> {
    const client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
    const storage = new S3Storage(client, options);
    if (options.createBucket) await storage.#createBucket();
    await storage.#refreshCredentials();
    // The SDK's endpoint resolution decides what an object URL looks like; ask it once.
    const probe = 'assetd-probe';
    const sample = new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: options.bucket, Key: probe }), { expiresIn: 60 }));
    storage.#bucketUrl = `${sample.origin}${sample.pathname.slice(0, -probe.length)}`;
    return storage;
  }

  async #createBucket(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#options.bucket }));
    } catch {
      await this.#client.send(new CreateBucketCommand({ Bucket: this.#options.bucket })).catch((error: { name?: string }) => {
        // Another process of the deployment created it first.
        if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
      });
    }
  }

  async #refreshCredentials(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const identity = await this.#client.config.credentials();
        this.#credentials = identity;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  #key(key: string): string {
    assertSafeKey(key);
    return `${this.#options.prefix}${key}`;
  }

  #object(key: string) {
    return { Bucket: this.#options.bucket, Key: this.#key(key) };
  }

  async putFile(key: string, sourcePath: string): Promise<void> {
    // lib-storage sends a small file as one PutObject, a large one as a multipart upload.
    const upload = new Upload({
      client: this.#client,
      params: { ...this.#object(key), Body: createReadStream(sourcePath, { highWaterMark: 1024 * 1024 }) },
      partSize: UPLOAD_PART_BYTES,
      queueSize: 4,
    });
    await upload.done();
    await rm(sourcePath, { force: true });
  }

  async putBuffer(key: string, data: Buffer): Promise<void> {
    await this.#client.send(new PutObjectCommand({ ...this.#object(key), Body: data, ContentLength: data.length }));
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const response = await this.#client.send(
      new GetObjectCommand({ ...this.#object(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
    );
    if (!(response.Body instanceof Readable)) throw new Error(`S3 returned no body for ${key}`);
    return response.Body;
  }

  async readRange(key: string, range: ByteRange): Promise<Buffer> {
    if (range.end < range.start) return Buffer.alloc(0);
    try {
      const body = await this.read(key, range);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      // A range that starts past the end of the object: like a short read of a file, nothing.
      if ((error as { name?: string }).name === 'InvalidRange') return Buffer.alloc(0);
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await this.#client.send(new HeadObjectCommand(this.#object(key)))).ContentLength;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand(this.#object(key)));
  }

  async ping(): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.#options.bucket }));
  }

  /** Decoders need a path: the object is downloaded to a temporary file, removed on release. */
  async openLocal(key: string): Promise<LocalCopy> {
    const response = await this.#client.send(new GetObjectCommand(this.#object(key)));
    if (!(response.Body instanceof Readable)) throw new Error(`S3 returned no body for ${key}`);
    await mkdir(this.#options.tmpDir, { recursive: true });
    const file = path.join(this.#options.tmpDir, `${Date.now()}-s3-${randomToken(12)}`);
    try {
      await pipeline(response.Body, createWriteStream(file, { highWaterMark: 1024 * 1024 }));
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    return { path: file, release: () => rm(file, { force: true }) };
  }

  async createMultipart(key: string): Promise<string> {
    const { UploadId } = await this.#client.send(new CreateMultipartUploadCommand(this.#object(key)));
    if (!UploadId) throw new Error('S3 created a multipart upload without an id');
    return UploadId;
  }

  async listParts(key: string, multipartId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    // At most 1,000 parts a page; an upload has up to 10,000.
    for (;;) {
      const page = await this.#client
        .send(new ListPartsCommand({ ...this.#object(key), UploadId: multipartId, ...(marker ? { PartNumberMarker: marker } : {}) }))
        .catch((error: unknown) => {
          if (isMissing(error)) throw new UnknownMultipartError('this multipart upload no longer exists');
          throw error;
        });
      for (const part of page.Parts ?? []) {
        parts.push({ number: part.PartNumber ?? 0, size: part.Size ?? 0, etag: part.ETag ?? '' });
      }
      if (!page.IsTruncated || !page.NextPartNumberMarker) break;
      marker = page.NextPartNumberMarker;
    }
    return parts.sort((a, b) => a.number - b.number);
  }

  async completeMultipart(key: string, multipartId: string, parts: readonly StoredPart[]): Promise<CompletedMultipart> {
    try {
      await this.#client.send(
        new CompleteMultipartUploadCommand({
          ...this.#object(key),
          UploadId: multipartId,
          MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.number, ETag: part.etag })) },
        }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      // A part was PUT again since it was listed: its ETag no longer matches.
      if (name === 'InvalidPart' || name === 'InvalidPartOrder')
        throw new MultipartChangedError(`the parts changed while completing (${name})`);
      // Also what a retried request gets when S3 finished the first one but its reply was lost:
      // the caller tells the two apart by looking for the object.
      if (isMissing(error)) throw new UnknownMultipartError('this multipart upload no longer exists');
      throw error;
    }
    // S3 keeps no whole-object SHA-256 of a multipart object: the import job hashes it.
    return {};
  }

  async *listObjects(prefix: string): AsyncIterable<ListedObject> {
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#options.bucket,
          Prefix: `${this.#options.prefix}${prefix}`,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        yield {
          key: object.Key.slice(this.#options.prefix.length),
          size: object.Size ?? 0,
          modifiedAt: object.LastModified?.getTime() ?? Date.now(),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *listOpenMultiparts(): AsyncIterable<OpenMultipart> {
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (;;) {
      const page = await this.#client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.#options.bucket,
          Prefix: this.#options.prefix,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(idMarker ? { UploadIdMarker: idMarker } : {}),
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId) continue;
        yield {
          key: upload.Key.slice(this.#options.prefix.length),
          multipartId: upload.UploadId,
          startedAt: upload.Initiated?.getTime() ?? Date.now(),
        };
      }
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      idMarker = page.NextUploadIdMarker;
    }
  }

  async abortMultipart(key: string, multipartId: string): Promise<void> {
    try {
      await this.#client.send(new AbortMultipartUploadCommand({ ...this.#object(key), UploadId: multipartId }));
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }

  async presignPart(key: string, multipartId: string, partNumber: number, expiresAt: number): Promise<string> {
    const expiresIn = Math.min(MAX_PRESIGN_SECONDS, Math.max(1, expiresAt - Math.floor(Date.now() / 1000)));
    return getSignedUrl(this.#client, new UploadPartCommand({ ...this.#object(key), UploadId: multipartId, PartNumber: partNumber }), {
      expiresIn,
    });
  }

  presignDownload(key: string, options: DownloadOptions): string {
    const credentials = this.#credentials;
    if (!credentials) throw new Error('S3 credentials are not resolved yet');
    const now = Date.now();
    if (credentials.expiration && credentials.expiration.getTime() - now < CREDENTIAL_MARGIN_MS) {
      // Sign with what is at hand (still valid), and have fresh credentials for the next link.
      void this.#refreshCredentials().catch(() => {});
    }
    const signedAt = new Date(Math.floor(now / SIGNING_STEP_MS) * SIGNING_STEP_MS);
    return presignGetObject({
      objectUrl: `${this.#bucketUrl}${this.#key(key)}`,
      region: this.#options.region,
      credentials,
      signedAt,
      expiresInSeconds: Math.min(MAX_PRESIGN_SECONDS, Math.max(1, options.expiresAt - Math.floor(signedAt.getTime() / 1000))),
      responseHeaders: { 'response-content-type': options.contentType, 'response-content-disposition': options.contentDisposition },
    });
  }
}
