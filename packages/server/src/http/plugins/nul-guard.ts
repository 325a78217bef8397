import type { FastifyInstance } from 'fastify';
import { invalid } from '../../errors.ts';

/** Deeper than any body this API takes; a deeper one is not searched further (validation refuses it). */
const MAX_DEPTH = 8;

/** Where in `value` a NUL character is, as a dotted path ('' for the value itself); undefined when there is none. */
export function findNul(value: unknown, where = '', depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? where : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || Buffer.isBuffer(value)) return undefined;
  for (const [key, each] of Object.entries(value)) {
    const path = where ? `${where}.${key}` : key;
    if (key.includes('\u0000')) return path;
    const found = findNul(each, path, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The 400 for a NUL character found at `where` in `part` (path, query, body or a form field). */
export function nulRefused(part: string, where: string): Error {
  return invalid(
    `${where ? `'${where}' in the ${part}` : `The ${part}`} contains a NUL character (\\u0000), which assetd does not accept: remove it`,
    { part, field: where },
  );
}

/**
 * One check at the edge for NUL characters in every string a client sends: PostgreSQL refuses
 * them in text, so without it they surface as 500s deep inside, and on SQLite they would be
 * stored and shown. Path and query are checked on arrival, before authentication reads the
 * project; JSON bodies once parsed. Multipart fields are checked by the form readers, as they
 * stream (`nulRefused`).
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    for (const [part, value] of [
      ['path', request.params],
      ['query string', request.query],
    ] as const) {
      const where = findNul(value);
      if (where !== undefined) throw nulRefused(part, where);
    }
  });
  app.addHook('preValidation', async (request) => {
    if (request.isMultipart()) return;
    const where = findNul(request.body);
    if (where !== undefined) throw nulRefused('body', where);
  });
}
