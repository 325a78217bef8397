import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Scope } from '../../assets/asset.ts';
import type { Container } from '../../container.ts';
import { requireScope } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { checkGroupKind, checkGroupName, resolveGroup } from './groups.ts';
import {
  AssetGroup,
  CreateGroupBody,
  Envelope,
  errorResponses,
  GroupIdParams,
  ListGroupsQuery,
  Page,
  ProjectQuery,
  UpdateGroupBody,
} from './schemas.ts';
import { toAssetGroup } from './wire.ts';

const tags = ['token360'];
const config = { auth: 'key' as const };
const responses = { 200: Envelope(AssetGroup), 409: Envelope(Type.Null()), ...errorResponses };

/**
 * Spec 003's asset groups, on top of collections: the project's default collection is the
 * "library" group, every other collection a group under its own id.
 */
export function registerAssetGroupRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  /** The group named in the path, as its public record; another team's is ASSET_GROUP_NOT_FOUND. */
  const groupOf = (scope: Scope, assetGroupId: string) =>
    resolveGroup(c.collections, scope, { field: 'assetGroupId', value: assetGroupId });
  const record = async (scope: Scope, collection: Parameters<typeof toAssetGroup>[0]) =>
    toAssetGroup(collection, await c.collections.defaultId(scope));

  app.get(
    '/v1/asset-groups',
    {
      config,
      schema: {
        summary: 'List the asset groups (the collections of the project), the default "library" group among them',
        tags,
        querystring: ListGroupsQuery,
        response: { 200: Envelope(Page(AssetGroup)), ...errorResponses },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const { pageSize, paginationToken } = request.query;
      // The library always exists where a client may look for it.
      const library = await c.collections.ensureDefault(scope);
      const page = await c.collections.list(scope, pageSize, paginationToken || undefined);
      return success({
        items: page.collections.map((collection) => toAssetGroup(collection, library.id)),
        nextPaginationToken: page.nextPaginationToken ?? null,
      });
    },
  );

  app.post(
    '/v1/asset-groups',
    {
      config,
      schema: {
        summary: 'Create an asset group (a collection): name, and optionally groupKind and description',
        tags,
        querystring: ProjectQuery,
        body: CreateGroupBody,
        response: responses,
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const body = request.body;
      const groupKind = checkGroupKind(body.groupKind);
      const name = checkGroupName(body.name);
      const collection = await c.collections.create(scope, name, {
        ...(groupKind ? { groupKind } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
      });
      return success(await record(scope, collection), 'Asset group created');
    },
  );

  app.get(
    '/v1/asset-groups/:assetGroupId',
    { config, schema: { summary: 'One asset group', tags, params: GroupIdParams, querystring: ProjectQuery, response: responses } },
    async (request) => {
      const scope = requireScope(request);
      const { assetGroupId } = request.params;
      if (assetGroupId === 'library') return success(await record(scope, await c.collections.ensureDefault(scope)));
      return success(await record(scope, await groupOf(scope, assetGroupId)));
    },
  );

  app.patch(
    '/v1/asset-groups/:assetGroupId',
    {
      config,
      schema: {
        summary: 'Change an asset group: name, description, status (an inactive group takes no uploads)',
        tags,
        params: GroupIdParams,
        querystring: ProjectQuery,
        body: UpdateGroupBody,
        response: responses,
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const { assetGroupId } = request.params;
      const body = request.body;
      const group = await groupOf(scope, assetGroupId);
      const name = body.name === undefined ? undefined : checkGroupName(body.name);
      const updated = await c.collections.update(scope, group.id, {
        ...(name !== undefined ? { name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.status !== undefined ? { active: body.status === 'active' } : {}),
      });
      return success(await record(scope, updated), 'Asset group updated');
    },
  );

  app.delete(
    '/v1/asset-groups/:assetGroupId',
    {
      config,
      schema: {
        summary: 'Delete an asset group; its assets stay in the project',
        tags,
        params: GroupIdParams,
        querystring: ProjectQuery,
        response: { 200: Envelope(Type.Object({ assetGroupId: Type.String(), deleted: Type.Boolean() })), ...errorResponses },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const { assetGroupId } = request.params;
      const group = await groupOf(scope, assetGroupId);
      await c.collections.delete(scope, group.id);
      return success({ assetGroupId, deleted: true }, 'Asset group deleted');
    },
  );
}
