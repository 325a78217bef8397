import { describe, expect, it } from 'vitest';
import { renditions } from '../http/file-links.ts';
import { MAX_RENDITION_EDGE, RENDITION_NAME, renditionName, renditionOf, renditionSize } from './rendition.ts';

describe('renditionOf and renditionName', () => {
  it('fills in the defaults, and gives one name to every spelling of one rendition', () => {
    expect(renditionOf({ width: 256, height: 256 })).toEqual({ width: 256, height: 256, fit: 'cover', format: 'webp', quality: 80 });
    expect(renditionName(renditionOf({ width: 256, height: 256 }))).toBe('w256-h256-cover-q80.webp');
    expect(renditionName(renditionOf({ width: 256, height: 256, fit: 'cover', format: 'webp', quality: 80 }))).toBe(
      'w256-h256-cover-q80.webp',
    );
    // One side makes the fit moot; PNG has no quality.
    expect(renditionName(renditionOf({ width: 300, fit: 'contain' }))).toBe('w300-q80.webp');
    expect(renditionName(renditionOf({ height: 90, format: 'png', quality: 10 }))).toBe('h90.png');
    expect(renditionName(renditionOf({ format: 'avif' }))).toBe('q80.avif');
    expect(renditionName(renditionOf({ format: 'png' }))).toBe('full.png');
  });

  it('names only renditions as renditions: a temporary left beside one is not', () => {
    const names = [
      renditionOf({ width: 1, height: MAX_RENDITION_EDGE, fit: 'contain', format: 'jpeg', quality: 100 }),
      renditionOf({ width: 10, height: 20, fit: 'inside', format: 'origin' }),
      renditionOf({ height: 7, format: 'png' }),
      renditionOf({ format: 'png' }),
      renditionOf({ quality: 5 }),
    ].map(renditionName);
    for (const name of names) expect(name).toMatch(RENDITION_NAME);
    for (const name of ['w10-q80.webp.ab12cd34.part', 'w10.gif', 'x.webp', '../w10-q80.webp', 'w10-q80.webp/'])
      expect(name).not.toMatch(RENDITION_NAME);
  });

  it('refuses sizes and qualities out of bounds', () => {
    expect(() => renditionOf({ width: MAX_RENDITION_EDGE + 1 })).toThrow(/width/);
    expect(() => renditionOf({ height: 0 })).toThrow(/height/);
    expect(() => renditionOf({ width: 10.5 })).toThrow(/width/);
    expect(() => renditionOf({ quality: 101 })).toThrow(/quality/);
  });
});

describe('renditionSize', () => {
  const photo = { width: 4000, height: 3000 };
  it.each([
    [{ width: 400 }, { width: 400, height: 300 }],
    [{ height: 300 }, { width: 400, height: 300 }],
    [
      { width: 400, height: 400 },
      { width: 400, height: 400 },
    ],
    [
      { width: 400, height: 400, fit: 'inside' as const },
      { width: 400, height: 300 },
    ],
    [
      { width: 400, height: 400, fit: 'contain' as const },
      { width: 400, height: 400 },
    ],
    // Never enlarged: the largest box of that shape the original can give.
    [{ width: 4096 }, { width: 4000, height: 3000 }],
    [
      { width: 4000, height: 4000 },
      { width: 3000, height: 3000 },
    ],
    [
      { width: 4096, height: 4096, fit: 'contain' as const },
      { width: 4000, height: 4000 },
    ],
    [{}, { width: 4000, height: 3000 }],
  ])('%j of 4000 × 3000 is %j', (params, expected) => {
    expect(renditionSize(photo, renditionOf(params))).toEqual(expected);
  });

  it('keeps a huge original within the largest edge', () => {
    expect(renditionSize({ width: 20_000, height: 10_000 }, renditionOf({}))).toEqual({ width: MAX_RENDITION_EDGE, height: 2048 });
  });
});

describe('renditions (the links a grid gets)', () => {
  const file = { id: 'file_x', storageKey: 'objects/x', size: 1, sha256: 'x', mimeType: 'image/jpeg' };
  const link = (_: unknown, rendition: Parameters<typeof renditionName>[0]) => renditionName(rendition);

  it('one per pixel ratio, leaving out those the original is too small for', () => {
    const links = renditions(link, file, { width: 500, height: 500 }, { width: 200, height: 200, pixelRatios: [3, 1, 2, 2] });
    expect(links.map(({ pixelRatio, width, height, url }) => [pixelRatio, width, height, url])).toEqual([
      [1, 200, 200, 'w200-h200-cover-q80.webp'],
      [2, 400, 400, 'w400-h400-cover-q80.webp'],
      // 3x asks 600 × 600 and gets 500 × 500: still more than 2x.
      [3, 500, 500, 'w600-h600-cover-q80.webp'],
    ]);
    expect(renditions(link, file, { width: 150, height: 150 }, { width: 200, pixelRatios: [1, 2] })).toHaveLength(1);
  });

  it('keeps a large box within the largest edge, and makes none of what is not an image', () => {
    const [big] = renditions(link, file, { width: 10_000, height: 5_000 }, { width: 3000, pixelRatios: [2] });
    expect(big).toMatchObject({ width: MAX_RENDITION_EDGE, height: 2048, url: `w${MAX_RENDITION_EDGE}-q80.webp` });
    expect(renditions(link, { ...file, mimeType: 'audio/mpeg' }, { width: 10, height: 10 }, { width: 5, pixelRatios: [1] })).toEqual([]);
  });
});
