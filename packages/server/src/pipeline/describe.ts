import type { AssetKind } from '../assets/asset.ts';
import { AppError } from '../errors.ts';
import { probeImage, unhandledImageFormat } from '../media/image.ts';
import { canThumbnail, makeThumbnail } from '../media/thumbnail.ts';
import { detectFormat } from './detect.ts';

/** Everything the pipeline learnt about a file: what it is, what it measures, its preview. */
export interface Description {
  readonly kind: AssetKind;
  readonly mimeType: string;
  readonly format: string;
  readonly width?: number;
  readonly height?: number;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly thumbnail?: Buffer;
}

export interface DescribeOptions {
  readonly maxPixels: number;
  /** Only images are acceptable (the small-upload path). */
  readonly imagesOnly?: boolean;
  /** A file of no known format is kept as an opaque file of this kind (model weights) instead of refused. */
  readonly opaqueKind?: AssetKind;
  readonly declaredType?: string;
}

/** Reads what each kind needs from a local file and makes the image thumbnail. */
export async function describeFile(file: { path: string; size: number }, options: DescribeOptions): Promise<Description> {
  const detected = await detectFormat(file);
  if (!detected || detected.kind === 'image') {
    try {
      return await describeImage(file, options.maxPixels);
    } catch (error) {
      if (detected || !(error instanceof AppError) || error.code !== 'UNHANDLED_IMAGE_FORMAT') throw error;
      if (options.imagesOnly) throw error;
    }
  }
  if (options.imagesOnly) throw unhandledImageFormat();
  if (detected) {
    return {
      kind: detected.kind,
      mimeType: detected.mimeType,
      format: detected.format,
      properties: { size: file.size, format: detected.format },
    };
  }
  if (options.opaqueKind) {
    const mimeType = options.declaredType ?? 'application/octet-stream';
    return { kind: options.opaqueKind, mimeType, format: 'binary', properties: { size: file.size } };
  }
  throw new AppError(
    'UNSUPPORTED_FORMAT',
    'The file is not in a supported format: upload an image (JPEG, PNG, GIF, SVG, WebP, AVIF, TIFF, HEIC), audio (MP3, WAV, OGG, M4A, FLAC), video (MP4, WebM, MOV) or 3D model (GLB, glTF, OBJ, FBX, STL, PLY, VOX)',
  );
}

async function describeImage(file: { path: string; size: number }, maxPixels: number): Promise<Description> {
  const image = await probeImage(file, maxPixels);
  const thumbnail = canThumbnail(image.format) ? await makeThumbnail(image.svgSource ?? file.path, image.format, maxPixels) : undefined;
  return {
    kind: 'image',
    mimeType: image.mimeType,
    format: image.format,
    width: image.width,
    height: image.height,
    properties: {
      width: image.width,
      height: image.height,
      size: file.size,
      format: image.format,
      hasAlpha: image.hasAlpha,
      ...(image.frameCount ? { frameCount: image.frameCount } : {}),
    },
    ...(thumbnail ? { thumbnail } : {}),
  };
}
