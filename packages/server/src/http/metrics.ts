import { createServer, type Server } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { safeEqual } from '../lib/hash.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** Which upload path a request's body belongs to, for the bytes-received counter. */
function uploadPath(request: FastifyRequest): 'base64' | 'form' | 'part' | undefined {
  const route = request.routeOptions.url ?? '';
  if (request.method === 'PUT' && route.endsWith('/parts/:partNumber')) return 'part';
  if (request.method === 'POST' && route.endsWith('/v1/assets')) return request.isMultipart() ? 'form' : 'base64';
  return undefined;
}

/**
 * Counts every answered request (by route pattern, never the URL, so ids cannot blow up the
 * label set) and the upload bytes received; serves /metrics on this port when a token guards it.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  const { registry } = metrics;
  // Nothing is counted: no hook on every request either.
  if (!registry) return;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'not found' : (request.routeOptions.url ?? 'unknown');
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    const path = uploadPath(request);
    const length = Number(request.headers['content-length']);
    if (path && Number.isFinite(length)) metrics.received(path, length);
  });
  if (!token) return;
  app.get('/metrics', { config: { auth: 'none' }, schema: { hide: true } }, async (request, reply) => {
    const given = request.headers.authorization?.replace(/^Bearer\s+/i, '') ?? '';
    if (!safeEqual(given, token)) throw new AppError('UNAUTHORIZED', 'Metrics need Authorization: Bearer <ASSETD_METRICS_TOKEN>');
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}

/** /metrics on a port of its own (ASSETD_METRICS_PORT): for the operator's network, so without credentials. */
export async function startMetricsServer(metrics: Metrics, port: number, host: string): Promise<Server> {
  const { registry } = metrics;
  if (!registry) throw new Error('this process counts no metrics: neither ASSETD_METRICS_PORT nor ASSETD_METRICS_TOKEN is set');
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
