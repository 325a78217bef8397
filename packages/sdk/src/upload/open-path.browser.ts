import { AssetdError } from '../core/errors.ts';
import type { ByteSource } from './source.ts';

/**
 * What `#open-path` is in a browser bundle (the `browser` condition of package.json's imports):
 * a page has no file system, and bundlers need not shim Node's for it.
 */
export async function openPath(filePath: string): Promise<ByteSource> {
  throw new AssetdError(`A file path (${filePath}) can only be uploaded from Node: in a browser, pass a File or Blob`);
}
