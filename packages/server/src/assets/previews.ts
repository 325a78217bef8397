import type { Asset, AssetKind } from './asset.ts';

/** The previews an asset may have, and the column of each. */
export const PREVIEW_COLUMNS = {
  thumbnail: 'thumbnail_file_id',
  firstFrame: 'first_frame_file_id',
  lastFrame: 'last_frame_file_id',
  preview: 'preview_file_id',
  waveform: 'waveform_file_id',
} as const;

export type PreviewSlot = keyof typeof PREVIEW_COLUMNS;

/**
 * What each kind has when every tool is there: an image its thumbnail; audio its waveform and
 * the waveform's picture as thumbnail (ffmpeg for all but WAV); a video its frames and the first
 * as thumbnail (ffmpeg); a 3D model its render. Opaque model files have none.
 */
export const PREVIEWS_BY_KIND: Readonly<Record<AssetKind, readonly PreviewSlot[]>> = {
  image: ['thumbnail'],
  audio: ['thumbnail', 'waveform'],
  video: ['thumbnail', 'firstFrame', 'lastFrame'],
  '3d': ['thumbnail', 'preview'],
  model: [],
};

/** The kinds that have previews at all. */
export const KINDS_WITH_PREVIEWS = (Object.keys(PREVIEWS_BY_KIND) as AssetKind[]).filter((kind) => PREVIEWS_BY_KIND[kind].length > 0);

/** The previews the asset's kind has that the asset lacks. */
export const missingPreviews = (asset: Pick<Asset, 'kind' | PreviewSlot>): PreviewSlot[] =>
  PREVIEWS_BY_KIND[asset.kind].filter((slot) => asset[slot] === null);

/**
 * The job that makes an existing asset's previews again (`assetd previews backfill`): after
 * ffmpeg was installed, after an upgrade that adds a preview kind, after previews were lost.
 * Payload: `{ assetId, projectId, missingOnly }`; the job row carries the project too (fair sharing).
 */
export const ASSET_PREVIEWS_JOB = 'asset.previews';

export interface AssetPreviewsPayload {
  readonly assetId: string;
  readonly projectId: string;
  /** Make only what the asset lacks; otherwise make every preview of its kind anew and replace them. */
  readonly missingOnly: boolean;
}
