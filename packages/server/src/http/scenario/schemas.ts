import { type TSchema, Type } from 'typebox';
import { ASSET_KINDS, PRIVACIES, SORT_FIELDS } from '../../assets/asset.ts';
import { MAX_ASSETS_PER_CALL } from '../../collections/collection-service.ts';
import { MAX_RENDITION_EDGE, RENDITION_FITS, RENDITION_FORMATS } from '../../media/rendition.ts';

/** A string enum as plain JSON Schema, so validation errors list the allowed values. */
export const StringEnum = <T extends string>(values: readonly T[], options: Record<string, unknown> = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

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
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  paginationToken: Type.Optional(Type.String({ maxLength: 1000 })),
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
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  paginationToken: Type.Optional(Type.String({ maxLength: 1000 })),
});

/** Loose response schemas: they document the shape without filtering fields out. */
const Open = (properties: Record<string, TSchema>) => Type.Object(properties, { additionalProperties: true });

export const WireAsset = Open({
  id: Type.String(),
  url: Type.String(),
  mimeType: Type.String(),
  metadata: Open({}),
  properties: Open({}),
  kind: Type.String(),
  source: Type.String(),
  ownerId: Type.String(),
  authorId: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  privacy: Type.String(),
  tags: Type.Array(Type.String()),
  collectionIds: Type.Array(Type.String()),
  status: Type.String(),
  editCapabilities: Type.Array(Type.String()),
  isHidden: Type.Boolean(),
  description: Type.Optional(Type.String()),
  thumbnail: Type.Optional(Open({ url: Type.String() })),
  renditions: Type.Optional(
    Type.Array(
      Open({ url: Type.String(), pixelRatio: Type.Number(), width: Type.Integer(), height: Type.Integer(), mimeType: Type.String() }),
    ),
  ),
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

export const ErrorResponse = Open({
  code: Type.String(),
  message: Type.String(),
  requestId: Type.String(),
  details: Type.Optional(Open({})),
});
