import type { FastifyRequest } from 'fastify';
import { linkExpiry, type UrlSigner } from '../auth/url-signer.ts';
import type { FileRef } from '../files/file-store.ts';

export const FILE_LINK_PURPOSE = 'file';

/** Turns stored files into signed, expiring links on this server. */
export type FileLinker = (file: FileRef) => string;

export function fileLinker(signer: UrlSigner, publicUrl: string | undefined, ttlSeconds: number, request: FastifyRequest): FileLinker {
  const base = publicUrl ?? `${request.protocol}://${request.host}`;
  const expires = linkExpiry(ttlSeconds);
  return (file) => `${base}/files/${file.id}?expires=${expires}&signature=${signer.sign(FILE_LINK_PURPOSE, file.id, expires)}`;
}
