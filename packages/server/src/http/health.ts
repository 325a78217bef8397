import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { ping } from '../db/database.ts';

export function registerHealthRoutes(app: FastifyInstance, c: Container): void {
  app.get('/healthz', { config: { auth: 'none' }, schema: { summary: 'Liveness: the process answers', tags: ['health'] } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { config: { auth: 'none' }, schema: { summary: 'Readiness: the database and the storage are reachable', tags: ['health'] } },
    async (request, reply) => {
      const checks = await Promise.allSettled([ping(c.db), c.storage.ping()]);
      const [database, storage] = checks.map((check) => (check.status === 'fulfilled' ? 'ok' : 'unavailable'));
      const ready = checks.every((check) => check.status === 'fulfilled');
      if (!ready)
        request.log.warn({ checks: checks.map((check) => (check.status === 'rejected' ? String(check.reason) : 'ok')) }, 'not ready');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', database, storage });
    },
  );
}
