import type { Scope } from '../../assets/asset.ts';
import type { Collection, CollectionService } from '../../collections/collection-service.ts';
import { AppError } from '../../errors.ts';
import { ServiceError } from './service-codes.ts';

/**
 * The `groupKind` values an asset group may be created with. assetd keeps the kind so clients
 * read back what they set; it validates no identity or provider behind it.
 */
export const GROUP_KINDS = ['GENERAL', 'VIRTUAL_PORTRAIT', 'CHARACTER', 'PRODUCT', 'SCENE', 'STYLE', 'VOICE'] as const;

/** The group kind given, checked; unknown ones are refused with the kinds assetd accepts. */
export function checkGroupKind(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const kind = value.trim().toUpperCase();
  if (!(GROUP_KINDS as readonly string[]).includes(kind)) {
    throw new ServiceError(
      'ASSET_GROUP_TYPE_UNSUPPORTED',
      'VALIDATION_ERROR',
      `groupKind "${value.slice(0, 100)}" is not supported: use one of ${GROUP_KINDS.join(', ')}`,
      { allowed: GROUP_KINDS },
    );
  }
  return kind;
}

/** A group's name, trimmed; a blank one is refused. */
export function checkGroupName(value: string): string {
  const name = value.trim();
  if (!name) throw new AppError('VALIDATION_ERROR', "'name' is blank: give the group a name");
  return name;
}

/** Refuses an upload into a group that was made inactive. */
export function requireActive(group: Collection, ref: GroupRef | undefined): void {
  if (group.active) return;
  const name = ref?.value ?? DEFAULT_GROUP_ID;
  throw new ServiceError(
    'ASSET_GROUP_NOT_ACTIVE',
    'COLLECTION_NOT_ACTIVE',
    `Asset group "${name}" is inactive: activate it with PATCH /v1/asset-groups/${name} {"status": "active"}, or upload into another group`,
  );
}

/** The public id of a project's default collection: spec 003's "library" group. */
export const DEFAULT_GROUP_ID = 'library';

/** Spec 003: a groupId with this prefix names a legacy provider group, like assetGroupId does. */
const LEGACY_PROVIDER_PREFIX = 'legacy_rf_';

export type GroupField = 'groupId' | 'assetGroupId';

/** A group named in a request, and the field that named it (it decides the serviceCodes). */
export interface GroupRef {
  readonly field: GroupField;
  readonly value: string;
}

export interface GroupFields {
  readonly groupId?: string;
  readonly assetGroupId?: string;
}

/**
 * Spec 003's provider-based path: assetGroupId, or a groupId with the legacy prefix. assetd
 * has no providers, so the path resolves groups like the unified one; only the failures keep
 * the serviceCodes the spec gives that path (ASSET_FILE_REQUIRED, ASSET_GROUP_NOT_FOUND).
 */
export const isProviderPath = (fields: GroupFields): boolean =>
  fields.assetGroupId !== undefined || Boolean(fields.groupId?.trim().startsWith(LEGACY_PROVIDER_PREFIX));

/** The group a request names, if any; two fields with different values are ambiguous and refused. */
export function groupRef(fields: GroupFields): GroupRef | undefined {
  const groupId = fields.groupId?.trim();
  const assetGroupId = fields.assetGroupId?.trim();
  if (groupId !== undefined && assetGroupId !== undefined && groupId !== assetGroupId) {
    throw new AppError('VALIDATION_ERROR', `groupId "${groupId}" and assetGroupId "${assetGroupId}" differ: send one of them`);
  }
  if (assetGroupId !== undefined) return { field: 'assetGroupId', value: assetGroupId };
  if (groupId !== undefined) return { field: 'groupId', value: groupId };
  return undefined;
}

/**
 * The collection a group reference stands for. No reference means the library (the spec makes
 * groupId optional: uploads go to the user's library); "library" is the project's default
 * collection, created on first use; anything else is a collection id of the project.
 */
export async function resolveGroup(collections: CollectionService, scope: Scope, ref: GroupRef | undefined): Promise<Collection> {
  if (!ref || ref.value === DEFAULT_GROUP_ID) return collections.ensureDefault(scope);
  if (ref.value === '') {
    throw new ServiceError(
      'UNIFIED_ASSET_GROUP_REQUIRED',
      'VALIDATION_ERROR',
      `'${ref.field}' is empty: name a group from GET /v1/asset-groups, or leave the field out to use the library`,
    );
  }
  try {
    return await collections.get(scope, ref.value);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'COLLECTION_NOT_FOUND') throw error;
    // Another team's group is answered exactly like a missing one.
    const serviceCode =
      ref.field === 'assetGroupId' || isProviderPath({ groupId: ref.value }) ? 'ASSET_GROUP_NOT_FOUND' : 'UNIFIED_ASSET_GROUP_NOT_FOUND';
    throw new ServiceError(
      serviceCode,
      'COLLECTION_NOT_FOUND',
      `Asset group "${ref.value}" was not found: list your groups with GET /v1/asset-groups`,
    );
  }
}

/** How a collection is named on the wire: the default one as "library", the others by id. */
export const publicGroupId = (collectionId: string, defaultCollectionId: string | undefined): string =>
  collectionId === defaultCollectionId ? DEFAULT_GROUP_ID : collectionId;
