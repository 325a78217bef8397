import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Container } from './container.ts';
import { serverOptions } from './http/connection-limits.ts';
import { registerDocs } from './http/docs.ts';
import { registerFileRoutes } from './http/files.ts';
import { registerHealthRoutes } from './http/health.ts';
import { registerJsonBodyParser } from './http/json-body.ts';
import { registerMetrics } from './http/metrics.ts';
import { partsFirstServer, registerPartRoutes } from './http/parts.ts';
import { registerAuth } from './http/plugins/auth.ts';
import { registerErrorHandler } from './http/plugins/errors.ts';
import { registerIdempotency } from './http/plugins/idempotency.ts';
import { registerNulGuard } from './http/plugins/nul-guard.ts';
import { setUpRateLimits } from './http/plugins/rate-limits.ts';
import { registerSlowClientGuard } from './http/plugins/slow-clients.ts';
import { registerAssetRoutes } from './http/scenario/assets.ts';
import { registerCollectionRoutes } from './http/scenario/collections.ts';
import { registerEventRoutes } from './http/scenario/events.ts';
import { registerJobRoutes } from './http/scenario/jobs.ts';
import { registerProjectRoutes } from './http/scenario/projects.ts';
import { registerUploadRoutes } from './http/scenario/uploads.ts';
import { registerWebhookRoutes } from './http/scenario/webhooks.ts';
import { registerToken360 } from './http/token360/plugin.ts';
import { loadWebApp } from './http/web-app.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppOptions {
  /** false silences request logs (tests); otherwise the container's logger is used. */
  readonly logger?: false;
}

/**
 * Request bodies are validated strictly (a string is not a number); query strings are
 * coerced, since every query value arrives as text.
 */
function validators() {
  const common = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;
  return { body: new Ajv({ ...common, coerceTypes: false }), other: new Ajv({ ...common, coerceTypes: 'array' }) };
}

export async function buildApp(c: Container, options: AppOptions = {}): Promise<FastifyInstance> {
  const serverFactory = partsFirstServer(c);
  const app = Fastify({
    ...(serverFactory ? { serverFactory } : {}),
    ...(options.logger === false ? { logger: false } : { loggerInstance: c.log as FastifyBaseLogger }),
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${randomUUID()}`;
    },
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // Limits on slow clients, set again by registerSlowClientGuard: some only take effect here.
    http: serverOptions(c.config.connections),
  });
  registerSlowClientGuard(app, c.config.connections);

  // Only JSON and multipart bodies are spoken here; anything else is a 415, not a string body.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);

  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajv.body : ajv.other).compile(schema));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Answers hold signed links and must not be stored by shared caches or read as another type;
  // file downloads set their own caching (private, until the link expires).
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  // Browsers may call the API from other origins (the SDK works in pages too); they must be able
  // to send the credentials headers and to read the ETag of a part and the request id.
  await app.register(cors, {
    origin: c.config.corsOrigins === '*' ? '*' : [...c.config.corsOrigins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'idempotency-key', 'last-event-id'],
    exposedHeaders: ['etag', 'x-request-id', 'retry-after', 'content-range', 'content-length', 'idempotent-replayed'],
    maxAge: 600,
  });
  await app.register(multipart, {
    // The routes enforce their own size limits as the bytes stream; these only bound the form itself.
    limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 4, fields: 20, fieldSize: 64 * 1024, parts: 30, headerPairs: 100 },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'assetd', version: '0.1.0', description: 'Asset upload and asset-library API' },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic', description: 'apiKey:apiSecret' },
          bearer: { type: 'http', scheme: 'bearer', description: 'the API secret' },
        },
      },
      security: [{ basic: [] }, { bearer: [] }],
    },
  });

  // The server's own path prefixes: a missing route under them is the API's 404, never the web app.
  const reserved = [
    '/v1',
    '/files',
    '/docs',
    '/openapi.json',
    '/healthz',
    '/readyz',
    '/uploads',
    '/metrics',
    c.config.token360Prefix ?? '',
  ].filter(Boolean);
  const web = c.config.webDir ? await loadWebApp(c.config.webDir, reserved, app.log) : undefined;
  registerErrorHandler(app, web ? { notFound: web.fallback } : {});
  registerMetrics(app, c.metrics, c.config.metrics.token);
  // Before authentication, which reads the project from the query.
  registerNulGuard(app);
  const rateLimits = await setUpRateLimits(app, c.config, c.log);
  registerAuth(app, c.keys, rateLimits.authFailures);
  // After authentication: they count per key and per project.
  rateLimits.registerAfterAuth();
  registerIdempotency(app, c.idempotency);
  registerHealthRoutes(app, c);
  registerFileRoutes(app, c);
  registerAssetRoutes(app, c);
  registerCollectionRoutes(app, c);
  registerUploadRoutes(app, c);
  registerJobRoutes(app, c);
  registerProjectRoutes(app, c);
  registerWebhookRoutes(app, c);
  registerEventRoutes(app, c);
  await registerPartRoutes(app, c);
  if (c.config.token360Prefix) await registerToken360(app, c, c.config.token360Prefix);
  await registerDocs(app);
  await web?.register(app);
  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
