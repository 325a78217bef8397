import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container.ts';
import { AppError } from '../../errors.ts';
import { requireScope } from '../plugins/auth.ts';
import { success } from './envelope.ts';
import { readUploadForm, type UploadForm } from './form.ts';
import { groupRef, requireActive, resolveGroup } from './groups.ts';
import { recordContext } from './records.ts';
import { AssetIdParams, Envelope, ErrorEnvelope, errorResponses, ListAssetsQuery, Page, ProjectQuery, UnifiedAsset } from './schemas.ts';
import { toUnifiedAsset } from './wire.ts';

const MAX_NAME_LENGTH = 1024;
const tags = ['token360'];

/** The display name: the one given, else the file's own name (the spec makes `name` optional). */
function assetName(form: UploadForm): string {
  const name = form.name?.trim() || form.fileName?.trim() || 'untitled';
  if (name.length > MAX_NAME_LENGTH) throw new AppError('VALIDATION_ERROR', `'name' is longer than ${MAX_NAME_LENGTH} characters`);
  return name;
}

export function registerUnifiedAssetRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const limit = c.config.maxFormUploadBytes;

  app.post(
    '/v1/assets',
    {
      config: { auth: 'key', streamedBody: true, uploadCreation: true },
      schema: {
        summary: 'Upload a file of any kind (spec 003): multipart/form-data with file, name, groupId, assetGroupId, model',
        tags,
        querystring: ProjectQuery,
        consumes: ['multipart/form-data'],
        response: { 200: Envelope(UnifiedAsset), 413: ErrorEnvelope, 415: ErrorEnvelope, 422: ErrorEnvelope, ...errorResponses },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const form = await readUploadForm(request, c.files, limit);
      try {
        const ref = groupRef(form);
        const group = await resolveGroup(c.collections, scope, ref);
        requireActive(group, ref);
        const asset = await c.assets.createFromStaged(scope, {
          staged: form.staged,
          name: assetName(form),
          collectionIds: [group.id],
          ...(form.fileName ? { originalFileName: form.fileName } : {}),
        });
        const record = toUnifiedAsset(asset, await recordContext(c, request, scope, [asset]));
        return success(record, 'Asset uploaded successfully');
      } finally {
        // Already consumed when the asset was created; this only matters when an earlier step failed.
        await c.files.discard(form.staged);
      }
    },
  );

  app.get(
    '/v1/assets',
    {
      config: { auth: 'key' },
      schema: {
        summary: "List the caller's assets, newest first, optionally of one group",
        tags,
        querystring: ListAssetsQuery,
        response: { 200: Envelope(Page(UnifiedAsset)), ...errorResponses },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const query = request.query;
      const group =
        query.groupId === undefined ? undefined : await resolveGroup(c.collections, scope, { field: 'groupId', value: query.groupId });
      const page = await c.assets.list(scope, {
        pageSize: query.pageSize,
        paginationToken: query.paginationToken || undefined,
        sortBy: 'createdAt',
        sortDirection: 'desc',
        collectionId: group?.id,
      });
      const context = await recordContext(c, request, scope, page.assets);
      return success({
        items: page.assets.map((asset) => toUnifiedAsset(asset, context)),
        nextPaginationToken: page.nextPaginationToken ?? null,
      });
    },
  );

  app.get(
    '/v1/assets/:assetId',
    {
      config: { auth: 'key' },
      schema: {
        summary: 'Get one asset as a unified record',
        tags,
        params: AssetIdParams,
        querystring: ProjectQuery,
        response: { 200: Envelope(UnifiedAsset), ...errorResponses },
      },
    },
    async (request) => {
      const scope = requireScope(request);
      const { assetId } = request.params;
      const asset = await c.assets.get(scope, assetId);
      return success(toUnifiedAsset(asset, await recordContext(c, request, scope, [asset])));
    },
  );
}
