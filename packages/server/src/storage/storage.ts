import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP Range headers give it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface MultipartPlan {
  readonly fileSize: number;
  readonly partsCount: number;
  readonly partSize: number;
  /** When the upload stops taking parts (ISO-8601); a backend that receives parts itself refuses them after. */
  readonly expiresAt?: string;
}

/**
 * A part the backend holds: its number, byte count and ETag (quoted: S3's is the part's MD5, the
 * local disk's a token naming that write of the part; either changes when the part is sent again).
 */
export interface StoredPart {
  readonly number: number;
  readonly size: number;
  readonly etag: string;
}

/** What completing a multipart upload learnt on the way. */
export interface CompletedMultipart {
  /**
   * The whole object's SHA-256 (hex), when the backend computed it from the very bytes it
   * joined (the local disk hashes parts as they land); absent when it did not.
   */
  readonly sha256?: string;
}

/** How a presigned download link should present the file (S3's response-content-* overrides). */
export interface DownloadOptions {
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly contentType: string;
  readonly contentDisposition: string;
}

/** A file on local disk for code that needs a path (decoders); `release` removes any temporary copy. */
export interface LocalCopy {
  readonly path: string;
  release(): Promise<void>;
}

/** An object as a listing gives it, for the collector and `assetd fsck`. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** When the object was last written (ms since the epoch). */
  readonly modifiedAt: number;
}

/** A multipart upload still open in the backend. */
export interface OpenMultipart {
  readonly key: string;
  readonly multipartId: string;
  /** When it was started (ms since the epoch). */
  readonly startedAt: number;
}

/**
 * The capability of a backend whose parts come through assetd (the local disk): the one part
 * endpoint (`parts/receive-part.ts`) writes them here, whether the API process or the part
 * receiver serves it. A backend with its own part URLs (S3) has none.
 */
export interface PartIntake {
  /**
   * The plan of a multipart upload that still takes parts. Throws UnknownMultipartError once
   * it is gone (completed, aborted, expired and swept) and MultipartSealedError while it is
   * being completed.
   */
  plan(multipartId: string): Promise<MultipartPlan>;
  /**
   * Streams one part to the backend, with a fresh ETag, refusing it past `maxBytes`
   * (PartTooLargeError). A repeated part replaces the previous one. Excludes completion: a
   * part either lands before the upload is sealed for completion or is refused.
   */
  writePart(
    multipartId: string,
    partNumber: number,
    body: Readable,
    contentLength: number | undefined,
    maxBytes: number,
    plan: MultipartPlan,
  ): Promise<StoredPart>;
  /**
   * Waits (bounded) for part PUTs under way to end; throws MultipartChangedError when one is
   * still running at the deadline.
   */
  settle(multipartId: string): Promise<void>;
  /** Takes parts again after a completion that was given up (the upload went back to pending). */
  unseal(multipartId: string): Promise<void>;
}

/**
 * Where file bytes live. Keys are made by the server (never from user input) and are
 * validated by every backend all the same.
 */
export interface StorageBackend {
  /** Moves a finished local file into storage under `key`; the source path is consumed. */
  putFile(key: string, sourcePath: string): Promise<void>;
  putBuffer(key: string, data: Buffer): Promise<void>;
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Size in bytes, or undefined when there is no such object. */
  size(key: string): Promise<number | undefined>;
  /** Removes the object; removing a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Throws when the backend cannot be reached. */
  ping(): Promise<void>;
  /** The object as a local file, without copying it when it already is one. */
  openLocal(key: string): Promise<LocalCopy>;
  /**
   * Bytes `start`–`end` (inclusive; fewer at the end of the object) as one buffer, for code that
   * needs only part of a file (a format's header): a ranged GET, never the whole object.
   */
  readRange(key: string, range: ByteRange): Promise<Buffer>;

  /** Starts a multipart upload that will become the object `key`; returns its id. */
  createMultipart(key: string, plan: MultipartPlan): Promise<string>;
  /** The parts received so far, by number. */
  listParts(key: string, multipartId: string): Promise<StoredPart[]>;
  /**
   * Joins exactly `parts` (as listed: numbers and ETags), in order, into the object `key`; the
   * multipart upload is gone afterwards. Throws MultipartChangedError, leaving the upload open,
   * when a part was replaced since it was listed or is still being received.
   */
  completeMultipart(key: string, multipartId: string, parts: readonly StoredPart[]): Promise<CompletedMultipart>;
  /** Drops a multipart upload and every part received; a missing one is not an error. */
  abortMultipart(key: string, multipartId: string): Promise<void>;
  /**
   * A URL the client PUTs part n to directly, when the backend has its own (S3); undefined
   * when parts come through this server.
   */
  presignPart(key: string, multipartId: string, partNumber: number, expiresAt: number): Promise<string | undefined>;
  /**
   * A URL that downloads the object straight from the backend, when it has its own (S3).
   * Synchronous, because asset records are mapped to the wire synchronously; the backend
   * keeps what signing needs (credentials) at hand.
   */
  presignDownload?(key: string, options: DownloadOptions): string;
  /** Present when parts are PUT through assetd rather than to the backend's own URLs. */
  readonly partIntake?: PartIntake;
  /** Every object whose key starts with `prefix` (the collector's and fsck's view of storage). */
  listObjects(prefix: string): AsyncIterable<ListedObject>;
  /** Multipart uploads still open (started and neither completed nor aborted). */
  listOpenMultiparts(): AsyncIterable<OpenMultipart>;
}

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new Error(`unsafe storage key: ${JSON.stringify(key)}`);
  }
}
