import type { FastifyRequest } from 'fastify';
import type { UrlSigner } from '../auth/url-signer.ts';
import { PART_LINK_PURPOSE, partResource } from '../parts/receive-part.ts';
import type { StorageBackend } from '../storage/storage.ts';
import type { PartLinker } from '../uploads/upload.ts';
import { type OriginSettings, requestOrigin } from './request-origin.ts';

/**
 * Part URLs: the storage backend's presigned URL when it has one (bytes go straight to it),
 * else a signed URL bound to the upload, the part, its multipart id and the expiry — on the
 * part-receiver process when one runs (`partsUrl`), else on this server.
 */
export function partLinker(
  signer: UrlSigner,
  storage: StorageBackend,
  urls: OriginSettings & { readonly parts: { readonly port: number | undefined; readonly url: string | undefined } },
  request: FastifyRequest,
): PartLinker {
  const origin = requestOrigin(request, urls);
  // The part receiver listens beside this server: the same host name, its own port.
  const receiver =
    urls.parts.url ?? (urls.parts.port ? `${new URL(origin).protocol}//${new URL(origin).hostname}:${urls.parts.port}` : undefined);
  const base = receiver ?? origin;
  return async (upload, partNumber, expiresAt) => {
    const multipartId = upload.multipartId ?? '';
    const presigned = multipartId ? await storage.presignPart(upload.storageKey, multipartId, partNumber, expiresAt) : undefined;
    if (presigned) return presigned;
    const signature = signer.sign(PART_LINK_PURPOSE, partResource(upload.id, partNumber, multipartId), expiresAt);
    return `${base}/uploads/${upload.id}/parts/${partNumber}?part=${multipartId}&expires=${expiresAt}&signature=${signature}`;
  };
}
