/**
 * The one table of file formats assetd knows: what the server detects from bytes, what a client
 * may declare as a content type, and what a file name's extension says. The server's upload
 * checks, its detector and the SDK's guess from a file name all read it.
 */

/** What an asset is, once its bytes are validated (`model` is a hub import's model file). */
export const ASSET_KINDS = ['image', 'audio', 'video', '3d', 'model'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

/** The kinds a media format belongs to (a `model` file has no format of its own). */
export type MediaKind = Exclude<AssetKind, 'model'>;

export interface FileFormat {
  /** Short name: png, mp3, glb… */
  readonly format: string;
  readonly kind: MediaKind;
  /** The content type assetd stores and serves it with. */
  readonly mimeType: string;
  /** File name extensions, lower-case, without the dot; the first is the usual one. */
  readonly extensions: readonly string[];
  /** Other content types clients or detectors use for the same format. */
  readonly aliases: readonly string[];
}

const format = (
  name: string,
  kind: MediaKind,
  mimeType: string,
  extensions: readonly string[],
  aliases: readonly string[] = [],
): FileFormat => ({ format: name, kind, mimeType, extensions, aliases });

/** The formats of spec 000 and their close kin. */
export const FILE_FORMATS: readonly FileFormat[] = [
  format('jpeg', 'image', 'image/jpeg', ['jpg', 'jpeg']),
  format('png', 'image', 'image/png', ['png']),
  format('gif', 'image', 'image/gif', ['gif']),
  format('svg', 'image', 'image/svg+xml', ['svg']),
  format('webp', 'image', 'image/webp', ['webp']),
  format('avif', 'image', 'image/avif', ['avif']),
  format('tiff', 'image', 'image/tiff', ['tif', 'tiff']),
  format('heic', 'image', 'image/heic', ['heic', 'heif'], ['image/heif']),
  format('mp3', 'audio', 'audio/mpeg', ['mp3'], ['audio/mp3']),
  format('wav', 'audio', 'audio/wav', ['wav'], ['audio/x-wav', 'audio/wave', 'audio/vnd.wave']),
  format('ogg', 'audio', 'audio/ogg', ['ogg', 'oga', 'opus'], ['audio/opus', 'audio/vorbis']),
  format('m4a', 'audio', 'audio/mp4', ['m4a'], ['audio/m4a', 'audio/x-m4a', 'audio/aac']),
  format('aac', 'audio', 'audio/aac', ['aac']),
  format('flac', 'audio', 'audio/flac', ['flac'], ['audio/x-flac']),
  format('mp4', 'video', 'video/mp4', ['mp4', 'm4v'], ['video/x-m4v']),
  format('webm', 'video', 'video/webm', ['webm']),
  format('mov', 'video', 'video/quicktime', ['mov']),
  format('glb', '3d', 'model/gltf-binary', ['glb']),
  format('gltf', '3d', 'model/gltf+json', ['gltf']),
  format('obj', '3d', 'model/obj', ['obj']),
  format('fbx', '3d', 'application/vnd.autodesk.fbx', ['fbx']),
  format('stl', '3d', 'model/stl', ['stl'], ['model/x-stl']),
  format('ply', '3d', 'model/ply', ['ply']),
  format('vox', '3d', 'model/x-3d-vox', ['vox']),
];

/** A content type without parameters, lower-cased: `Image/PNG; q=1` → `image/png`. */
export const bareType = (contentType: string): string => contentType.split(';')[0]?.trim().toLowerCase() ?? '';

const byExtension = new Map(FILE_FORMATS.flatMap((entry) => entry.extensions.map((extension) => [extension, entry] as const)));
// A format's own content type wins over another's alias of it (audio/aac is its own format and an m4a alias).
const byContentType = new Map([
  ...FILE_FORMATS.flatMap((entry) => entry.aliases.map((alias) => [alias, entry] as const)),
  ...FILE_FORMATS.map((entry) => [entry.mimeType, entry] as const),
]);

/** The extensions whose format is known, for messages and folder walks. */
export const KNOWN_EXTENSIONS: readonly string[] = [...byExtension.keys()];

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

/** The format a file name's extension says; undefined for an extension not in the table. */
export const formatOfFileName = (fileName: string): FileFormat | undefined => byExtension.get(extensionOf(fileName));

/** The format a content type (or one of its aliases) names; undefined when none. */
export const formatOfContentType = (contentType: string): FileFormat | undefined => byContentType.get(bareType(contentType));

/** Every content type, own and alias, of the formats of one kind. */
export const contentTypesOfKind = (kind: MediaKind): string[] =>
  FILE_FORMATS.filter((entry) => entry.kind === kind).flatMap((entry) => [entry.mimeType, ...entry.aliases]);

/** Whether two content types name the same format (`audio/x-wav` and `audio/wav` do). */
export function sameFormat(declared: string, detected: string): boolean {
  const a = bareType(declared);
  const b = bareType(detected);
  if (a === b) return true;
  return FILE_FORMATS.some((entry) => {
    const names = [entry.mimeType, ...entry.aliases];
    return names.includes(a) && names.includes(b);
  });
}

/** The kind a content type belongs to, for a Blob that has a type but no telling name. */
export function kindOfContentType(contentType: string): MediaKind | undefined {
  const known = formatOfContentType(contentType);
  if (known) return known.kind;
  const type = bareType(contentType);
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('model/')) return '3d';
  return undefined;
}
