import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, invalid } from '../../errors.ts';
import type { IdempotencyStore } from '../../idempotency/idempotency-store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** POST routes that honour an `Idempotency-Key` header (JSON bodies). */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    /** Set when this request holds an idempotency key: its answer is kept for replay. */
    idempotency: { projectId: string; key: string } | null;
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** What the key stands for: the route, the project and the body, so a key reused for another request is caught. */
function requestHash(request: FastifyRequest, projectId: string): string {
  return createHash('sha256')
    .update(`${request.method}\n${request.routeOptions.url}\n${projectId}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

/**
 * `Idempotency-Key` (as Stripe and the IETF draft define it) on the routes that create things:
 * the same key and request within 24 h get the first answer again (`Idempotent-Replayed: true`)
 * and create nothing more; the same key with another request is a 409; while the first request
 * runs, a duplicate is a 409 worth retrying. Server errors are not kept, so a retry runs again.
 */
export function registerIdempotency(app: FastifyInstance, store: IdempotencyStore): void {
  app.decorateRequest('idempotency', null);
  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.routeOptions.config.idempotent || !request.scope) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY.test(key)) throw invalid('Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID');
    if (request.isMultipart()) {
      throw invalid('Idempotency-Key is honoured for JSON bodies: send the image as base64 JSON, or leave the header out');
    }
    const projectId = request.scope.projectId;
    const claim = await store.claim(projectId, key, requestHash(request, projectId));
    switch (claim.kind) {
      case 'run':
        request.idempotency = { projectId, key };
        return;
      case 'replay':
        reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
        return reply.status(claim.statusCode).send(claim.response);
      case 'running':
        throw new AppError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still running: retry in a moment', {
          retryAfterSeconds: 1,
        });
      case 'mismatch':
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used for another request in the last 24 hours: use a new key for a new request',
        );
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const held = request.idempotency;
    if (!held || typeof payload !== 'string') return payload;
    if (reply.statusCode < 500) await store.complete(held.projectId, held.key, reply.statusCode, payload);
    return payload;
  });
  // Ended with nothing kept (a 5xx, or the client went away before an answer): free the key for a retry.
  app.addHook('onResponse', async (request) => {
    const held = request.idempotency;
    if (held) await store.release(held.projectId, held.key);
  });
}
