import type { Asset } from './types.ts';

/**
 * The `srcset` of an `<img>` for an asset's renditions ("url 1x, url 2x"): the browser picks
 * the one for the screen's pixel ratio. Undefined when the asset has none (not an image, or
 * listed without rendition parameters): use its `url` or `thumbnail` then.
 *
 * ```ts
 * const page = await client.assets.list({ kind: 'image', renditionWidth: 240, renditionHeight: 240, renditionPixelRatios: '1,2,3' });
 * for (const asset of page.items) grid.append(Object.assign(new Image(240, 240), { src: asset.renditions?.[0]?.url, srcset: srcsetOf(asset) ?? '' }));
 * ```
 */
export function srcsetOf(asset: Pick<Asset, 'renditions'>): string | undefined {
  const renditions = asset.renditions;
  if (!renditions || renditions.length === 0) return undefined;
  return renditions.map((rendition) => `${rendition.url} ${rendition.pixelRatio}x`).join(', ');
}
