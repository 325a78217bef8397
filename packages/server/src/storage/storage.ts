import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP Range headers give it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
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
}

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new Error(`unsafe storage key: ${JSON.stringify(key)}`);
  }
}
