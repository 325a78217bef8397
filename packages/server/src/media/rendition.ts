import { MAX_RENDITION_EDGE, RENDITION_FITS, RENDITION_FORMATS, type RenditionFit, type RenditionFormat } from '@assetd/contract/scenario';
import { AppError } from '../errors.ts';
import type { ImageFormat } from './image.ts';

/**
 * A resized copy of an image, asked for by URL parameters (as Supabase's image transformation
 * and Cloudinary's URLs do): `width`, `height`, `fit`, `format`, `quality`. Never larger than the
 * original (a rendition only reduces), never over MAX_RENDITION_EDGE a side.
 *
 * - `inside` (the default with one side given): the whole image, within width × height.
 * - `cover` (the default with both sides given): exactly that shape, cropped from the centre.
 * - `contain`: exactly that shape, the whole image letterboxed (transparent, white for JPEG).
 *
 * An original smaller than the box keeps its size: `cover` and `contain` then give the largest
 * box of the asked shape the original can fill without enlarging.
 */
export { MAX_RENDITION_EDGE, RENDITION_FITS, RENDITION_FORMATS, type RenditionFit, type RenditionFormat };
export type OutputFormat = Exclude<RenditionFormat, 'origin'> | 'gif';

export const DEFAULT_RENDITION_QUALITY = 80;

export interface Rendition {
  readonly width?: number;
  readonly height?: number;
  readonly fit: RenditionFit;
  readonly format: RenditionFormat;
  /** 1–100; only lossy outputs use it. */
  readonly quality: number;
}

/** The parameters as a request or a caller gives them, any of them absent. */
export interface RenditionParams {
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  readonly fit?: RenditionFit | undefined;
  readonly format?: RenditionFormat | undefined;
  readonly quality?: number | undefined;
}

export const hasRenditionParams = (params: RenditionParams) =>
  params.width !== undefined ||
  params.height !== undefined ||
  params.fit !== undefined ||
  params.format !== undefined ||
  params.quality !== undefined;

const edge = (name: string, value: number | undefined) => {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > MAX_RENDITION_EDGE) {
    throw new AppError('VALIDATION_ERROR', `${name} must be a whole number of pixels from 1 to ${MAX_RENDITION_EDGE}`);
  }
  return value;
};

/** The rendition the parameters ask for, with the defaults filled in. */
export function renditionOf(params: RenditionParams): Rendition {
  const width = edge('width', params.width);
  const height = edge('height', params.height);
  const quality = params.quality ?? DEFAULT_RENDITION_QUALITY;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100)
    throw new AppError('VALIDATION_ERROR', 'quality must be a whole number from 1 to 100');
  if (params.fit !== undefined && !RENDITION_FITS.includes(params.fit)) {
    throw new AppError('VALIDATION_ERROR', `fit must be one of ${RENDITION_FITS.join(', ')}`);
  }
  if (params.format !== undefined && !RENDITION_FORMATS.includes(params.format)) {
    throw new AppError('VALIDATION_ERROR', `format must be one of ${RENDITION_FORMATS.join(', ')}`);
  }
  const fit = width !== undefined && height !== undefined ? (params.fit ?? 'cover') : 'inside';
  return {
    ...(width !== undefined ? { width } : {}),
    ...(height !== undefined ? { height } : {}),
    fit,
    format: params.format ?? 'webp',
    quality,
  };
}

const LOSSLESS = new Set<RenditionFormat>(['png']);

/**
 * The rendition's canonical name: what a link's signature covers and what its cached copy is
 * stored as (`w256-h256-cover-q80.webp`, `w512-q80.avif`, `h300.png`). Two spellings of one
 * rendition (a default given or left out, a fit that one side makes moot) have one name.
 */
export function renditionName(rendition: Rendition): string {
  const parts = [
    ...(rendition.width !== undefined ? [`w${rendition.width}`] : []),
    ...(rendition.height !== undefined ? [`h${rendition.height}`] : []),
    ...(rendition.width !== undefined && rendition.height !== undefined ? [rendition.fit] : []),
    ...(LOSSLESS.has(rendition.format) ? [] : [`q${rendition.quality}`]),
  ];
  return `${parts.join('-') || 'full'}.${rendition.format}`;
}

/** What renditionName makes, and nothing else (a leftover temporary file is not a rendition). */
export const RENDITION_NAME = /^(w\d{1,4}(-h\d{1,4}-(cover|contain|inside))?|h\d{1,4}|full)?(-?q\d{1,3})?\.(webp|avif|jpeg|png|origin)$/;

/** The image formats renditions are made from (by their stored MIME type). */
const SOURCES: Record<string, ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/tiff': 'tiff',
  'image/heic': 'heic',
  'image/heif': 'heic',
  'image/svg+xml': 'svg',
};

export const renditionSource = (mimeType: string): ImageFormat | undefined => SOURCES[mimeType];

/** The format a rendition is written in: `origin` resolved against the original's. */
export function outputFormat(format: RenditionFormat, source: ImageFormat): OutputFormat {
  if (format !== 'origin') return format;
  return source === 'jpeg' || source === 'png' || source === 'webp' || source === 'avif' || source === 'gif' ? source : 'png';
}

export const OUTPUT_MIME: Record<OutputFormat, string> = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
};

/**
 * The pixel size of the rendition of an image of `source` size (as displayed, EXIF orientation
 * applied): what is served, and what the API announces beside a rendition link.
 */
export function renditionSize(source: { width: number; height: number }, rendition: Rendition): { width: number; height: number } {
  const { width: w, height: h } = rendition;
  const round = (value: number) => Math.max(1, Math.round(value));
  if (w !== undefined && h !== undefined && rendition.fit !== 'inside') {
    // The largest box of the asked shape, no larger than asked, that needs no enlarging:
    // cover must fill it (both sides fit in the original), contain must fit one side.
    const factor =
      rendition.fit === 'cover'
        ? Math.min(1, source.width / w, source.height / h)
        : Math.min(1, Math.max(source.width / w, source.height / h));
    return { width: round(w * factor), height: round(h * factor) };
  }
  const scale = Math.min(
    1,
    (w ?? MAX_RENDITION_EDGE) / source.width,
    (h ?? MAX_RENDITION_EDGE) / source.height,
    MAX_RENDITION_EDGE / source.width,
    MAX_RENDITION_EDGE / source.height,
  );
  return { width: round(source.width * scale), height: round(source.height * scale) };
}
