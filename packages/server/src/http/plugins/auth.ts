import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../../assets/asset.ts';
import type { KeyService, Principal } from '../../auth/keys.ts';
import { AppError } from '../../errors.ts';

/** How a route is reached: with an API key (the default), with a key or the public token, or by anyone. */
export type AuthMode = 'key' | 'key-or-public' | 'none';

declare module 'fastify' {
  interface FastifyRequest {
    /** The calling key; null on unauthenticated routes and for the public token. */
    principal: Principal | null;
    /** The project the request acts in; null when there is no key. */
    scope: Scope | null;
  }
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
}

/** Limits guessing: failed authentications are counted per client address (http/plugins/rate-limits.ts). */
export interface AuthFailureLimit {
  /** Throws (429) when the request's address may not present credentials now. */
  check(request: FastifyRequest): Promise<void>;
  /** Counts a failed authentication; throws (429) when it went past the allowance. */
  recordFailure(request: FastifyRequest): Promise<void>;
}

/** The literal token that lets anyone list public assets, and do nothing else. */
export const PUBLIC_TOKEN = 'public-auth-token';

const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message);

async function authenticate(keys: KeyService, header: string): Promise<Principal | undefined> {
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const credentials = rest.join(' ');
  if (!scheme || !credentials) return undefined;
  switch (scheme.toLowerCase()) {
    case 'basic': {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return undefined;
      return keys.authenticateBasic(decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    case 'bearer':
      return keys.authenticateBearer(credentials);
    default:
      return undefined;
  }
}

/**
 * Authenticates every request before its body is read, and resolves the project it acts
 * in from `?projectId=` (absent or empty: the key's default project). Credentials that do not
 * match count against `failures`; a request without any, or with the public token, does not.
 */
export function registerAuth(app: FastifyInstance, keys: KeyService, failures?: AuthFailureLimit): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('scope', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    // Fail closed: a route that does not say otherwise needs a key. Unknown routes answer 404
    // and CORS preflights (which never carry credentials) are answered by the CORS plugin.
    if (request.is404 || request.method === 'OPTIONS') return;
    const mode = request.routeOptions.config.auth ?? 'key';
    if (mode === 'none') return;
    const header = request.headers.authorization;
    if (!header) {
      throw unauthorized('Authentication required: use HTTP Basic with apiKey:apiSecret, or Authorization: Bearer <apiSecret>');
    }
    if (header.trim() === PUBLIC_TOKEN) {
      if (mode === 'key-or-public') return;
      throw unauthorized('The public token only lists public assets (GET /v1/assets): use an API key for this request');
    }
    await failures?.check(request);
    const principal = await authenticate(keys, header);
    if (!principal) {
      await failures?.recordFailure(request);
      throw unauthorized('Invalid API credentials: check the API key and secret');
    }
    const query = request.query as Record<string, unknown> | undefined;
    const requested = typeof query?.projectId === 'string' ? query.projectId.trim() : undefined;
    const projectId = await keys.resolveProject(principal, requested || undefined);
    request.principal = principal;
    request.scope = { projectId, authorId: principal.keyId };
  });
}

/** The scope of an authenticated request; routes with auth 'key' always have one. */
export function requireScope(request: FastifyRequest): Scope {
  if (!request.scope) throw unauthorized('Authentication required');
  return request.scope;
}
