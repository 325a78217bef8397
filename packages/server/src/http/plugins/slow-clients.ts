import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { BodyRateGuard, bodyRules } from '../body-rate.ts';
import { limitConnections } from '../connection-limits.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The body is an upload streamed to disk (a part, a form's file): it may take as long as it
     * keeps up the minimum rate, so the request timeout does not apply to it.
     */
    streamedBody?: boolean;
  }
}

/**
 * Slow and stalled clients on the API's server: Node's limits on connections (headers, idle,
 * how many) and the body-rate guard on every request body, the same as the part receiver's.
 */
export function registerSlowClientGuard(app: FastifyInstance, limits: Config['connections']): void {
  limitConnections(app.server, limits);
  const guard = new BodyRateGuard(bodyRules(limits), (request, rejection) => {
    // The path only: a part URL's query is its credential.
    const path = request.url?.split('?')[0];
    app.log.warn({ method: request.method, path, reason: rejection.reason }, `request cut off: ${rejection.message}`);
  });
  // First of the onRequest hooks, so a body's window starts as soon as its route is known.
  app.addHook('onRequest', async (request, reply) => {
    guard.watch(request.raw, reply.raw, { deadline: request.routeOptions.config.streamedBody !== true });
  });
  app.addHook('onClose', async () => guard.stop());
}
