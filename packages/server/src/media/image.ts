import { open } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import isSvg from 'is-svg';
import sharp from 'sharp';
import { AppError } from '../errors.ts';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'svg' | 'webp' | 'avif' | 'tiff' | 'heic';

export interface ImageInfo {
  readonly mimeType: string;
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  readonly hasAlpha: boolean;
  /** Frames of an animated GIF or WebP; absent for still images. */
  readonly frameCount?: number;
}

/** The formats spec 000 lists, by the MIME type file-type reports for their magic bytes. */
const RASTER_FORMATS: Record<string, ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/tiff': 'tiff',
  'image/heic': 'heic',
  'image/heif': 'heic',
};

import { MAX_SVG_BYTES } from './preview-types.ts';

export { MAX_SVG_BYTES };

export const unhandledImageFormat = () => new AppError('UNHANDLED_IMAGE_FORMAT', 'Unhandled image format');

async function readText(path: string, size: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size);
    await handle.read(buffer, 0, size, 0);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Identifies an image from its bytes (never its name) and reads its header. Throws
 * UNHANDLED_IMAGE_FORMAT for anything that is not one of the supported formats, and
 * UNPROCESSABLE_IMAGE for a supported format that is corrupt or over the pixel limit.
 */
export async function probeImage(file: { path: string; size: number }, maxPixels: number): Promise<ImageInfo & { svgSource?: Buffer }> {
  const detected = await fileTypeFromFile(file.path);
  const raster = detected ? RASTER_FORMATS[detected.mime] : undefined;
  if (detected && raster) return probeRaster(file.path, detected.mime, raster, maxPixels);
  // file-type reports any text opening with an XML declaration as application/xml, as many SVGs do.
  if ((!detected || detected.mime === 'application/xml') && file.size <= MAX_SVG_BYTES) {
    const text = await readText(file.path, file.size);
    if (isSvg(text)) return probeSvg(Buffer.from(text), maxPixels);
  }
  throw unhandledImageFormat();
}

function corrupt(format: string, cause: unknown): AppError {
  return new AppError(
    'UNPROCESSABLE_IMAGE',
    `The ${format.toUpperCase()} image could not be read: the file is corrupt or truncated`,
    undefined,
    cause,
  );
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new AppError(
      'UNPROCESSABLE_IMAGE',
      `The image is ${width}×${height} pixels, more than the ${maxPixels.toLocaleString('en-US')}-pixel limit: resize it and upload again`,
    );
  }
}

async function probeRaster(path: string, mimeType: string, format: ImageFormat, maxPixels: number): Promise<ImageInfo> {
  let width: number | undefined;
  let height: number | undefined;
  let hasAlpha = false;
  let pages: number | undefined;
  try {
    // libheif parses a HEIC header without an HEVC decoder, so this reads HEIC sizes too.
    const meta = await sharp(path, { limitInputPixels: false }).metadata();
    // Width and height as displayed, after the EXIF orientation is applied.
    width = meta.autoOrient?.width ?? meta.width;
    height = meta.autoOrient?.height ?? meta.height;
    hasAlpha = meta.hasAlpha ?? false;
    pages = meta.pages;
  } catch (error) {
    throw corrupt(format, error);
  }
  if (!width || !height) throw corrupt(format, new Error('no dimensions'));
  checkPixels(width, height, maxPixels);
  const animated = (format === 'gif' || format === 'webp') && pages !== undefined && pages > 1;
  return { mimeType, format, width, height, hasAlpha, ...(animated ? { frameCount: pages } : {}) };
}

async function probeSvg(source: Buffer, maxPixels: number): Promise<ImageInfo & { svgSource: Buffer }> {
  try {
    // From a buffer, librsvg has no base path, so the SVG cannot pull in files from our disk.
    const meta = await sharp(source, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions');
    checkPixels(meta.width, meta.height, maxPixels);
    return { mimeType: 'image/svg+xml', format: 'svg', width: meta.width, height: meta.height, hasAlpha: true, svgSource: source };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw corrupt('svg', error);
  }
}
