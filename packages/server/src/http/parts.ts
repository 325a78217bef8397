import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Container } from '../container.ts';
import { AppError } from '../errors.ts';
import { PartTooLargeError, UnknownMultipartError } from '../storage/local/local-multipart.ts';
import { LocalStorage } from '../storage/local/local-storage.ts';
import { PART_LINK_PURPOSE, partResource } from './part-links.ts';

const Params = Type.Object({ uploadId: Type.String({ maxLength: 100 }), partNumber: Type.Integer({ minimum: 1, maximum: 10_000 }) });
const Query = Type.Object({
  part: Type.Optional(Type.String({ maxLength: 100 })),
  expires: Type.Optional(Type.String()),
  signature: Type.Optional(Type.String()),
});

/**
 * The presigned part endpoint of the local backend: `PUT` streams the body to disk as it
 * arrives, with an MD5 ETag like S3's. The signature is the authorisation.
 */
export async function registerPartRoutes(app: FastifyInstance, c: Container): Promise<void> {
  const storage = c.storage;
  if (!(storage instanceof LocalStorage)) return;
  await app.register(async (scope) => {
    // Any body, of any type, is raw bytes here and is read as a stream, never parsed or buffered.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.put(
      '/uploads/:uploadId/parts/:partNumber',
      {
        config: { auth: 'none' },
        schema: {
          summary: 'Upload one part to a presigned part URL (local storage)',
          tags: ['uploads'],
          params: Params,
          querystring: Query,
        },
      },
      async (request, reply) => {
        const { uploadId, partNumber } = request.params as { uploadId: string; partNumber: number };
        const { part, expires, signature } = request.query as { part?: string; expires?: string; signature?: string };
        // The signature first: nothing about an upload is told to an unsigned request.
        c.signer.verify(PART_LINK_PURPOSE, partResource(uploadId, partNumber, part ?? ''), expires, signature);
        const upload = await c.uploads.pendingForPart(uploadId, partNumber);
        if (upload.multipartId !== part) throw new AppError('UPLOAD_STATE', `Upload "${uploadId}" no longer takes parts at this URL`);
        const maxBytes = c.uploads.maxPartBytes(upload, partNumber);
        const header = request.headers['content-length'];
        const contentLength = header === undefined ? undefined : Number(header);
        try {
          const part = await storage.parts.writePart(upload.multipartId as string, partNumber, request.raw, contentLength, maxBytes);
          return reply.header('etag', part.etag).header('access-control-expose-headers', 'ETag').send();
        } catch (error) {
          // The client may still be sending: close the connection rather than read the rest.
          reply.header('connection', 'close');
          if (error instanceof PartTooLargeError) {
            throw new AppError('PART_TOO_LARGE', `Part ${partNumber} is larger than the ${error.limit} bytes it may have in this upload`);
          }
          if (error instanceof UnknownMultipartError) throw new AppError('UPLOAD_STATE', `Upload "${uploadId}" no longer takes parts`);
          throw error;
        }
      },
    );
  });
}
