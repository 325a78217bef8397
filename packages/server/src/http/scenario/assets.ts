import {
  AssetIdParams,
  AssetIdsBody,
  CreateAssetJsonBody,
  ErrorResponse,
  GetAssetQuery,
  ListAssetsQuery,
  ProjectQuery,
  UpdateAssetBody,
  WireAsset,
} from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AssetListQuery } from '../../assets/asset.ts';
import type { Container } from '../../container.ts';
import { AppError } from '../../errors.ts';
import { parseIsoDate } from '../../lib/time.ts';
import { linksFor, renditionLinksFor } from '../file-links.ts';
import { requireScope } from '../plugins/auth.ts';
import { fromForm, fromJson, type JsonImageBody } from './image-input.ts';
import { assetRenditions, renditionRequestOf } from './rendition-query.ts';
import { toWireAsset } from './wire.ts';

const AssetResponse = Type.Object({ asset: WireAsset });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };

function dateParam(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseIsoDate(value);
  if (!parsed) throw new AppError('VALIDATION_ERROR', `${name} must be an ISO date such as 2025-06-30T15:15:27.153Z`);
  return parsed;
}

function splitTags(tags: string[] | undefined): string[] | undefined {
  const list = tags
    ?.flatMap((tag) => tag.split(','))
    .map((tag) => tag.trim())
    .filter(Boolean);
  return list && list.length > 0 ? list : undefined;
}

export function registerAssetRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const links = (request: Parameters<typeof linksFor>[1]) => linksFor(c, request);
  const limit = c.config.maxSmallImageBytes;
  // Base64 grows bytes by 4/3; leave room for the other fields and a data-URL prefix.
  const jsonBodyLimit = Math.ceil((limit * 4) / 3) + 64 * 1024;

  app.post(
    '/v1/assets',
    {
      bodyLimit: jsonBodyLimit,
      config: {
        auth: 'key',
        idempotent: true,
        uploadCreation: true,
        tooLargeMessage: `Images of ${Math.round(limit / 100_000) / 10} MB or more must be uploaded with POST /v1/uploads (multipart upload)`,
      },
      schema: {
        summary: 'Upload a small image (base64 JSON, or multipart/form-data with a file field)',
        tags: ['assets'],
        querystring: ProjectQuery,
        body: { content: { 'application/json': { schema: CreateAssetJsonBody } } },
        response: { 200: AssetResponse, 413: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const input = request.isMultipart()
        ? await fromForm(request, c.files, limit)
        : await fromJson((request.body ?? {}) as JsonImageBody, c.files, limit);
      const asset = await c.assets.createImage(scope, input);
      return { asset: toWireAsset(asset, links(request)) };
    },
  );

  app.get(
    '/v1/assets',
    {
      config: { auth: 'key-or-public' },
      schema: {
        summary: "List a project's assets (or, with privacy=public or the public token, every team's public assets)",
        tags: ['assets'],
        querystring: ListAssetsQuery,
        response: { 200: Type.Object({ assets: Type.Array(WireAsset), nextPaginationToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const query: AssetListQuery = {
        pageSize: q.pageSize,
        paginationToken: q.paginationToken || undefined,
        sortBy: q.sortBy,
        sortDirection: q.sortDirection,
        createdAfter: dateParam('createdAfter', q.createdAfter),
        createdBefore: dateParam('createdBefore', q.createdBefore),
        parentAssetId: q.parentAssetId,
        rootAssetId: q.rootAssetId,
        modelId: q.modelId,
        authorId: q.authorId,
        collectionId: q.collectionId,
        type: q.type,
        kind: q.kind,
        tags: splitTags(q.tags),
        privacy: q.privacy,
        sha256: q.sha256?.toLowerCase(),
        search: q.search?.trim() || undefined,
      };
      // The public token sees public assets only, whatever was asked.
      const scope = request.scope;
      const page = await c.assets.list(scope, scope ? query : { ...query, privacy: 'public' });
      const link = links(request);
      const wanted = renditionRequestOf(q);
      const renditionsOf = wanted ? assetRenditions(renditionLinksFor(c, request), wanted) : undefined;
      return {
        assets: page.assets.map((asset) => toWireAsset(asset, link, renditionsOf)),
        ...(page.nextPaginationToken ? { nextPaginationToken: page.nextPaginationToken } : {}),
      };
    },
  );

  app.get(
    '/v1/assets/:assetId',
    {
      config: { auth: 'key' },
      schema: {
        summary: 'Get an asset',
        tags: ['assets'],
        params: AssetIdParams,
        querystring: GetAssetQuery,
        response: { 200: AssetResponse, ...errors },
      },
    },
    async (request) => {
      const { assetId } = request.params;
      const asset = await c.assets.get(requireScope(request), assetId);
      const wanted = renditionRequestOf(request.query);
      const renditionsOf = wanted ? assetRenditions(renditionLinksFor(c, request), wanted) : undefined;
      return { asset: toWireAsset(asset, links(request), renditionsOf) };
    },
  );

  app.put(
    '/v1/assets/:assetId',
    {
      config: { auth: 'key' },
      schema: {
        summary: "Update an asset's name, description, tags or privacy",
        tags: ['assets'],
        params: AssetIdParams,
        querystring: ProjectQuery,
        body: UpdateAssetBody,
        response: { 200: AssetResponse, ...errors },
      },
    },
    async (request) => {
      const { assetId } = request.params;
      const asset = await c.assets.update(requireScope(request), assetId, request.body);
      return { asset: toWireAsset(asset, links(request)) };
    },
  );

  app.delete(
    '/v1/assets/:assetId',
    {
      config: { auth: 'key' },
      schema: {
        summary: 'Delete an asset',
        tags: ['assets'],
        params: AssetIdParams,
        querystring: ProjectQuery,
        response: { 200: Type.Object({}), ...errors },
      },
    },
    async (request) => {
      const { assetId } = request.params;
      await c.assets.delete(requireScope(request), [assetId]);
      return {};
    },
  );

  app.delete(
    '/v1/assets',
    {
      config: { auth: 'key' },
      schema: {
        summary: 'Delete several assets, all or none',
        tags: ['assets'],
        querystring: ProjectQuery,
        body: AssetIdsBody,
        response: { 200: Type.Object({}), ...errors },
      },
    },
    async (request) => {
      await c.assets.delete(requireScope(request), request.body.assetIds);
      return {};
    },
  );
}
