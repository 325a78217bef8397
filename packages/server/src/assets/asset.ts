import { ASSET_KINDS, type AssetKind, PRIVACIES, type Privacy, SORT_FIELDS, type SortField } from '@assetd/contract/scenario';
import type { FileRef } from '../files/file-store.ts';

export { ASSET_KINDS, type AssetKind, PRIVACIES, type Privacy, SORT_FIELDS, type SortField };

/** An asset as the domain sees it: what every dialect maps from. */
export interface Asset {
  readonly id: string;
  readonly projectId: string;
  readonly authorId: string;
  readonly kind: AssetKind;
  readonly mimeType: string;
  readonly name: string;
  /** The file name the client sent, when it sent one. */
  readonly originalFileName: string | null;
  readonly description: string | null;
  readonly source: string;
  readonly type: string;
  readonly privacy: Privacy;
  readonly isHidden: boolean;
  readonly tags: readonly string[];
  readonly parentId: string | null;
  readonly rootParentId: string | null;
  readonly modelId: string | null;
  readonly file: FileRef;
  readonly thumbnail: FileRef | null;
  /** A video's first and last frames, when they could be extracted. */
  readonly firstFrame: FileRef | null;
  readonly lastFrame: FileRef | null;
  /** A larger preview than the thumbnail: a 3D model's 1024-px render. */
  readonly preview: FileRef | null;
  /** Why the kind's previews could not be made, when they could not (a model too large to render in time). */
  readonly previewError: string | null;
  /** An audio asset's waveform peaks (JSON: min/max pairs), for a player. */
  readonly waveform: FileRef | null;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  /** What was measured from the bytes: dimensions, format, duration… depending on the kind. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly status: 'success';
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly collectionIds: readonly string[];
}

/** Where a request acts: one project, on behalf of one key. */
export interface Scope {
  readonly projectId: string;
  readonly authorId: string;
}

export type SortDirection = 'asc' | 'desc';

export interface AssetListQuery {
  readonly pageSize: number;
  readonly paginationToken?: string;
  readonly sortBy: SortField;
  readonly sortDirection: SortDirection;
  readonly createdAfter?: string;
  readonly createdBefore?: string;
  readonly parentAssetId?: string;
  readonly rootAssetId?: string;
  readonly modelId?: string;
  readonly authorId?: string;
  readonly collectionId?: string;
  readonly type?: string;
  readonly kind?: AssetKind;
  readonly tags?: readonly string[];
  readonly privacy?: Privacy;
  /** Only assets whose bytes have this SHA-256 (lower-case hex): to skip files already uploaded. */
  readonly sha256?: string;
  /** Only assets whose name contains this text, ignoring case. */
  readonly search?: string;
}

export interface AssetPage {
  readonly assets: Asset[];
  readonly nextPaginationToken?: string;
}

export interface AssetPatch {
  readonly name?: string;
  readonly description?: string | null;
  readonly tags?: readonly string[];
  readonly privacy?: Privacy;
}
