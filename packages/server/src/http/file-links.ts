import type { FastifyRequest } from 'fastify';
import { linkExpiry, type UrlSigner } from '../auth/url-signer.ts';
import type { Container } from '../container.ts';
import type { FileRef } from '../files/file-store.ts';
import {
  MAX_RENDITION_EDGE,
  OUTPUT_MIME,
  outputFormat,
  type Rendition,
  type RenditionParams,
  renditionName,
  renditionOf,
  renditionSize,
  renditionSource,
} from '../media/rendition.ts';
import type { StorageBackend } from '../storage/storage.ts';
import { requestOrigin } from './request-origin.ts';

export const FILE_LINK_PURPOSE = 'file';
/** A rendition link is a capability of its own: its signature cannot open the original, nor another size. */
export const RENDITION_LINK_PURPOSE = 'file-rendition';

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

/** What a rendition link's signature covers: the file link's resource and the rendition's canonical name. */
export const renditionLinkResource = (fileId: string, keyId: string | undefined, rendition: Rendition) =>
  `${fileLinkResource(fileId, keyId)}\n${renditionName(rendition)}`;

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

/** Turns a stored image and a rendition into a signed link to that rendition, and to no other. */
export type RenditionLinker = (file: FileRef, rendition: Rendition) => string;

/**
 * Rendition links always go through this server (a bucket cannot resize), whatever
 * ASSETD_FILE_LINKS says. The URL spells the rendition out in its canonical form, so the
 * parameters read back are exactly those signed.
 */
export function renditionLinker(signer: UrlSigner, ttlSeconds: number, base: string, keyId: string | undefined): RenditionLinker {
  const expires = linkExpiry(ttlSeconds);
  const key = keyId ? `&key=${encodeURIComponent(keyId)}` : '';
  return (file, rendition) => {
    const params = [
      ...(rendition.width !== undefined ? [`width=${rendition.width}`] : []),
      ...(rendition.height !== undefined ? [`height=${rendition.height}`] : []),
      ...(rendition.width !== undefined && rendition.height !== undefined ? [`fit=${rendition.fit}`] : []),
      `format=${rendition.format}`,
      ...(rendition.format === 'png' ? [] : [`quality=${rendition.quality}`]),
    ].join('&');
    const signature = signer.sign(RENDITION_LINK_PURPOSE, renditionLinkResource(file.id, keyId, rendition), expires);
    return `${base}/files/${file.id}?${params}&expires=${expires}${key}&signature=${signature}`;
  };
}

/** What a client asks of renditions: a box in CSS pixels, and the screen pixel ratios to serve. */
export interface RenditionRequest extends RenditionParams {
  /** Device pixel ratios, e.g. [1, 2]: one rendition each, for `srcset="… 1x, … 2x"`. */
  readonly pixelRatios: readonly number[];
}

/** One rendition of an asset's image, ready for `srcset`: its link, its exact pixel size, its type. */
export interface RenditionLink {
  readonly url: string;
  readonly pixelRatio: number;
  readonly width: number;
  readonly height: number;
  readonly mimeType: string;
}

/**
 * The renditions of an image for a box (CSS pixels) at each pixel ratio: the box is multiplied by
 * the ratio (and kept within MAX_RENDITION_EDGE), and each entry says the size it will have.
 * A ratio the original is too small for (its rendition would be no larger than the previous
 * one) is left out: the browser then uses the largest there is.
 */
export function renditions(
  link: RenditionLinker,
  file: FileRef,
  source: { readonly width: number; readonly height: number },
  request: RenditionRequest,
): RenditionLink[] {
  const format = renditionSource(file.mimeType);
  if (!format) return [];
  const { width, height } = request;
  const links: RenditionLink[] = [];
  for (const ratio of [...new Set(request.pixelRatios)].sort((a, b) => a - b)) {
    const factor = Math.min(ratio, MAX_RENDITION_EDGE / (width ?? 1), MAX_RENDITION_EDGE / (height ?? 1));
    const rendition = renditionOf({
      ...request,
      width: width === undefined ? undefined : Math.max(1, Math.round(width * factor)),
      height: height === undefined ? undefined : Math.max(1, Math.round(height * factor)),
    });
    const size = renditionSize(source, rendition);
    const previous = links.at(-1);
    if (previous && size.width <= previous.width && size.height <= previous.height) continue;
    links.push({ url: link(file, rendition), pixelRatio: ratio, ...size, mimeType: OUTPUT_MIME[outputFormat(rendition.format, format)] });
  }
  return links;
}

/** The rendition links of this deployment for one request (see `linksFor`). */
export function renditionLinksFor(c: Pick<Container, 'signer' | 'config'>, request: FastifyRequest): RenditionLinker {
  return renditionLinker(c.signer, c.config.urlTtlSeconds, requestOrigin(request, c.config), request.principal?.keyId);
}
