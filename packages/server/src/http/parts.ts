import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import { Type } from 'typebox';
import type { Container } from '../container.ts';
import { isPartPut, partListener } from '../parts/part-receiver.ts';
import { createPartHandler } from '../parts/receive-part.ts';

const PART_ROUTE = '/uploads/:uploadId/parts/:partNumber';

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
      PART_ROUTE,
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

/**
 * The API's http server, for a backend that receives parts through assetd: part PUTs are
 * answered before Fastify sees them, by the part receiver's own listener (`parts/part-receiver.ts`:
 * plain node:http, the one part handler, the same limits on slow clients), so a part's bytes pay
 * for no routing, hooks, schema or reply machinery on the API's port either. Everything else,
 * preflights included, goes to Fastify; the route above still serves `inject` (tests) and
 * documents the endpoint. Part answers follow the API's CORS origins and are counted in its
 * metrics like any request.
 */
export function partsFirstServer(c: Container): FastifyServerFactory | undefined {
  const intake = c.storage.partIntake;
  if (!intake) return undefined;
  const origins = c.config.corsOrigins;
  return (fastify, options) => {
    const parts = partListener(intake, c.signer, c.config.connections, (text) => c.log.warn(text), {
      allowOrigin: (origin) => (origins === '*' ? '*' : origin !== undefined && origins.includes(origin) ? origin : undefined),
      // Counted only where metrics are served: otherwise no timer and no listener per part.
      ...(c.metrics.registry
        ? {
            answered: (status: number, seconds: number, bytes: number) => {
              c.metrics.request('PUT', PART_ROUTE, status, seconds);
              c.metrics.received('part', bytes);
            },
          }
        : {}),
    });
    const server = createServer(options.http ?? {}, (request: IncomingMessage, response: ServerResponse) => {
      if (isPartPut(request)) parts.listener(request, response);
      else fastify(request, response);
    });
    server.once('close', () => parts.stop());
    return server;
  };
}
