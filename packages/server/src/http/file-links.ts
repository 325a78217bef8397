import type { FastifyRequest } from 'fastify';
import { linkExpiry, type UrlSigner } from '../auth/url-signer.ts';
import type { Container } from '../container.ts';
import type { FileRef } from '../files/file-store.ts';
import type { StorageBackend } from '../storage/storage.ts';
import { requestOrigin } from './request-origin.ts';

export const FILE_LINK_PURPOSE = 'file';

/** Turns stored files into signed, expiring links on this server. */
export type FileLinker = (file: FileRef) => string;

/** Links straight to the storage backend (S3 presigned GETs) rather than through this server. */
export interface DirectLinks {
  readonly mode: 'server' | 'presigned';
  readonly storage: StorageBackend;
}

/**
 * Media a browser shows without running anything. Every other type (SVG, HTML, XML, models,
 * anything unknown) is served as an attachment by presigned links: opened directly, it
 * downloads rather than renders, so it cannot run script in the bucket's origin. An `<img>`
 * still shows an SVG: Content-Disposition does not apply to embedded resources.
 */
const INERT_TYPE = /^(image\/(png|jpeg|gif|webp|avif|heic|heif|bmp|tiff)|audio\/[\w.+-]+|video\/[\w.+-]+)$/;

export const downloadDisposition = (mimeType: string) => (INERT_TYPE.test(mimeType) ? 'inline' : 'attachment');

/** What a file link's signature covers: the file, and the key it was made for (none for public listings). */
export const fileLinkResource = (fileId: string, keyId: string | undefined) => (keyId ? `${fileId}\n${keyId}` : fileId);

export function fileLinker(
  signer: UrlSigner,
  ttlSeconds: number,
  base: string,
  keyId: string | undefined,
  direct?: DirectLinks,
): FileLinker {
  const expires = linkExpiry(ttlSeconds);
  const presign = direct?.mode === 'presigned' ? direct.storage.presignDownload?.bind(direct.storage) : undefined;
  if (presign) {
    return (file) =>
      presign(file.storageKey, { expiresAt: expires, contentType: file.mimeType, contentDisposition: downloadDisposition(file.mimeType) });
  }
  // Bound to the key that asked: revoking the key ends its links (the file route checks it).
  const key = keyId ? `&key=${encodeURIComponent(keyId)}` : '';
  return (file) =>
    `${base}/files/${file.id}?expires=${expires}${key}&signature=${signer.sign(FILE_LINK_PURPOSE, fileLinkResource(file.id, keyId), expires)}`;
}

/** The file links of this deployment for one request: the one way every dialect builds them. */
export function linksFor(c: Pick<Container, 'signer' | 'config' | 'storage'>, request: FastifyRequest): FileLinker {
  return fileLinker(c.signer, c.config.urlTtlSeconds, requestOrigin(request, c.config), request.principal?.keyId, {
    mode: c.config.fileLinks,
    storage: c.storage,
  });
}
