import type { Asset } from '../../assets/asset.ts';
import { AppError } from '../../errors.ts';
import type { RenditionFit, RenditionFormat } from '../../media/rendition.ts';
import { type RenditionLink, type RenditionLinker, type RenditionRequest, renditions } from '../file-links.ts';

/** The rendition parameters of `GET /v1/assets` and `GET /v1/assets/{id}`. */
export interface RenditionQueryParams {
  readonly renditionWidth?: number | undefined;
  readonly renditionHeight?: number | undefined;
  readonly renditionFit?: RenditionFit | undefined;
  readonly renditionFormat?: RenditionFormat | undefined;
  readonly renditionQuality?: number | undefined;
  readonly renditionPixelRatios?: string | undefined;
}

const DEFAULT_PIXEL_RATIOS = [1, 2];

/** What the query asks of renditions, or undefined when it asks for none. */
export function renditionRequestOf(query: RenditionQueryParams): RenditionRequest | undefined {
  const asked = [
    query.renditionWidth,
    query.renditionHeight,
    query.renditionFit,
    query.renditionFormat,
    query.renditionQuality,
    query.renditionPixelRatios,
  ];
  if (asked.every((value) => value === undefined)) return undefined;
  const pixelRatios = query.renditionPixelRatios?.split(',').map(Number) ?? DEFAULT_PIXEL_RATIOS;
  if (pixelRatios.some((ratio) => !(ratio >= 0.5 && ratio <= 4))) {
    throw new AppError('VALIDATION_ERROR', 'renditionPixelRatios takes up to four numbers from 0.5 to 4, e.g. 1,2,3');
  }
  return {
    width: query.renditionWidth,
    height: query.renditionHeight,
    fit: query.renditionFit,
    format: query.renditionFormat,
    quality: query.renditionQuality,
    pixelRatios,
  };
}

/** An asset's renditions for the request: images with known dimensions only. */
export function assetRenditions(link: RenditionLinker, request: RenditionRequest): (asset: Asset) => RenditionLink[] | undefined {
  return (asset) =>
    asset.kind === 'image' && asset.width !== null && asset.height !== null
      ? renditions(link, asset.file, { width: asset.width, height: asset.height }, request)
      : undefined;
}
