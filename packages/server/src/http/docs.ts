import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The interactive API reference at /docs: Swagger UI over this server's own OpenAPI document.
 * Its scripts and styles are served from the npm package, never a CDN, so the page works on a
 * machine without internet access; the CSP keeps it to this origin.
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(async (docs) => {
    // The reference is public; its routes are the plugin's, so they are marked here.
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: 'none' };
    });
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true, persistAuthorization: true, validatorUrl: null },
      staticCSP:
        "default-src 'self'; base-uri 'self'; frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; " +
        "script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; connect-src 'self'",
      logLevel: 'warn',
    });
  });
}
