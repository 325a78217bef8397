import type { Config } from '../config.ts';
import { type FileStore, TooLargeError } from '../files/file-store.ts';
import type { Importer } from '../pipeline/process-upload.ts';
import { createJsonFetcher, resolveCivitai, resolveHuggingFace } from './import/hubs.ts';
import { importTooLarge } from './import/import-error.ts';
import { downloadToStaging, type StageStream } from './import/safe-download.ts';
import type { HostLookup } from './import/safe-request.ts';

const IDLE_TIMEOUT_MS = 60_000;

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
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    allowedHosts,
    stage,
    lookup,
  };
  const bearer = (token: string | undefined, origin: string) =>
    token ? { headers: { authorization: `Bearer ${token}` }, headersOrigin: new URL(origin).origin } : {};

  return {
    async fetch(upload) {
      switch (upload.source) {
        case 'url':
          return downloadToStaging(upload.url as string, base);
        case 'huggingface': {
          const auth = bearer(imports.huggingFaceToken, imports.huggingFaceUrl);
          const fetchJson = createJsonFetcher({ allowedHosts, lookup, ...auth });
          const target = await resolveHuggingFace(upload.url as string, { baseUrl: imports.huggingFaceUrl, fetchJson });
          const download = await downloadToStaging(target.url, { ...base, ...auth });
          return { ...download, fileName: target.fileName };
        }
        case 'civitai': {
          const auth = bearer(imports.civitaiToken, imports.civitaiUrl);
          const fetchJson = createJsonFetcher({ allowedHosts, lookup, ...auth });
          const target = await resolveCivitai(upload.url as string, { baseUrl: imports.civitaiUrl, fetchJson });
          const download = await downloadToStaging(target.url, { ...base, ...auth });
          return { ...download, fileName: target.fileName };
        }
        case 'multipart':
          throw new Error('a multipart upload has nothing to import');
      }
    },
  };
}
