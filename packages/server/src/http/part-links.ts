import type { FastifyRequest } from 'fastify';
import type { UrlSigner } from '../auth/url-signer.ts';
import type { StorageBackend } from '../storage/storage.ts';
import type { PartLinker } from '../uploads/upload.ts';

export const PART_LINK_PURPOSE = 'part';

export const partResource = (uploadId: string, partNumber: number) => `${uploadId}/${partNumber}`;

/**
 * Part URLs: the storage backend's presigned URL when it has one (bytes go straight to it),
 * else a signed URL on this server bound to the upload, the part number and the expiry.
 */
export function partLinker(signer: UrlSigner, storage: StorageBackend, publicUrl: string | undefined, request: FastifyRequest): PartLinker {
  const base = publicUrl ?? `${request.protocol}://${request.host}`;
  return async (upload, partNumber, expiresAt) => {
    const presigned = upload.multipartId
      ? await storage.presignPart(upload.storageKey, upload.multipartId, partNumber, expiresAt)
      : undefined;
    if (presigned) return presigned;
    const signature = signer.sign(PART_LINK_PURPOSE, partResource(upload.id, partNumber), expiresAt);
    return `${base}/uploads/${upload.id}/parts/${partNumber}?expires=${expiresAt}&signature=${signature}`;
  };
}
