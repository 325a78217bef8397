import {
  ActionBody,
  CreateUploadBody,
  ErrorResponse,
  GetUploadQuery,
  ListUploadsQuery,
  MAX_WAIT_SECONDS,
  ProjectQuery,
  SignPartsBody,
  UploadParams,
  WirePartLink,
  WireReceivedPart,
  WireUpload,
  type Upload as WireUploadBody,
} from '@assetd/contract/scenario';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AssetOptions } from '../../assets/asset-service.ts';
import type { Container } from '../../container.ts';
import type { PartLink, Upload } from '../../uploads/upload.ts';
import { statusesShownAs, visibleStatus } from '../../uploads/upload-lifecycle.ts';
import { partLinker } from '../part-links.ts';
import { requireScope } from '../plugins/auth.ts';

const UploadResponse = Type.Object({ upload: WireUpload });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['uploads'];

const wireAssetOptions = ({ collectionIds, ...rest }: AssetOptions) => ({
  ...rest,
  ...(collectionIds ? { collectionIds: [...collectionIds] } : {}),
});

/** Spec 001's `upload` object. Optional fields appear when they have a value; entityId is always there. */
export function toWireUpload(upload: Upload, parts?: readonly PartLink[]): WireUploadBody {
  return {
    id: upload.id,
    authorId: upload.authorId,
    createdAt: upload.createdAt,
    fileName: upload.fileName,
    kind: upload.kind,
    ownerId: upload.projectId,
    source: upload.source,
    status: visibleStatus(upload.status),
    updatedAt: upload.updatedAt,
    ...(upload.assetOptions ? { assetOptions: wireAssetOptions(upload.assetOptions) } : {}),
    ...(upload.contentType ? { contentType: upload.contentType } : {}),
    entityId: upload.entityId,
    ...(upload.errorMessage ? { errorMessage: upload.errorMessage } : {}),
    ...(upload.fileSize !== null ? { fileSize: upload.fileSize } : {}),
    jobId: upload.jobId,
    ...(upload.originalFileName ? { originalFileName: upload.originalFileName } : {}),
    ...(parts ? { parts: parts.map((part) => ({ number: part.number, url: part.url, expires: part.expires })) } : {}),
    ...(upload.partsCount !== null ? { partsCount: upload.partsCount } : {}),
    ...(upload.provider ? { provider: upload.provider } : {}),
    ...(upload.url ? { url: upload.url } : {}),
  };
}

export function registerUploadRoutes(server: FastifyInstance, c: Container): void {
  const app = server.withTypeProvider<TypeBoxTypeProvider>();
  const config = { auth: 'key' as const };
  // Held long polls answer at once when the server starts closing, so shutdown is not delayed by them.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const urls = { publicUrl: c.config.publicUrl, allowedHosts: c.config.allowedHosts, host: c.config.host, parts: c.config.parts };
  const linker = (request: Parameters<typeof partLinker>[3]) => partLinker(c.signer, c.storage, urls, request);

  app.post(
    '/v1/uploads',
    {
      config: { ...config, idempotent: true, uploadCreation: true },
      schema: {
        summary: 'Create an upload: multipart (presigned part URLs), or an import from a URL or a model hub',
        tags,
        querystring: ProjectQuery,
        body: CreateUploadBody,
        response: { 200: UploadResponse, 413: ErrorResponse, ...errors },
      },
    },
    async (request) => {
      const { upload, parts } = await c.uploads.create(requireScope(request), request.body, linker(request));
      return { upload: toWireUpload(upload, parts) };
    },
  );

  app.get(
    '/v1/uploads',
    {
      config,
      schema: {
        summary: "*Beyond the spec*: the project's uploads, newest first (to find unfinished ones again)",
        tags,
        querystring: ListUploadsQuery,
        response: { 200: Type.Object({ uploads: Type.Array(WireUpload), nextPaginationToken: Type.Optional(Type.String()) }), ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const statuses = query.status?.flatMap(statusesShownAs);
      const page = await c.uploads.list(requireScope(request), {
        pageSize: query.pageSize,
        ...(query.paginationToken ? { paginationToken: query.paginationToken } : {}),
        ...(statuses ? { statuses } : {}),
      });
      return {
        uploads: page.uploads.map((upload) => toWireUpload(upload)),
        ...(page.nextPaginationToken ? { nextPaginationToken: page.nextPaginationToken } : {}),
      };
    },
  );

  app.get(
    '/v1/uploads/:uploadId',
    {
      config,
      schema: {
        summary: 'Get an upload and its status; with waitSeconds, wait for its next status (long poll)',
        tags,
        params: UploadParams,
        querystring: GetUploadQuery,
        response: { 200: UploadResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { uploadId } = request.params;
      const { waitSeconds, status } = request.query;
      const scope = requireScope(request);
      if (!waitSeconds) return { upload: toWireUpload(await c.uploads.get(scope, uploadId)) };
      // Stop polling when the client goes away ('close' before the answer is sent) or the server closes.
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort());
      const ms = Math.min(waitSeconds, MAX_WAIT_SECONDS) * 1000;
      const upload = await c.uploads.waitForChange(scope, uploadId, status, ms, AbortSignal.any([gone.signal, closing.signal]));
      return { upload: toWireUpload(upload) };
    },
  );

  app.post(
    '/v1/uploads/:uploadId/action',
    {
      config,
      schema: {
        summary: 'complete: check and join the parts, then validate; abort: drop a pending upload',
        tags,
        params: UploadParams,
        querystring: ProjectQuery,
        body: ActionBody,
        response: { 200: UploadResponse, ...errors },
      },
    },
    async (request) => {
      const { uploadId } = request.params;
      const { action } = request.body;
      const scope = requireScope(request);
      const upload = action === 'complete' ? await c.uploads.complete(scope, uploadId) : await c.uploads.abort(scope, uploadId);
      return { upload: toWireUpload(upload) };
    },
  );

  app.delete(
    '/v1/uploads/:uploadId',
    {
      config,
      schema: {
        summary: 'Abort a pending upload; its parts are deleted',
        tags,
        params: UploadParams,
        querystring: ProjectQuery,
        response: { 200: UploadResponse, ...errors },
      },
    },
    async (request) => {
      const { uploadId } = request.params;
      return { upload: toWireUpload(await c.uploads.abort(requireScope(request), uploadId)) };
    },
  );

  app.get(
    '/v1/uploads/:uploadId/parts',
    {
      config,
      schema: {
        summary: 'The parts received so far, with their sizes and ETags (to resume an upload)',
        tags,
        params: UploadParams,
        querystring: ProjectQuery,
        response: {
          200: Type.Object({
            upload: WireUpload,
            parts: Type.Array(WireReceivedPart),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { uploadId } = request.params;
      const { upload, parts } = await c.uploads.listParts(requireScope(request), uploadId);
      return { upload: toWireUpload(upload), parts: parts.map((part) => ({ number: part.number, size: part.size, etag: part.etag })) };
    },
  );

  app.post(
    '/v1/uploads/:uploadId/parts',
    {
      config,
      schema: {
        summary: 'Fresh part URLs for a pending upload (all parts, or the partNumbers given)',
        tags,
        params: UploadParams,
        querystring: ProjectQuery,
        body: SignPartsBody,
        response: {
          200: Type.Object({ parts: Type.Array(WirePartLink) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { uploadId } = request.params;
      const { partNumbers } = request.body;
      return { parts: await c.uploads.signParts(requireScope(request), uploadId, partNumbers, linker(request)) };
    },
  );
}
