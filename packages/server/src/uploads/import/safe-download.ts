import type { Readable } from 'node:stream';
import type { StagedFile } from '../../files/file-store.ts';
import { fileNameFromContentDisposition, fileNameFromUrl, plainFileName, sanitizeFileName } from './file-name.ts';
import { type SafeRequestOptions, safeGet } from './safe-request.ts';

/**
 * Streams bytes into a staging file, like FileStore.stageStream. It must remove its file when
 * `source` fails: that is how a cut-off, oversize or timed-out download leaves nothing behind.
 */
export type StageStream = (source: Readable, limit: number) => Promise<StagedFile>;

export interface DownloadOptions extends SafeRequestOptions {
  readonly stage: StageStream;
}

export interface Download {
  readonly staged: StagedFile;
  /** The media type the server declared (`type/subtype`, lower case, no parameters), if any. */
  readonly contentType: string | undefined;
  /** A display name: Content-Disposition, else the URL's last path segment, else 'download'. */
  readonly fileName: string;
  /** The URL the bytes came from, after redirects. */
  readonly finalUrl: string;
}

/**
 * Downloads `url` into a staging file under the rules of safeGet (public addresses only,
 * checked redirects, size and time limits). Failures of the transfer are ImportErrors whose
 * `retryable` says whether another attempt may succeed; a failure of `stage` itself (a full
 * disk) is passed on as it is.
 */
export async function downloadToStaging(url: string, options: DownloadOptions): Promise<Download> {
  const response = await safeGet(url, options);
  try {
    let staged: StagedFile;
    try {
      staged = await options.stage(response.body, options.maxBytes);
    } catch (error) {
      // The stream's own failure says more than what the stage made of it (a premature close).
      throw response.failure() ?? error;
    }
    const fileName =
      plainFileName(fileNameFromContentDisposition(header(response.headers['content-disposition']))) ??
      plainFileName(fileNameFromUrl(response.url)) ??
      sanitizeFileName(fileNameFromUrl(new URL(url)));
    return {
      staged,
      contentType: mediaType(header(response.headers['content-type'])),
      fileName,
      finalUrl: response.url.href,
    };
  } finally {
    response.close();
  }
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function mediaType(value: string | undefined): string | undefined {
  const essence = value?.split(';')[0]?.trim().toLowerCase();
  return essence && /^[\w.+-]+\/[\w.+-]+$/.test(essence) ? essence : undefined;
}
