import {
  CollectionAssetIdsBody,
  CollectionBody,
  CollectionIdParams,
  ErrorResponse,
  ListCollectionsQuery,
  ProjectQuery,
  WireCollection,
} from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Container } from '../../container.ts';
import { requireScope } from '../plugins/auth.ts';
import { toWireCollection } from './wire.ts';

const CollectionResponse = Type.Object({ collection: WireCollection });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };
const tags = ['collections'];

export function registerCollectionRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const config = { auth: 'key' as const };

  app.post(
    '/v1/collections',
    {
      config,
      schema: {
        summary: 'Create a collection',
        tags,
        querystring: ProjectQuery,
        body: CollectionBody,
        response: { 200: CollectionResponse, ...errors },
      },
    },
    async (request) => {
      const { name } = request.body;
      return { collection: toWireCollection(await c.collections.create(requireScope(request), name)) };
    },
  );

  app.get(
    '/v1/collections',
    {
      config,
      schema: {
        summary: "List the project's collections, newest first",
        tags,
        querystring: ListCollectionsQuery,
        response: {
          200: Type.Object({ collections: Type.Array(WireCollection), nextPaginationToken: Type.Optional(Type.String()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { pageSize, paginationToken } = request.query;
      const page = await c.collections.list(requireScope(request), pageSize, paginationToken || undefined);
      return {
        collections: page.collections.map(toWireCollection),
        ...(page.nextPaginationToken ? { nextPaginationToken: page.nextPaginationToken } : {}),
      };
    },
  );

  app.get(
    '/v1/collections/:collectionId',
    {
      config,
      schema: {
        summary: 'Get a collection',
        tags,
        params: CollectionIdParams,
        querystring: ProjectQuery,
        response: { 200: CollectionResponse, ...errors },
      },
    },
    async (request) => {
      const { collectionId } = request.params;
      return { collection: toWireCollection(await c.collections.get(requireScope(request), collectionId)) };
    },
  );

  app.put(
    '/v1/collections/:collectionId',
    {
      config,
      schema: {
        summary: 'Rename a collection',
        tags,
        params: CollectionIdParams,
        querystring: ProjectQuery,
        body: CollectionBody,
        response: { 200: CollectionResponse, ...errors },
      },
    },
    async (request) => {
      const { collectionId } = request.params;
      const { name } = request.body;
      return { collection: toWireCollection(await c.collections.rename(requireScope(request), collectionId, name)) };
    },
  );

  app.delete(
    '/v1/collections/:collectionId',
    {
      config,
      schema: {
        summary: 'Delete a collection (its assets stay)',
        tags,
        params: CollectionIdParams,
        querystring: ProjectQuery,
        response: { 200: Type.Object({}), ...errors },
      },
    },
    async (request) => {
      const { collectionId } = request.params;
      await c.collections.delete(requireScope(request), collectionId);
      return {};
    },
  );

  app.put(
    '/v1/collections/:collectionId/assets',
    {
      config,
      schema: {
        summary: 'Add up to 49 assets to a collection',
        tags,
        params: CollectionIdParams,
        querystring: ProjectQuery,
        body: CollectionAssetIdsBody,
        response: { 200: CollectionResponse, ...errors },
      },
    },
    async (request) => {
      const { collectionId } = request.params;
      const { assetIds } = request.body;
      return { collection: toWireCollection(await c.collections.addAssets(requireScope(request), collectionId, assetIds)) };
    },
  );

  app.delete(
    '/v1/collections/:collectionId/assets',
    {
      config,
      schema: {
        summary: 'Remove up to 49 assets from a collection',
        tags,
        params: CollectionIdParams,
        querystring: ProjectQuery,
        body: CollectionAssetIdsBody,
        response: { 200: CollectionResponse, ...errors },
      },
    },
    async (request) => {
      const { collectionId } = request.params;
      const { assetIds } = request.body;
      return { collection: toWireCollection(await c.collections.removeAssets(requireScope(request), collectionId, assetIds)) };
    },
  );
}
