import type { AssetKind } from '../assets/asset.ts';

/** The `kind` values of spec 001: what the file is for once validated. */
export const UPLOAD_KINDS = ['3d', 'asset', 'audio', 'avatar', 'image', 'model', 'video'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

export const IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/svg+xml',
  'image/webp',
  'image/avif',
  'image/tiff',
  'image/heic',
  'image/heif',
];
export const AUDIO_TYPES = [
  'audio/mpeg',
  'audio/mp3',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/vnd.wave',
  'audio/ogg',
  'audio/m4a',
  'audio/x-m4a',
  'audio/mp4',
  'audio/aac',
  'audio/flac',
  'audio/x-flac',
];
export const VIDEO_TYPES = ['video/mp4', 'video/webm', 'video/quicktime'];
export const MODEL_3D_TYPES = [
  'model/gltf-binary',
  'model/gltf+json',
  'model/obj',
  'application/vnd.autodesk.fbx',
  'model/stl',
  'model/x-stl',
  'model/ply',
  'model/x-3d-vox',
  'application/octet-stream',
];

/** Content types a multipart upload of each kind may declare. */
const TYPES_BY_KIND: Record<UploadKind, readonly string[] | 'any'> = {
  image: IMAGE_TYPES,
  avatar: [...IMAGE_TYPES, 'model/gltf-binary'],
  audio: AUDIO_TYPES,
  video: VIDEO_TYPES,
  '3d': MODEL_3D_TYPES,
  asset: [...IMAGE_TYPES, ...AUDIO_TYPES, ...VIDEO_TYPES, ...MODEL_3D_TYPES],
  model: 'any',
};

/** A content type without parameters, lower-cased: `Image/PNG; q=1` → `image/png`. */
export const bareType = (contentType: string) => contentType.split(';')[0]?.trim().toLowerCase() ?? '';

export function contentTypeFits(kind: UploadKind, contentType: string): boolean {
  const allowed = TYPES_BY_KIND[kind];
  const type = bareType(contentType);
  if (allowed === 'any') return /^[a-z]+\/[a-z0-9.+-]+$/.test(type);
  return allowed.includes(type) || (kind === '3d' && type.startsWith('model/'));
}

export function typesForKind(kind: UploadKind): readonly string[] | 'any' {
  return TYPES_BY_KIND[kind];
}

/** The asset kinds an upload of this kind may turn out to be; undefined means any. */
export function assetKindsFor(kind: UploadKind): readonly (AssetKind | 'model')[] | undefined {
  switch (kind) {
    case 'image':
      return ['image'];
    case 'avatar':
      return ['image', '3d'];
    case 'audio':
      return ['audio'];
    case 'video':
      return ['video'];
    case '3d':
      return ['3d'];
    case 'asset':
      return ['image', 'audio', 'video', '3d'];
    case 'model':
      return undefined;
  }
}

/**
 * Names for one format that clients use interchangeably; a declared type matches the
 * detected one when they share a group.
 */
const SYNONYMS: readonly (readonly string[])[] = [
  ['audio/mpeg', 'audio/mp3'],
  ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
  ['audio/m4a', 'audio/x-m4a', 'audio/mp4', 'audio/aac'],
  ['audio/flac', 'audio/x-flac'],
  ['audio/ogg', 'audio/opus', 'audio/vorbis'],
  ['image/heic', 'image/heif'],
  ['model/stl', 'model/x-stl'],
];

export function sameFormat(declared: string, detected: string): boolean {
  const a = bareType(declared);
  const b = bareType(detected);
  if (a === b) return true;
  return SYNONYMS.some((group) => group.includes(a) && group.includes(b));
}
