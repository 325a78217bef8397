import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import type { Container } from '../../container.ts';
import { requireScope } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { AssetGroup, Envelope, errorResponses, ListGroupsQuery, Page } from './schemas.ts';
import { toAssetGroup } from './wire.ts';

export function registerAssetGroupRoutes(app: FastifyInstance, c: Container): void {
  app.get(
    '/v1/asset-groups',
    {
      config: { auth: 'key' },
      schema: {
        summary: 'List the asset groups (the collections of the project), the default "library" group among them',
        tags: ['token360'],
        querystring: ListGroupsQuery,
        response: { 200: Envelope(Page(AssetGroup)), ...errorResponses },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const { pageSize, paginationToken } = request.query as Static<typeof ListGroupsQuery>;
      // The library always exists where a client may look for it.
      const library = await c.collections.ensureDefault(scope);
      const page = await c.collections.list(scope, pageSize, paginationToken || undefined);
      return success({
        items: page.collections.map((collection) => toAssetGroup(collection, library.id)),
        nextPaginationToken: page.nextPaginationToken ?? null,
      });
    },
  );
}
