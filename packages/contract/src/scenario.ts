/**
 * The Scenario dialect's contract (`/v1/…`): the request schemas the server validates with, the
 * response schemas it documents and serializes with, and the wire types derived from them that
 * the SDK hands its callers. A change here changes the server, the OpenAPI document and the SDK
 * together; a server mapper that drifts from it fails to compile.
 */
import { type Static, type TSchema, Type } from 'typebox';
import { ERROR_CODES } from './errors.ts';
import { ASSET_KINDS } from './formats.ts';

export { ASSET_KINDS, type AssetKind } from './formats.ts';

export const PRIVACIES = ['private', 'public', 'unlisted'] as const;
export type Privacy = (typeof PRIVACIES)[number];
export const SORT_FIELDS = ['createdAt', 'updatedAt'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

/** The most assets one call may add to or remove from a collection. */
export const MAX_ASSETS_PER_CALL = 49;

/** How a rendition fills its box; see the server's media/rendition.ts. */
export const RENDITION_FITS = ['cover', 'contain', 'inside'] as const;
export type RenditionFit = (typeof RENDITION_FITS)[number];
/** `origin`: the original's format where browsers show it (JPEG, PNG, WebP, AVIF, GIF), else PNG. */
export const RENDITION_FORMATS = ['webp', 'avif', 'jpeg', 'png', 'origin'] as const;
export type RenditionFormat = (typeof RENDITION_FORMATS)[number];
export const MAX_RENDITION_EDGE = 4096;

/** The `kind` values of spec 001: what an uploaded file is for once validated. */
export const UPLOAD_KINDS = ['3d', 'asset', 'audio', 'avatar', 'image', 'model', 'video'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];
export const UPLOAD_SOURCES = ['multipart', 'url', 'huggingface', 'civitai'] as const;
export type UploadSource = (typeof UPLOAD_SOURCES)[number];
export const UPLOAD_PROVIDERS = ['huggingface', 'civitai', 'other'] as const;
export type UploadProvider = (typeof UPLOAD_PROVIDERS)[number];
/** An upload's status as clients see it (spec 001). */
export const VISIBLE_UPLOAD_STATUSES = ['pending', 'validating', 'validated', 'imported', 'failed', 'complete'] as const;
export type VisibleUploadStatus = (typeof VISIBLE_UPLOAD_STATUSES)[number];
/** Scenario's job statuses. */
export const JOB_STATUSES = ['queued', 'in-progress', 'success', 'failure', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * The events a project's changes record, streamed at `GET /v1/events` and sent to webhooks.
 * `endpoint.disabled` is the system's own: a webhook endpoint that kept failing was turned off.
 */
export const EVENT_TYPES = [
  'upload.imported',
  'upload.failed',
  'upload.canceled',
  'asset.created',
  'asset.updated',
  'asset.deleted',
  'collection.updated',
  'endpoint.disabled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The longest a GET may be held open: below common proxy idle timeouts (60 s). */
export const MAX_WAIT_SECONDS = 30;

/** A string enum as plain JSON Schema, so validation errors list the allowed values. */
export const StringEnum = <T extends string>(values: readonly T[], options: Record<string, unknown> = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/** A page of a list: its size, and the token of the page before's answer. */
const PAGE_QUERY = {
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  paginationToken: Type.Optional(Type.String({ maxLength: 1000 })),
};

export const ProjectQuery = Type.Object({
  projectId: Type.Optional(Type.String({ description: "A project of the key's team; the key's default project when absent" })),
});

export const AssetIdParams = Type.Object({ assetId: Type.String({ minLength: 1, maxLength: 100 }) });
export const CollectionIdParams = Type.Object({ collectionId: Type.String({ minLength: 1, maxLength: 100 }) });

const Name = Type.String({ minLength: 1, maxLength: 1024 });
const Id = Type.String({ minLength: 1, maxLength: 100 });

export const CreateAssetJsonBody = Type.Object({
  image: Type.Optional(Type.String({ description: 'The image, base64 or a data URL' })),
  canvas: Type.Optional(Type.String({ description: 'A canvas image, base64 or a data URL, used when image is absent' })),
  name: Type.Optional(Name),
  hide: Type.Optional(Type.Boolean()),
  parentId: Type.Optional(Id),
  collectionIds: Type.Optional(Type.Array(Id, { maxItems: MAX_ASSETS_PER_CALL })),
});

/**
 * Asks for `renditions` on image assets: signed links to resized copies for a box of
 * renditionWidth × renditionHeight CSS pixels, one per screen pixel ratio, for `srcset`.
 */
const RenditionQuery = {
  renditionWidth: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_RENDITION_EDGE,
      description: 'Image assets get `renditions`: links to copies at most this wide in CSS pixels (times each pixel ratio)',
    }),
  ),
  renditionHeight: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RENDITION_EDGE, description: 'At most this high in CSS pixels' })),
  renditionFit: Type.Optional(
    StringEnum(RENDITION_FITS, { description: 'With both sides: cover (crop to the box, the default), contain (letterbox) or inside' }),
  ),
  renditionFormat: Type.Optional(
    StringEnum(RENDITION_FORMATS, { description: "webp (the default), avif, jpeg, png, or origin (the original's)" }),
  ),
  renditionQuality: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Lossy formats: 1–100 (80)' })),
  renditionPixelRatios: Type.Optional(
    Type.String({
      pattern: '^\\d+(\\.\\d+)?(,\\d+(\\.\\d+)?){0,3}$',
      description: 'Comma-separated screen pixel ratios, 0.5–4, one rendition each (default 1,2)',
    }),
  ),
};

export const GetAssetQuery = Type.Object({ ...ProjectQuery.properties, ...RenditionQuery });

export const ListAssetsQuery = Type.Object({
  projectId: Type.Optional(Type.String()),
  ...PAGE_QUERY,
  sortBy: StringEnum(SORT_FIELDS, { default: 'createdAt' }),
  sortDirection: StringEnum(['asc', 'desc'] as const, { default: 'desc' }),
  createdAfter: Type.Optional(Type.String({ description: 'ISO date, exclusive; requires sortBy=createdAt' })),
  createdBefore: Type.Optional(Type.String({ description: 'ISO date, exclusive; requires sortBy=createdAt' })),
  parentAssetId: Type.Optional(Id),
  rootAssetId: Type.Optional(Id),
  modelId: Type.Optional(Id),
  authorId: Type.Optional(Id),
  collectionId: Type.Optional(Id),
  type: Type.Optional(Type.String({ maxLength: 100 })),
  kind: Type.Optional(StringEnum(ASSET_KINDS)),
  tags: Type.Optional(
    Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20, description: 'Comma-separated or repeated; assets with all of them' }),
  ),
  privacy: Type.Optional(StringEnum(PRIVACIES, { description: 'public lists the public assets of every team' })),
  search: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Only assets whose name contains this text, ignoring case (beyond the spec)',
    }),
  ),
  sha256: Type.Optional(
    Type.String({
      pattern: '^[0-9a-fA-F]{64}$',
      description: "Only assets whose bytes have this SHA-256: a client's check for files already uploaded",
    }),
  ),
  ...RenditionQuery,
});

export const Tag = Type.String({ minLength: 1, maxLength: 100 });

export const UpdateAssetBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 100 })),
    privacy: Type.Optional(StringEnum(PRIVACIES)),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AssetIdsBody = Type.Object({ assetIds: Type.Array(Id, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });

export const CollectionAssetIdsBody = Type.Object(
  { assetIds: Type.Array(Id, { minItems: 1, maxItems: MAX_ASSETS_PER_CALL }) },
  { additionalProperties: false },
);

export const CollectionBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });

export const ListCollectionsQuery = Type.Object({
  projectId: Type.Optional(Type.String()),
  ...PAGE_QUERY,
});

export const UploadParams = Type.Object({ uploadId: Id });

export const AssetOptions = Type.Object(
  {
    collectionIds: Type.Optional(Type.Array(Id, { maxItems: 49 })),
    hide: Type.Optional(Type.Boolean()),
    parentId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

/** `waitSeconds` and `status`: hold the answer until the status is no longer the one the client saw. */
const longPollQuery = <T extends string>(whose: string, statuses: readonly T[]) => ({
  waitSeconds: Type.Optional(
    Type.Number({
      minimum: 0,
      description: `Long poll: hold the answer until ${whose} status is no longer \`status\`, for at most this many seconds (capped at ${MAX_WAIT_SECONDS})`,
    }),
  ),
  status: Type.Optional(
    StringEnum(statuses, { description: 'With waitSeconds: the status the client last saw (default: the current one)' }),
  ),
});

export const GetUploadQuery = Type.Object({ ...ProjectQuery.properties, ...longPollQuery('the', VISIBLE_UPLOAD_STATUSES) });

export const ListUploadsQuery = Type.Object({
  ...ProjectQuery.properties,
  ...PAGE_QUERY,
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

export const JobParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 100 }) });

export const GetJobQuery = Type.Object({ ...ProjectQuery.properties, ...longPollQuery("the job's", JOB_STATUSES) });

export const ListJobsQuery = Type.Object({
  ...ProjectQuery.properties,
  ...PAGE_QUERY,
  status: Type.Optional(
    Type.Array(Type.String({ maxLength: 100 }), {
      maxItems: 10,
      description: `Comma-separated or repeated: jobs in any of these statuses (${JOB_STATUSES.join(', ')})`,
    }),
  ),
});

/** Response objects are open: they document the shape, and fields added later are not filtered out. */
const Open = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, { additionalProperties: true });
const Link = Open({ url: Type.String() });

export const WireRendition = Open({
  url: Type.String(),
  pixelRatio: Type.Number(),
  width: Type.Integer(),
  height: Type.Integer(),
  mimeType: Type.String(),
});

export const WireAsset = Open({
  id: Type.String(),
  url: Type.String(),
  mimeType: Type.String(),
  metadata: Open({
    type: Type.String(),
    name: Type.String(),
    kind: StringEnum(ASSET_KINDS),
    width: Type.Optional(Type.Integer()),
    height: Type.Optional(Type.Integer()),
    size: Type.Integer(),
    parentId: Type.Optional(Type.String()),
    rootParentId: Type.Optional(Type.String()),
    modelId: Type.Optional(Type.String()),
    thumbnail: Type.Optional(Link),
  }),
  properties: Type.Record(Type.String(), Type.Unknown()),
  kind: StringEnum(ASSET_KINDS),
  source: Type.String(),
  ownerId: Type.String(),
  authorId: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  privacy: StringEnum(PRIVACIES),
  tags: Type.Array(Type.String()),
  collectionIds: Type.Array(Type.String()),
  status: Type.Literal('success'),
  editCapabilities: Type.Array(Type.String()),
  isHidden: Type.Boolean(),
  description: Type.Optional(Type.String()),
  thumbnail: Type.Optional(Link),
  firstFrame: Type.Optional(Link),
  lastFrame: Type.Optional(Link),
  preview: Type.Optional(Link),
  previewError: Type.Optional(Type.String()),
  waveform: Type.Optional(Link),
  renditions: Type.Optional(Type.Array(WireRendition)),
});

export const WireCollection = Open({
  id: Type.String(),
  name: Type.String(),
  ownerId: Type.String(),
  assetCount: Type.Integer(),
  itemCount: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const WireProject = Open({ id: Type.String(), name: Type.String(), createdAt: Type.String() });

const Limit = Type.Union([Type.Integer(), Type.Null()], { description: 'null: unlimited' });

/** What a project stores and may store (`GET /v1/projects/{id}/usage`). */
export const WireProjectUsage = Open({
  projectId: Type.String(),
  bytes: Type.Integer({ description: "Bytes stored: each distinct original file of the project's assets, once" }),
  assets: Type.Integer(),
  reservedBytes: Type.Integer({ description: 'Declared sizes of unfinished uploads, held until they end or become assets' }),
  reservedAssets: Type.Integer({ description: 'Unfinished uploads (one asset each)' }),
  limits: Open({ maxBytes: Limit, maxAssets: Limit }),
});

export const WirePartLink = Open({ number: Type.Integer(), url: Type.String(), expires: Type.String() });

export const WireUpload = Open({
  id: Type.String(),
  authorId: Type.String(),
  createdAt: Type.String(),
  fileName: Type.String(),
  kind: StringEnum(UPLOAD_KINDS),
  ownerId: Type.String(),
  source: StringEnum(UPLOAD_SOURCES),
  status: StringEnum(VISIBLE_UPLOAD_STATUSES),
  updatedAt: Type.String(),
  assetOptions: Type.Optional(AssetOptions),
  contentType: Type.Optional(Type.String()),
  /** The asset's id once imported; null until then. */
  entityId: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Optional(Type.String()),
  fileSize: Type.Optional(Type.Number()),
  jobId: Type.String(),
  originalFileName: Type.Optional(Type.String()),
  /** Presigned part links: when the upload is created, or re-signed. */
  parts: Type.Optional(Type.Array(WirePartLink)),
  partsCount: Type.Optional(Type.Integer()),
  provider: Type.Optional(StringEnum(UPLOAD_PROVIDERS)),
  url: Type.Optional(Type.String()),
});

/** A part the server holds (`GET /v1/uploads/{id}/parts`). */
export const WireReceivedPart = Open({ number: Type.Integer(), size: Type.Integer(), etag: Type.String() });

export const WireJob = Open({
  jobId: Type.String(),
  jobType: Type.Literal('upload'),
  status: StringEnum(JOB_STATUSES),
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  authorId: Type.String(),
  ownerId: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  statusHistory: Type.Array(Open({ status: StringEnum(JOB_STATUSES), date: Type.String() })),
  metadata: Open({
    input: Open({
      uploadId: Type.String(),
      fileName: Type.String(),
      fileSize: Type.Optional(Type.Number()),
      contentType: Type.Optional(Type.String()),
      kind: Type.String(),
      source: Type.String(),
    }),
    output: Type.Optional(Open({ entityId: Type.String() })),
    assetIds: Type.Optional(Type.Array(Type.String())),
    errorMessage: Type.Optional(Type.String()),
  }),
});

export const ErrorResponse = Open({
  code: StringEnum(ERROR_CODES, { description: 'Stable: branch on it, never on the message' }),
  message: Type.String(),
  requestId: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/** An asset, as `GET /v1/assets/{id}` answers it. */
export type Asset = Static<typeof WireAsset>;
/** One rendition of an image asset: a signed link to a resized copy, its exact size and type. */
export type AssetRendition = Static<typeof WireRendition>;
/** A collection, as `GET /v1/collections/{id}` answers it. */
export type Collection = Static<typeof WireCollection>;
/** A project of the key's team (`GET /v1/projects`). */
export type Project = Static<typeof WireProject>;
/** An upload, as `GET /v1/uploads/{id}` answers it (with `parts` when just created). */
export type Upload = Static<typeof WireUpload>;
export type ProjectUsage = Static<typeof WireProjectUsage>;
export type UploadPartLink = Static<typeof WirePartLink>;
export type ReceivedPart = Static<typeof WireReceivedPart>;
/** A job, as `GET /v1/jobs/{id}` answers it: one per upload, `metadata.output.entityId` once imported. */
export type Job = Static<typeof WireJob>;
/** The server's error body. */
export type ErrorBody = Static<typeof ErrorResponse>;

export const WebhookParams = Type.Object({ webhookId: Id });
export const DeliveryParams = Type.Object({ webhookId: Id, deliveryId: Id });

// Checked by the service, whose refusal names the types there are.
const EventTypes = Type.Array(Type.String({ maxLength: 100 }), {
  minItems: 1,
  maxItems: EVENT_TYPES.length,
  description: `The event types sent to this endpoint: ${EVENT_TYPES.join(', ')}`,
});

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'An http(s) URL on a public address' }),
    eventTypes: EventTypes,
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    enabled: Type.Optional(Type.Boolean({ description: 'true unless given' })),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean({ description: 'true also clears a disabled endpoint’s failure record' })),
  },
  { additionalProperties: false },
);

export const WireWebhook = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.Optional(Type.String()),
    eventTypes: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    consecutiveFailures: Type.Integer(),
    disabledAt: Type.Optional(Type.String({ description: 'When the system disabled the endpoint because it kept failing' })),
    disabledReason: Type.Optional(Type.String()),
    ownerId: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    secret: Type.Optional(Type.String({ description: 'whsec_…: only in the answers to creation and rotate-secret' })),
  },
  { additionalProperties: false },
);

export const WireDelivery = Type.Object(
  {
    id: Type.String(),
    webhookId: Type.String(),
    eventId: Type.String(),
    eventType: Type.String(),
    status: StringEnum(DELIVERY_STATUSES),
    attempts: Type.Integer(),
    statusCode: Type.Optional(Type.Integer({ description: "The last attempt's HTTP status, when the receiver answered" })),
    error: Type.Optional(Type.String()),
    nextAttemptAt: Type.Optional(Type.String()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);

export const EventsQuery = Type.Object({
  ...ProjectQuery.properties,
  types: Type.Optional(Type.String({ maxLength: 1000, description: `Only these event types, comma-separated: ${EVENT_TYPES.join(', ')}` })),
  lastEventId: Type.Optional(
    Type.String({ maxLength: 20, description: 'Resume after this event id, for clients that cannot send the Last-Event-ID header' }),
  ),
});

/**
 * An event as the live stream and webhooks send it: its id (a decimal string: it grows with
 * each event), type, time, project, and in `data` the object as it was when the change committed.
 */
export const WireEvent = Open({
  id: Type.String(),
  type: StringEnum(EVENT_TYPES),
  timestamp: Type.String(),
  projectId: Type.String(),
  data: Open({
    upload: Type.Optional(WireUpload),
    asset: Type.Optional(WireAsset),
    collection: Type.Optional(WireCollection),
    webhook: Type.Optional(WireWebhook),
  }),
});

/** A webhook endpoint, as `GET /v1/webhooks/{id}` answers it; `secret` only from create and rotate-secret. */
export type Webhook = Static<typeof WireWebhook>;
/** One event sent (or being sent) to one endpoint, with its attempts and the last status code or error. */
export type WebhookDelivery = Static<typeof WireDelivery>;
export type WebhookCreateParams = Static<typeof CreateWebhookBody>;
export type WebhookUpdateParams = Static<typeof UpdateWebhookBody>;
/** An event of the live stream or a webhook's body. */
export type AssetdEvent = Static<typeof WireEvent>;
