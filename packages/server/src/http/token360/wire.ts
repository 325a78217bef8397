import type { Asset } from '../../assets/asset.ts';
import type { Collection } from '../../collections/collection-service.ts';
import type { FileLinker } from '../file-links.ts';
import { publicGroupId } from './groups.ts';

/** What the asset row alone does not say: who the tenant and users are, what the groups are called. */
export interface RecordContext {
  /** The caller's team: every asset it can read belongs to it. */
  readonly tenantId: string;
  readonly link: FileLinker;
  readonly defaultCollectionId: string | undefined;
  readonly groupNames: ReadonlyMap<string, string>;
  readonly userNames: ReadonlyMap<string, string>;
}

/** The core's asset types as spec 003's assetKind labels. */
const ASSET_KIND: Record<string, string> = { uploaded: 'UPLOAD' };

const numberOr = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** "16:9" from 1920×1080: the ratio in lowest terms. */
export function aspectRatio(width: number | null, height: number | null): string | null {
  if (!width || !height) return null;
  const divisor = gcd(width, height);
  return `${width / divisor}:${height / divisor}`;
}

/**
 * Spec 003's unified asset record, mapped field by field. Fields the core has no notion of
 * (provider references, generation provenance, sharing between users, expiry) are present and
 * null, so a client reads the same shape for every asset.
 */
export function toUnifiedAsset(asset: Asset, context: RecordContext) {
  const groupId = asset.collectionIds[0];
  const format = asset.properties.format;
  return {
    // assetd ids are strings; `id` carries the same one, there is no separate integer id.
    id: asset.id,
    assetId: asset.id,
    token360AssetId: asset.id,
    tenantId: context.tenantId,
    userId: asset.authorId,
    userName: context.userNames.get(asset.authorId) ?? null,
    // The caller only ever reads its own team's assets: nothing is shared with it.
    shared: false,
    sharePermission: null,
    shareExpiresAt: null,
    assetGroupId: groupId ? publicGroupId(groupId, context.defaultCollectionId) : null,
    groupName: groupId ? (context.groupNames.get(groupId) ?? null) : null,
    mediaType: asset.mimeType,
    assetKind: ASSET_KIND[asset.type] ?? asset.type.toUpperCase(),
    sourceType: 'UNIFIED',
    // The core records an asset only once its file is validated and stored.
    status: 'active',
    name: asset.name,
    assetType: asset.kind,
    filename: asset.name,
    originalFilename: asset.originalFileName,
    mimeType: asset.mimeType,
    sizeBytes: asset.size,
    fileType: typeof format === 'string' ? format : null,
    width: asset.width,
    height: asset.height,
    aspectRatio: aspectRatio(asset.width, asset.height),
    durationSeconds: numberOr(asset.properties.duration),
    frameRate: numberOr(asset.properties.frameRate),
    providerLastError: null,
    url: context.link(asset.file),
    thumbnailUrl: asset.thumbnail ? context.link(asset.thumbnail) : null,
    expiresAt: null,
    requestId: null,
    modelName: null,
    modelType: null,
    byteplusAssetId: null,
    providerRefs: null,
    createdAt: asset.createdAt,
    updatedAt: asset.updatedAt,
  };
}

export type UnifiedAsset = ReturnType<typeof toUnifiedAsset>;

/** An asset group: a collection, the default one under its public id "library". */
export function toAssetGroup(collection: Collection, defaultCollectionId: string | undefined) {
  const isDefault = collection.id === defaultCollectionId;
  const publicId = publicGroupId(collection.id, defaultCollectionId);
  return {
    id: publicId,
    assetGroupId: publicId,
    groupId: publicId,
    collectionId: collection.id,
    name: collection.name,
    groupKind: collection.groupKind,
    description: collection.description,
    status: collection.active ? ('active' as const) : ('inactive' as const),
    isDefault,
    assetCount: collection.assetCount,
    createdAt: collection.createdAt,
    updatedAt: collection.updatedAt,
  };
}
