import { type TSchema, Type } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Spec 003's envelope around `data`; on failure data is null and serviceCode names the failure. */
export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({
    code: Type.Integer({ description: '0 on success; the HTTP status on failure' }),
    data,
    msg: Type.String(),
    serviceCode: Nullable(Type.String()),
  });

export const ErrorEnvelope = Envelope(Type.Null());

/** Every field of the unified record; nullable where the core may have no value. */
export const UnifiedAsset = Type.Object(
  {
    id: Type.String({ description: 'The asset id (assetd ids are strings)' }),
    assetId: Type.String(),
    token360AssetId: Type.String({ description: 'Alias of assetId' }),
    tenantId: Type.String({ description: "The owning team's id" }),
    userId: Type.String({ description: 'The API key that uploaded it' }),
    userName: Nullable(Type.String()),
    shared: Type.Boolean(),
    sharePermission: Type.Null(),
    shareExpiresAt: Type.Null(),
    assetGroupId: Nullable(Type.String({ description: '"library" for the default group' })),
    groupName: Nullable(Type.String()),
    mediaType: Type.String(),
    assetKind: Type.String(),
    sourceType: Type.String(),
    status: Type.String(),
    name: Type.String(),
    assetType: Type.String({ description: 'image, audio, video, 3d or model' }),
    filename: Type.String(),
    originalFilename: Nullable(Type.String()),
    mimeType: Type.String(),
    sizeBytes: Type.Integer(),
    fileType: Nullable(Type.String()),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    aspectRatio: Nullable(Type.String()),
    durationSeconds: Nullable(Type.Number()),
    frameRate: Nullable(Type.Number()),
    providerLastError: Type.Null(),
    url: Type.String(),
    thumbnailUrl: Nullable(Type.String()),
    expiresAt: Nullable(Type.String()),
    requestId: Type.Null(),
    modelName: Type.Null(),
    modelType: Type.Null(),
    byteplusAssetId: Type.Null(),
    providerRefs: Type.Null(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);

/** A plain JSON Schema enum, so a validation error lists the allowed values. */
const GroupStatus = Type.Unsafe<'active' | 'inactive'>({ type: 'string', enum: ['active', 'inactive'] });

export const AssetGroup = Type.Object(
  {
    id: Type.String({ description: '"library" for the default group, else the collection id' }),
    assetGroupId: Type.String({ description: 'Alias of id' }),
    groupId: Type.String({ description: 'Alias of id: the value to send as groupId' }),
    collectionId: Type.String({ description: 'The same group in the /v1 collections API' }),
    name: Type.String(),
    groupKind: Nullable(Type.String({ description: 'As the client set it; assetd validates no identity or provider' })),
    description: Nullable(Type.String()),
    status: GroupStatus,
    isDefault: Type.Boolean(),
    assetCount: Type.Integer(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);

const GroupName = Type.String({ minLength: 1, maxLength: 255 });
const GroupDescription = Type.String({ maxLength: 10_000 });

export const CreateGroupBody = Type.Object(
  {
    name: GroupName,
    groupKind: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(GroupDescription),
  },
  { additionalProperties: false },
);

export const UpdateGroupBody = Type.Object(
  {
    name: Type.Optional(GroupName),
    description: Type.Optional(Nullable(GroupDescription)),
    status: Type.Optional(GroupStatus),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const GroupIdParams = Type.Object({ assetGroupId: Type.String({ minLength: 1, maxLength: 100 }) });

export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextPaginationToken: Nullable(Type.String()) });

export const PageQuery = {
  projectId: Type.Optional(Type.String({ description: "A project of the key's team; the key's default project when absent" })),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  paginationToken: Type.Optional(Type.String({ maxLength: 1000 })),
};

export const ListAssetsQuery = Type.Object({
  ...PageQuery,
  groupId: Type.Optional(Type.String({ maxLength: 100, description: 'Only the assets of this group ("library" or a group id)' })),
});

export const ListGroupsQuery = Type.Object(PageQuery);

export const ProjectQuery = Type.Object({ projectId: PageQuery.projectId });

export const AssetIdParams = Type.Object({ assetId: Type.String({ minLength: 1, maxLength: 100 }) });

export const errorResponses = { 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope };
