import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The page's policy: scripts and styles only from this origin, nothing inline, no plugins, no
 * framing. Images, media and fetches may go elsewhere, since file links and part URLs can be an
 * S3 bucket's or the part receiver's (another port): they carry bytes, never code the page runs.
 */
export const WEB_APP_CSP =
  "default-src 'self'; script-src 'self'; script-src-attr 'none'; style-src 'self'; object-src 'none'; base-uri 'none'; " +
  "frame-ancestors 'none'; form-action 'self'; img-src 'self' data: blob: http: https:; media-src 'self' blob: http: https:; " +
  "connect-src 'self' http: https:; worker-src 'self' blob:";

/** Vite's output folder for hashed files (vite.config.ts `assetsDir`): their names change with their content. */
const HASHED_DIR = '/_app/';

export interface WebApp {
  /** Serves the built files at `/`, public (the app signs in by itself). */
  register(app: FastifyInstance): Promise<void>;
  /**
   * For the not-found handler: answers a browser's navigation to one of the app's own routes
   * (`/assets/asset_…`) with the app, and returns false for anything else, which keeps its 404.
   */
  fallback(request: FastifyRequest, reply: FastifyReply): boolean;
}

/**
 * The web library, when its build is there (`npm install` builds it); undefined otherwise, with
 * a warning that says how to build it. `reserved` are the server's own path prefixes: a missing
 * route under them stays a 404 of the API, never the app.
 */
export async function loadWebApp(root: string, reserved: readonly string[], log: FastifyBaseLogger): Promise<WebApp | undefined> {
  const index = await readFile(path.join(root, 'index.html')).catch(() => undefined);
  if (!index) {
    log.warn(`the web library is not built (no ${path.join(root, 'index.html')}): run npm run build -w packages/web`);
    return undefined;
  }
  const isReserved = (pathname: string) => reserved.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
  const sendIndex = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', WEB_APP_CSP)
      .header('cache-control', 'no-cache')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8')
      .send(index);

  return {
    async register(app) {
      await app.register(async (web) => {
        // Public: every file of the app is the same for everyone; the API behind it asks for keys.
        web.addHook('onRoute', (route) => {
          route.config = { ...route.config, auth: 'none' };
        });
        web.addHook('onRequest', async (request, reply) => {
          reply.header('content-security-policy', WEB_APP_CSP);
          reply.header('cache-control', request.url.startsWith(HASHED_DIR) ? 'public, max-age=31536000, immutable' : 'no-cache');
        });
        // One route per built file (wildcard: false), so no pattern of the app's can cover a server route.
        await web.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: false, cacheControl: false, etag: true });
        web.get('/', { schema: { hide: true } }, (_request, reply) => sendIndex(reply));
      });
    },
    fallback(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      const pathname = request.url.split('?')[0] ?? '/';
      if (isReserved(pathname) || !(request.headers.accept ?? '').includes('text/html')) return false;
      sendIndex(reply);
      return true;
    },
  };
}
