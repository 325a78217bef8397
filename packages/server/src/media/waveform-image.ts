import sharp from 'sharp';
import type { Peaks } from './peaks.ts';

/** An audio tile: as wide as every thumbnail (256 px), half as high, like a player's strip. */
export const WAVEFORM_IMAGE = { width: 256, height: 128 } as const;

/** A mid grey-blue that reads on light and dark pages alike; the background is transparent. */
const COLOUR = '#5b6b82';
/** Below this the file is silence: drawn as the flat line it is, not amplified noise. */
const SILENCE = 1e-4;

/**
 * The waveform as a WebP image (THUMBNAIL_MIME), one bar per pixel column from the lowest to the
 * highest sample it covers, scaled to the loudest peak so that a quiet recording still shows its
 * shape. Drawn as SVG and rasterised by sharp (librsvg), which anti-aliases the bar ends.
 */
export async function renderWaveform(peaks: Peaks): Promise<Buffer> {
  const { width, height } = WAVEFORM_IMAGE;
  const middle = height / 2;
  let loudest = 0;
  for (let i = 0; i < peaks.min.length; i++) loudest = Math.max(loudest, -(peaks.min[i] as number), peaks.max[i] as number);
  const gain = loudest > SILENCE ? 1 / loudest : 1;
  const bars: string[] = [];
  const buckets = peaks.min.length;
  for (let x = 0; x < width && buckets > 0; x++) {
    // The buckets this column covers (at least one: a short file stretches its buckets).
    const from = Math.floor((x * buckets) / width);
    const to = Math.max(from + 1, Math.floor(((x + 1) * buckets) / width));
    let low = 0;
    let high = 0;
    for (let i = from; i < to; i++) {
      low = Math.min(low, peaks.min[i] as number);
      high = Math.max(high, peaks.max[i] as number);
    }
    // Half a pixel of margin, and at least one pixel of bar, so silence is a visible line.
    const top = middle - Math.min(1, high * gain) * (middle - 0.5);
    const bottom = middle - Math.max(-1, low * gain) * (middle - 0.5);
    const [y, barHeight] = bottom - top >= 1 ? [top, bottom - top] : [(top + bottom) / 2 - 0.5, 1];
    bars.push(`<rect x="${x}" y="${y.toFixed(2)}" width="1" height="${barHeight.toFixed(2)}"/>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g fill="${COLOUR}">${bars.join('')}</g></svg>`;
  return sharp(Buffer.from(svg)).webp({ quality: 78, alphaQuality: 90 }).toBuffer();
}
