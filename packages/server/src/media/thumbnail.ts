import sharp from 'sharp';
import { AppError } from '../errors.ts';
import type { ImageFormat } from './image.ts';

export const THUMBNAIL_MIME = 'image/webp';
const THUMBNAIL_EDGE = 256;

/** Whether sharp can decode the format at all (its libvips has no HEVC decoder). */
export const canThumbnail = (format: ImageFormat) => format !== 'heic';

/**
 * A small WebP preview, fitted inside 256×256, oriented, from the first frame.
 * `input` is a path, or the bytes for SVG (so it cannot reach the file system).
 */
export async function makeThumbnail(input: string | Buffer, format: ImageFormat, maxPixels: number): Promise<Buffer> {
  try {
    return await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 78 })
      .toBuffer();
  } catch (error) {
    throw new AppError(
      'UNPROCESSABLE_IMAGE',
      `The ${format.toUpperCase()} image could not be decoded: the file is corrupt or truncated`,
      undefined,
      error,
    );
  }
}
