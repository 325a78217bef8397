import { formatOfFileName, kindOfContentType } from '@assetd/contract/formats';
import type { UploadKind } from '../types.ts';

export { extensionOf, KNOWN_EXTENSIONS } from '@assetd/contract/formats';

export interface FileType {
  readonly kind: UploadKind;
  readonly contentType: string;
}

/** The kind and content type a file name's extension says; undefined for an extension assetd does not know. */
export function fileTypeFromName(fileName: string): FileType | undefined {
  const known = formatOfFileName(fileName);
  return known ? { kind: known.kind, contentType: known.mimeType } : undefined;
}

/** The kind a content type belongs to, for a Blob that has a type but no telling name. */
export const kindFromContentType = (contentType: string): UploadKind | undefined => kindOfContentType(contentType);
