import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import type { Container } from '../../container.ts';
import type { PartLink, Upload } from '../../uploads/upload.ts';
import { UPLOAD_KINDS } from '../../uploads/upload-kinds.ts';
import { statusesShownAs, VISIBLE_UPLOAD_STATUSES, visibleStatus } from '../../uploads/upload-lifecycle.ts';
import { partLinker } from '../part-links.ts';
import { requireScope } from '../plugins/auth.ts';
import { ErrorResponse, ProjectQuery, StringEnum } from './schemas.ts';

const Id = Type.String({ minLength: 1, maxLength: 100 });
const UploadParams = Type.Object({ uploadId: Id });

const AssetOptions = Type.Object(
  {
    collectionIds: Type.Optional(Type.Array(Id, { maxItems: 49 })),
    hide: Type.Optional(Type.Boolean()),
    parentId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

/** The longest a GET may be held open: below common proxy idle timeouts (60 s). */
export const MAX_WAIT_SECONDS = 30;

export const GetUploadQuery = Type.Object({
  ...ProjectQuery.properties,
  waitSeconds: Type.Optional(
    Type.Number({
      minimum: 0,
      description: `Long poll: hold the answer until the status is no longer \`status\`, for at most this many seconds (capped at ${MAX_WAIT_SECONDS})`,
    }),
  ),
  status: Type.Optional(
    StringEnum(VISIBLE_UPLOAD_STATUSES, { description: 'With waitSeconds: the status the client last saw (default: the current one)' }),
  ),
});

export const ListUploadsQuery = Type.Object({
  ...ProjectQuery.properties,
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  paginationToken: Type.Optional(Type.String({ maxLength: 1000 })),
  status: Type.Optional(
    Type.Array(StringEnum(VISIBLE_UPLOAD_STATUSES), {
      maxItems: 10,
      description: 'Only uploads in these statuses (repeat the parameter for several)',
    }),
  ),
});

export const CreateUploadBody = Type.Object({
  assetOptions: Type.Optional(AssetOptions),
  civitaiModelUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  fileSize: Type.Optional(Type.Number({ description: 'bytes' })),
  huggingFaceModelName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  kind: Type.Optional(StringEnum(UPLOAD_KINDS)),
  parts: Type.Optional(Type.Number({ minimum: 1, maximum: 10_000 })),
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
});

export const ActionBody = Type.Object({ action: StringEnum(['complete', 'abort'] as const) });
export const SignPartsBody = Type.Object({
  partNumbers: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 10_000 }), { maxItems: 10_000 })),
});

const WireUpload = Type.Object({ id: Type.String(), status: Type.String() }, { additionalProperties: true });
const UploadResponse = Type.Object({ upload: WireUpload });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['uploads'];

/** Spec 001's `upload` object. Optional fields appear when they have a value; entityId is always there. */
export function toWireUpload(upload: Upload, parts?: readonly PartLink[]) {
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
    ...(upload.assetOptions ? { assetOptions: upload.assetOptions } : {}),
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

export function registerUploadRoutes(app: FastifyInstance, c: Container): void {
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
      const { upload, parts } = await c.uploads.create(
        requireScope(request),
        request.body as Static<typeof CreateUploadBody>,
        linker(request),
      );
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
      const query = request.query as Static<typeof ListUploadsQuery>;
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
      const { uploadId } = request.params as Static<typeof UploadParams>;
      const { waitSeconds, status } = request.query as Static<typeof GetUploadQuery>;
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
      const { uploadId } = request.params as Static<typeof UploadParams>;
      const { action } = request.body as Static<typeof ActionBody>;
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
      const { uploadId } = request.params as Static<typeof UploadParams>;
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
            parts: Type.Array(Type.Object({ number: Type.Integer(), size: Type.Number(), etag: Type.String() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { uploadId } = request.params as Static<typeof UploadParams>;
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
          200: Type.Object({ parts: Type.Array(Type.Object({ number: Type.Integer(), url: Type.String(), expires: Type.String() })) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { uploadId } = request.params as Static<typeof UploadParams>;
      const { partNumbers } = request.body as Static<typeof SignPartsBody>;
      return { parts: await c.uploads.signParts(requireScope(request), uploadId, partNumbers, linker(request)) };
    },
  );
}
