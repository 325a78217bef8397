import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container.ts';
import { registerAssetGroupRoutes } from './asset-groups.ts';
import { registerUnifiedAssetRoutes } from './assets.ts';
import { registerEnvelopeErrors } from './errors.ts';

/**
 * Spec 003's API under `prefix`, over the same core as /v1: a client's base URL becomes
 * http://host/token360 and its paths stay /v1/…. An encapsulated plugin, so its error and
 * not-found handlers (the envelope) and its body parsers apply inside the prefix only.
 */
export async function registerToken360(app: FastifyInstance, c: Container, prefix: string): Promise<void> {
  await app.register(
    async (scope) => {
      registerEnvelopeErrors(scope);
      // Asset groups take JSON bodies.
      registerAssetGroupRoutes(scope, c);
      await scope.register(async (assets) => {
        // Uploads are multipart/form-data only: a JSON body is refused as a missing file, not parsed.
        assets.removeContentTypeParser('application/json');
        registerUnifiedAssetRoutes(assets, c);
      });
    },
    { prefix },
  );
}
