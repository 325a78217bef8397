import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

/** A small image of the given format, made in memory (every format sharp can encode). */
export async function makeImage(
  format: 'png' | 'jpeg' | 'webp' | 'gif' | 'avif' | 'tiff',
  width = 40,
  height = 30,
  options: { alpha?: boolean; seed?: number } = {},
): Promise<Buffer> {
  const seed = options.seed ?? 0;
  const image = sharp({
    create: {
      width,
      height,
      channels: options.alpha ? 4 : 3,
      background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: 120, alpha: options.alpha ? 0.5 : 1 },
    },
  });
  return image.toFormat(format).toBuffer();
}

/** A PNG that is unique per seed, so each upload is its own file. */
export const uniquePng = (seed: number) => makeImage('png', 8 + (seed % 7), 8 + Math.floor(seed / 7), { seed });

export const svg = (width = 120, height = 80) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><script>alert(1)</script><rect width="${width}" height="${height}" fill="teal"/></svg>`,
  );
