import sharp from 'sharp';
import { AppError } from '../errors.ts';
import { decodeHeic } from './heic.ts';
import type { ImageFormat } from './image.ts';

export { PREVIEW_MIME, THUMBNAIL_MIME, WAVEFORM_MIME } from './preview-types.ts';

const THUMBNAIL_EDGE = 256;

/**
 * A small WebP preview, fitted inside 256×256, oriented, from the first frame.
 * `input` is a path, or the bytes for SVG (so it cannot reach the file system).
 */
export async function makeThumbnail(input: string | Buffer, format: ImageFormat, maxPixels: number): Promise<Buffer> {
  try {
    // HEIC is decoded by libheif (WebAssembly), already turned upright; the rest by sharp.
    const image =
      format === 'heic' && typeof input === 'string'
        ? await decodeHeic(input).then(({ width, height, data }) => sharp(data, { raw: { width, height, channels: 4 } }))
        : sharp(input, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
    return await image.resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 78 }).toBuffer();
  } catch (error) {
    throw new AppError(
      'UNPROCESSABLE_IMAGE',
      `The ${format.toUpperCase()} image could not be decoded: the file is corrupt or truncated`,
      undefined,
      error,
    );
  }
}
