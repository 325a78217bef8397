import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../container.ts';
import { ping } from '../db/database.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from './plugins/errors.ts';

/** Fails when `check` has not answered within `ms`: a probe must answer even when the database does not. */
async function within<T>(check: Promise<T>, ms: number, what: string): Promise<T> {
  const abort = new AbortController();
  const late = sleep(ms, undefined, { signal: abort.signal }).then(() => {
    throw new Error(`${what} did not answer within ${ms} ms`);
  });
  try {
    return await Promise.race([check, late]);
  } finally {
    abort.abort();
    late.catch(() => {});
  }
}

export function registerHealthRoutes(app: FastifyInstance, c: Container): void {
  app.get('/healthz', { config: { auth: 'none' }, schema: { summary: 'Liveness: the process answers', tags: ['health'] } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { config: { auth: 'none' }, schema: { summary: 'Readiness: the database and the storage are reachable', tags: ['health'] } },
    async (request, reply) => {
      // `select 1` is instant on a database that works: one that takes longer than a connection may is not ready.
      const checks = await Promise.allSettled([within(ping(c.db), c.config.database.connectTimeoutMs, 'the database'), c.storage.ping()]);
      const [database, storage] = checks.map((check) => (check.status === 'fulfilled' ? 'ok' : 'unavailable'));
      // Below ASSETD_MIN_FREE_BYTES on the data folder's disk, uploads would soon fail with 507s.
      const disk = (await c.room.isLow().catch(() => false)) ? 'low' : 'ok';
      const ready = checks.every((check) => check.status === 'fulfilled') && disk === 'ok';
      if (!ready) {
        request.log.warn({ checks: checks.map((check) => (check.status === 'rejected' ? String(check.reason) : 'ok')) }, 'not ready');
        reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS.unreachable));
      }
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', database, storage, disk });
    },
  );
}
