import sharp, { type Sharp } from 'sharp';
import { AppError } from '../errors.ts';
import { decodeHeic } from './heic.ts';
import type { ImageFormat } from './image.ts';
import { OUTPUT_MIME, outputFormat, type Rendition, renditionSize } from './rendition.ts';

export interface RenderedRendition {
  readonly bytes: Buffer;
  readonly mimeType: string;
  readonly width: number;
  readonly height: number;
}

/** What `contain` pads with: nothing where the output has alpha, white where it has none (JPEG). */
const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };
const WHITE = '#ffffff';

/**
 * Draws a rendition of an image: `input` is the original's path, or its bytes for SVG (so
 * librsvg has no file system to resolve references against). Oriented by EXIF first, so sizes
 * are those the image is displayed at; an animated image gives its first frame. HEIC is decoded
 * by libheif (WebAssembly), as its thumbnail is. Decoding refuses images over `maxPixels`.
 */
export async function renderRendition(
  input: string | Buffer,
  source: ImageFormat,
  rendition: Rendition,
  maxPixels: number,
): Promise<RenderedRendition> {
  try {
    let image: Sharp;
    let size: { width: number; height: number };
    if (source === 'heic' && typeof input === 'string') {
      const { width, height, data } = await decodeHeic(input);
      image = sharp(data, { raw: { width, height, channels: 4 } });
      size = { width, height };
    } else {
      image = sharp(input, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
      const metadata = await sharp(input, { limitInputPixels: maxPixels }).metadata();
      size = metadata.autoOrient;
    }
    const target = renditionSize(size, rendition);
    const format = outputFormat(rendition.format, source);
    image = image.resize(target.width, target.height, {
      // The size is already decided (renditionSize): `inside` is a plain scale to it.
      fit: rendition.fit === 'inside' ? 'fill' : rendition.fit,
      ...(rendition.fit === 'contain' ? { background: format === 'jpeg' ? WHITE : TRANSPARENT } : {}),
    });
    const quality = rendition.quality;
    const encoded = {
      webp: () => image.webp({ quality }),
      avif: () => image.avif({ quality }),
      jpeg: () => image.flatten({ background: WHITE }).jpeg({ quality }),
      png: () => image.png(),
      gif: () => image.gif(),
    }[format]();
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { bytes: data, mimeType: OUTPUT_MIME[format], width: info.width, height: info.height };
  } catch (error) {
    throw new AppError(
      'UNPROCESSABLE_IMAGE',
      `The ${source.toUpperCase()} image could not be resized: the file is corrupt, or over the pixel limit`,
      undefined,
      error,
    );
  }
}
