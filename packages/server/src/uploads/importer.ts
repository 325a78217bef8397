import type { Config } from '../config.ts';
import { type FileStore, type StagedFile, TooLargeError } from '../files/file-store.ts';
import { createJsonFetcher, resolveCivitai, resolveHuggingFace } from './import/hubs.ts';
import { importTooLarge } from './import/import-error.ts';
import { downloadToStaging, type StageStream } from './import/safe-download.ts';
import type { HostLookup } from './import/safe-request.ts';
import type { Upload } from './upload.ts';

/** What a running import is told, and tells. */
export interface FetchControl {
  /** Aborted when the upload is: the download stops and leaves nothing behind. */
  readonly signal?: AbortSignal;
  /** Bytes received so far, and the total when the server declared one. */
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

/** Fetches the bytes of an import (URL or model hub) into a staging file. */
export interface Importer {
  fetch(upload: Upload, control?: FetchControl): Promise<{ staged: StagedFile; fileName?: string }>;
}

/**
 * The importer of URL and model-hub uploads: hub references are resolved to a file URL, and
 * every download goes through the safe downloader (public addresses only, size and time caps).
 * The configured hub hosts are trusted as an administrator's choice; where they redirect is not.
 */
export function createImporter(config: Config, files: FileStore, lookup?: HostLookup): Importer {
  const { imports } = config;
  const hubHosts = [new URL(imports.huggingFaceUrl).host, new URL(imports.civitaiUrl).host];
  const allowedHosts = [...imports.allowedHosts, ...hubHosts];
  const stage: StageStream = async (source, limit) => {
    try {
      return await files.stageStream(source, limit);
    } catch (error) {
      if (error instanceof TooLargeError) throw importTooLarge('the source', limit);
      throw error;
    }
  };
  const base = {
    maxBytes: imports.maxBytes,
    timeoutMs: imports.timeoutSeconds * 1000,
    minRate: { bytesPerSecond: imports.minRate.bytesPerSecond, windowMs: imports.minRate.windowSeconds * 1000 },
    allowedHosts,
    stage,
    lookup,
  };
  const bearer = (token: string | undefined, origin: string) =>
    token ? { headers: { authorization: `Bearer ${token}` }, headersOrigin: new URL(origin).origin } : {};

  return {
    async fetch(upload, control = {}) {
      const transfer = { ...base, ...control };
      switch (upload.source) {
        case 'url':
          return downloadToStaging(upload.url as string, transfer);
        case 'huggingface': {
          const auth = bearer(imports.huggingFaceToken, imports.huggingFaceUrl);
          const fetchJson = createJsonFetcher({ allowedHosts, lookup, ...auth, ...(control.signal ? { signal: control.signal } : {}) });
          const target = await resolveHuggingFace(upload.url as string, { baseUrl: imports.huggingFaceUrl, fetchJson });
          const download = await downloadToStaging(target.url, { ...transfer, ...auth });
          return { ...download, fileName: target.fileName };
        }
        case 'civitai': {
          const auth = bearer(imports.civitaiToken, imports.civitaiUrl);
          const fetchJson = createJsonFetcher({ allowedHosts, lookup, ...auth, ...(control.signal ? { signal: control.signal } : {}) });
          const target = await resolveCivitai(upload.url as string, { baseUrl: imports.civitaiUrl, fetchJson });
          const download = await downloadToStaging(target.url, { ...transfer, ...auth });
          return { ...download, fileName: target.fileName };
        }
        case 'multipart':
          throw new Error('a multipart upload has nothing to import');
      }
    },
  };
}
