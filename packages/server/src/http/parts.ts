import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Container } from '../container.ts';
import { createPartHandler } from '../parts/receive-part.ts';

const Params = Type.Object({ uploadId: Type.String({ maxLength: 100 }), partNumber: Type.Integer({ minimum: 1, maximum: 10_000 }) });
const Query = Type.Object({
  part: Type.Optional(Type.String({ maxLength: 100 })),
  expires: Type.Optional(Type.String()),
  signature: Type.Optional(Type.String()),
});

/**
 * The part endpoint in the API process, for a backend that receives parts through assetd
 * (its `partIntake`): `PUT` streams the body to storage as it arrives, with an MD5 ETag like
 * S3's. The signature is the authorisation; the rules are the part handler's.
 */
export async function registerPartRoutes(app: FastifyInstance, c: Container): Promise<void> {
  const intake = c.storage.partIntake;
  if (!intake) return;
  const receive = createPartHandler(intake, c.signer);
  await app.register(async (scope) => {
    // Any body, of any type, is raw bytes here and is read as a stream, never parsed or buffered.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.put(
      '/uploads/:uploadId/parts/:partNumber',
      {
        config: { auth: 'none', streamedBody: true },
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
        try {
          const stored = await receive({
            uploadId,
            partNumber,
            multipartId: part ?? '',
            expires,
            signature,
            contentLength: request.headers['content-length'],
            body: request.raw,
          });
          return reply.header('etag', stored.etag).header('access-control-expose-headers', 'ETag').send();
        } catch (error) {
          // Refused before the body was read to its end: close the connection rather than read the rest.
          if (!request.raw.complete) reply.header('connection', 'close');
          throw error;
        }
      },
    );
  });
}
