import { type AssetKind, bareType, contentTypesOfKind, sameFormat } from '@assetd/contract/formats';
import { UPLOAD_KINDS, type UploadKind } from '@assetd/contract/scenario';

export { bareType, sameFormat, UPLOAD_KINDS, type UploadKind };

export const IMAGE_TYPES = contentTypesOfKind('image');
export const AUDIO_TYPES = contentTypesOfKind('audio');
export const VIDEO_TYPES = contentTypesOfKind('video');
/** 3D files often come without a type of their own: octet-stream is let through, the bytes decide. */
export const MODEL_3D_TYPES = [...contentTypesOfKind('3d'), 'application/octet-stream'];

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
