import { StringEnum } from '@assetd/contract/scenario';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { Type } from 'typebox';
import type { Container } from '../container.ts';
import { AppError } from '../errors.ts';
import type { FileRef } from '../files/file-store.ts';
import {
  hasRenditionParams,
  MAX_RENDITION_EDGE,
  RENDITION_FITS,
  RENDITION_FORMATS,
  type Rendition,
  type RenditionParams,
  renditionName,
  renditionOf,
} from '../media/rendition.ts';
import { downloadDisposition, FILE_LINK_PURPOSE, fileLinkResource, RENDITION_LINK_PURPOSE, renditionLinkResource } from './file-links.ts';

const Params = Type.Object({ fileId: Type.String({ minLength: 1, maxLength: 100 }) });
const Edge = Type.Integer({ minimum: 1, maximum: MAX_RENDITION_EDGE });
const Query = Type.Object({
  expires: Type.Optional(Type.String()),
  key: Type.Optional(Type.String({ maxLength: 100 })),
  signature: Type.Optional(Type.String()),
  width: Type.Optional({ ...Edge, description: 'A rendition: at most this wide (pixels); part of what the signature covers' }),
  height: Type.Optional({ ...Edge, description: 'A rendition: at most this high (pixels)' }),
  fit: Type.Optional(
    StringEnum(RENDITION_FITS, { description: 'With width and height: cover (crop, the default), contain (letterbox) or inside' }),
  ),
  format: Type.Optional(
    StringEnum(RENDITION_FORMATS, { description: "A rendition's format (webp by default; origin keeps the original's)" }),
  ),
  quality: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Lossy formats: 1–100 (80)' })),
});
type FileQuery = { expires?: string; key?: string; signature?: string } & RenditionParams;

/**
 * Uploaded bytes are served inert: no sniffing, and a CSP sandbox so an SVG or HTML file
 * opened directly cannot run script in this origin.
 */
const SAFE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; media-src 'self'; sandbox",
  'cross-origin-resource-policy': 'cross-origin',
  'referrer-policy': 'no-referrer',
} as const;

export function registerFileRoutes(app: FastifyInstance, c: Container): void {
  // HEAD is routed here explicitly: Fastify's automatic HEAD would read the whole file to discard it.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/files/:fileId',
    exposeHeadRoute: false,
    config: { auth: 'none' },
    schema: {
      summary: 'Download a file through a signed, expiring link (supports Range), or a resized copy of an image (rendition links)',
      tags: ['files'],
      params: Params,
      querystring: Query,
    },
    handler: async (request, reply) => {
      const { fileId } = request.params as { fileId: string };
      const { expires, key, signature, ...params } = request.query as FileQuery;
      // The signature covers the rendition: a link grants one size of one file, and only that.
      const rendition = hasRenditionParams(params) ? renditionOf(params) : undefined;
      if (rendition) c.signer.verify(RENDITION_LINK_PURPOSE, renditionLinkResource(fileId, key, rendition), expires, signature);
      else c.signer.verify(FILE_LINK_PURPOSE, fileLinkResource(fileId, key), expires, signature);
      if (key && !(await c.keys.isActive(key))) {
        throw new AppError('INVALID_SIGNATURE', 'The API key this link was made for has been revoked: request a fresh URL from the API');
      }
      const file = await c.files.find(fileId);
      if (!file) throw new AppError('FILE_NOT_FOUND', 'This file no longer exists');
      const maxAge = Math.max(0, Number(expires) - Math.floor(Date.now() / 1000));
      if (rendition) return serveRendition(c, request, reply, file, rendition, maxAge);
      const etag = `"${file.sha256}"`;
      reply.headers({
        ...SAFE_HEADERS,
        etag,
        'accept-ranges': 'bytes',
        'cache-control': `private, max-age=${maxAge}`,
        'content-type': file.mimeType,
        // Anything a browser could run (HTML, SVG, XML, unknown types) downloads instead of rendering.
        'content-disposition': downloadDisposition(file.mimeType),
      });
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();

      const rangeHeader = request.headers.range;
      // A Range with a stale If-Range validator gets the whole file, as RFC 9110 asks.
      const ifRange = request.headers['if-range'];
      const ranges = rangeHeader && (!ifRange || ifRange === etag) ? parseRange(file.size, rangeHeader, { combine: true }) : undefined;
      if (ranges === -1) {
        reply.header('content-range', `bytes */${file.size}`);
        throw new AppError('RANGE_NOT_SATISFIABLE', `The range "${rangeHeader}" is outside the file's ${file.size} bytes`);
      }
      // One range is served as 206; several (or a malformed header) get the whole file.
      const range = Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes' ? ranges[0] : undefined;
      if (range) {
        reply
          .status(206)
          .headers({ 'content-range': `bytes ${range.start}-${range.end}/${file.size}`, 'content-length': range.end - range.start + 1 });
        if (request.method === 'HEAD') return reply.send();
        return reply.send(await c.storage.read(file.storageKey, range));
      }
      reply.header('content-length', file.size);
      if (request.method === 'HEAD' || file.size === 0) return reply.send();
      return reply.send(await c.storage.read(file.storageKey));
    },
  });
}

/**
 * A rendition: from the cache when it was drawn before (by any process), else drawn now and
 * kept. The whole image is sent (no ranges: renditions are small). Its ETag is weak: it names
 * the original's bytes and the rendition, and a copy drawn again by another version of libvips
 * shows the same image in other bytes.
 */
async function serveRendition(
  c: Container,
  request: FastifyRequest,
  reply: FastifyReply,
  file: FileRef,
  rendition: Rendition,
  maxAge: number,
): Promise<FastifyReply> {
  const etag = `W/"${file.sha256}.${renditionName(rendition)}"`;
  reply.headers({ ...SAFE_HEADERS, etag, 'accept-ranges': 'none', 'cache-control': `private, max-age=${maxAge}` });
  if (request.headers['if-none-match'] === etag) return reply.status(304).send();
  const served = await c.renditions.open(file, rendition);
  reply.headers({
    'content-type': served.mimeType,
    'content-disposition': 'inline',
    'content-length': served.size,
    'x-rendition-cache': served.cached ? 'hit' : 'miss',
  });
  if (request.method === 'HEAD') {
    if ('stream' in served) served.stream.destroy();
    return reply.send();
  }
  return reply.send('stream' in served ? served.stream : served.bytes);
}
