import type { UploadKind } from '../types.ts';

export interface FileType {
  readonly kind: UploadKind;
  readonly contentType: string;
}

/** The formats of spec 000, by file extension. */
const BY_EXTENSION: Record<string, FileType> = {
  png: { kind: 'image', contentType: 'image/png' },
  jpg: { kind: 'image', contentType: 'image/jpeg' },
  jpeg: { kind: 'image', contentType: 'image/jpeg' },
  gif: { kind: 'image', contentType: 'image/gif' },
  svg: { kind: 'image', contentType: 'image/svg+xml' },
  webp: { kind: 'image', contentType: 'image/webp' },
  avif: { kind: 'image', contentType: 'image/avif' },
  tif: { kind: 'image', contentType: 'image/tiff' },
  tiff: { kind: 'image', contentType: 'image/tiff' },
  heic: { kind: 'image', contentType: 'image/heic' },
  heif: { kind: 'image', contentType: 'image/heif' },
  mp3: { kind: 'audio', contentType: 'audio/mpeg' },
  wav: { kind: 'audio', contentType: 'audio/wav' },
  ogg: { kind: 'audio', contentType: 'audio/ogg' },
  m4a: { kind: 'audio', contentType: 'audio/m4a' },
  flac: { kind: 'audio', contentType: 'audio/flac' },
  mp4: { kind: 'video', contentType: 'video/mp4' },
  webm: { kind: 'video', contentType: 'video/webm' },
  mov: { kind: 'video', contentType: 'video/quicktime' },
  glb: { kind: '3d', contentType: 'model/gltf-binary' },
  gltf: { kind: '3d', contentType: 'model/gltf+json' },
  obj: { kind: '3d', contentType: 'model/obj' },
  fbx: { kind: '3d', contentType: 'application/vnd.autodesk.fbx' },
  stl: { kind: '3d', contentType: 'model/stl' },
  ply: { kind: '3d', contentType: 'model/ply' },
  vox: { kind: '3d', contentType: 'model/x-3d-vox' },
};

/** The extensions whose kind is known, for messages and folder walks. */
export const KNOWN_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION);

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

/** The kind and content type a file name's extension says; undefined for an extension not in the spec. */
export function fileTypeFromName(fileName: string): FileType | undefined {
  return BY_EXTENSION[extensionOf(fileName)];
}

/** The kind a content type belongs to, for a Blob that has a type but no telling name. */
export function kindFromContentType(contentType: string): UploadKind | undefined {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('model/') || type === 'application/vnd.autodesk.fbx') return '3d';
  return undefined;
}
