import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, makeImage, svg } from '../../test/helpers/images.ts';
import { AppError } from '../errors.ts';
import { probeImage } from './image.ts';
import { makeThumbnail } from './thumbnail.ts';

/** The default of ASSETD_MAX_IMAGE_PIXELS. */
const MAX_PIXELS = 268_402_689;

let dir: string;
let count = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'assetd-image-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes bytes to a temp file, as an upload is staged, and returns what probeImage takes. */
async function stage(bytes: Buffer, name = 'upload'): Promise<{ path: string; size: number }> {
  const file = path.join(dir, `${++count}-${name}`);
  await writeFile(file, bytes);
  return { path: file, size: bytes.length };
}

const probe = async (bytes: Buffer, maxPixels = MAX_PIXELS) => probeImage(await stage(bytes), maxPixels);

/** Probes then thumbnails (as the upload path does), returning the thumbnail or the error either step threw. */
async function probeAndThumbnail(bytes: Buffer): Promise<Buffer | unknown> {
  try {
    const staged = await stage(bytes);
    const info = await probeImage(staged, MAX_PIXELS);
    return await makeThumbnail(info.svgSource ?? staged.path, info.format, MAX_PIXELS);
  } catch (error) {
    return error;
  }
}

describe('probeImage on each supported format', () => {
  const rasters = [
    { format: 'png', mimeType: 'image/png', alpha: true },
    { format: 'jpeg', mimeType: 'image/jpeg', alpha: false },
    { format: 'gif', mimeType: 'image/gif', alpha: undefined },
    { format: 'webp', mimeType: 'image/webp', alpha: true },
    { format: 'avif', mimeType: 'image/avif', alpha: true },
    { format: 'tiff', mimeType: 'image/tiff', alpha: false },
  ] as const;

  it.each(rasters)('$format: MIME type, format and size from the bytes', async ({ format, mimeType, alpha }) => {
    const info = await probe(await makeImage(format, 40, 30));
    expect(info).toMatchObject({ mimeType, format, width: 40, height: 30 });
    expect(info).not.toHaveProperty('frameCount');
    expect(info).not.toHaveProperty('svgSource');
    // GIF's decoder always yields an alpha band, so hasAlpha says nothing about the file there.
    if (alpha !== undefined) expect(info.hasAlpha).toBe(false);
  });

  it.each(rasters.filter((r) => r.alpha))('$format: hasAlpha is true for an image with an alpha channel', async ({ format }) => {
    const info = await probe(await makeImage(format, 40, 30, { alpha: true }));
    expect(info.hasAlpha).toBe(true);
  });

  it('identifies by content, never by name', async () => {
    const staged = await stage(await makeImage('png', 12, 10), 'photo.jpg');
    await expect(probeImage(staged, MAX_PIXELS)).resolves.toMatchObject({ mimeType: 'image/png', format: 'png', width: 12, height: 10 });
  });

  it('SVG: sized from its attributes, and returns the source to thumbnail from', async () => {
    const source = svg(120, 80);
    const info = await probe(source);
    expect(info).toMatchObject({ mimeType: 'image/svg+xml', format: 'svg', width: 120, height: 80, hasAlpha: true });
    expect(info.svgSource?.equals(source)).toBe(true);
  });

  it('SVG with an XML declaration and DOCTYPE (as editors write them)', async () => {
    const source = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' +
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20" fill="teal"/></svg>\n',
    );
    await expect(probe(source)).resolves.toMatchObject({ mimeType: 'image/svg+xml', format: 'svg', width: 30, height: 20 });
  });

  it('HEIC (HEVC-coded): size from the header, although sharp cannot decode it (a 1×1 grid of one 64×64 tile, cropped to 64×48)', async () => {
    const info = await probe(fixture('image.heic'));
    expect(info).toEqual({ mimeType: 'image/heic', format: 'heic', width: 64, height: 48, hasAlpha: false });
  });
});

describe('probeImage on animation and orientation', () => {
  it('animated GIF: frame size and frameCount 3', async () => {
    const info = await probe(fixture('animated.gif'));
    expect(info).toMatchObject({ mimeType: 'image/gif', format: 'gif', width: 32, height: 24, frameCount: 3 });
  });

  it('animated WebP: frame size and frameCount 3', async () => {
    const info = await probe(fixture('animated.webp'));
    expect(info).toMatchObject({ mimeType: 'image/webp', format: 'webp', width: 32, height: 24, frameCount: 3 });
  });

  it('JPEG with EXIF orientation 6: the displayed size, not the stored one', async () => {
    // The fixture is stored 40×30; orientation 6 turns it a quarter turn.
    expect((await sharp(fixture('rotated.jpg')).metadata()).orientation).toBe(6);
    const info = await probe(fixture('rotated.jpg'));
    expect(info).toMatchObject({ mimeType: 'image/jpeg', format: 'jpeg', width: 30, height: 40, hasAlpha: false });
  });
});

describe('probeImage refusals', () => {
  it('a text file is UNHANDLED_IMAGE_FORMAT', async () => {
    const error = await probe(fixture('not-an-image.txt')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'UNHANDLED_IMAGE_FORMAT', message: 'Unhandled image format' });
  });

  it('HTML that contains an SVG is not an SVG', async () => {
    const html = Buffer.from(`<!doctype html><html><body>${svg(10, 10).toString()}</body></html>`);
    await expect(probe(html)).rejects.toMatchObject({ code: 'UNHANDLED_IMAGE_FORMAT', message: 'Unhandled image format' });
  });

  it('a truncated PNG is UNPROCESSABLE_IMAGE, from the probe or at the latest the thumbnail', async () => {
    const outcome = await probeAndThumbnail(fixture('truncated.png'));
    expect(outcome).toBeInstanceOf(AppError);
    expect(outcome).toMatchObject({ code: 'UNPROCESSABLE_IMAGE' });
  });

  it('a PNG declaring 100000×100000 pixels is refused from its header', async () => {
    const bomb = fixture('bomb.png');
    // 68 bytes: decoding it would fail as corrupt, so the pixel-limit message shows only the header was read.
    expect(bomb.length).toBeLessThan(100);
    const error = await probe(bomb).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'UNPROCESSABLE_IMAGE' });
    expect((error as AppError).message).toContain('100000×100000');
    expect((error as AppError).message).toContain('268,402,689-pixel limit');
  });

  it('the pixel limit is the one passed in', async () => {
    const png = await makeImage('png', 40, 30);
    await expect(probe(png, 40 * 30)).resolves.toMatchObject({ width: 40, height: 30 });
    await expect(probe(png, 40 * 30 - 1)).rejects.toMatchObject({
      code: 'UNPROCESSABLE_IMAGE',
      message: expect.stringContaining('1,199-pixel limit'),
    });
  });

  it('an SVG declaring 100000×100000 pixels is refused without rendering', async () => {
    const bomb = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="10" height="10"/></svg>');
    await expect(probe(bomb)).rejects.toMatchObject({ code: 'UNPROCESSABLE_IMAGE', message: expect.stringContaining('pixel limit') });
  });
});

describe('SVG that references files', () => {
  const cleanly = (outcome: unknown) => {
    if (Buffer.isBuffer(outcome)) return;
    expect(outcome).toBeInstanceOf(AppError);
    expect(outcome).toMatchObject({ code: 'UNPROCESSABLE_IMAGE' });
  };

  it('<image href="file:///etc/passwd"/> is probed and thumbnailed, or refused cleanly', async () => {
    const source = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="50" height="40">' +
        '<image href="file:///etc/passwd" width="50" height="40"/><image xlink:href="file:///etc/passwd" width="50" height="40"/></svg>',
    );
    cleanly(await probeAndThumbnail(source));
  });

  it('an external entity or XInclude of /etc/passwd is probed and thumbnailed, or refused cleanly', async () => {
    const entity = Buffer.from(
      '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="50" height="40"><text y="20">&x;</text></svg>',
    );
    const xinclude = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude" width="50" height="40">' +
        '<text y="20"><xi:include href="file:///etc/passwd" parse="text"/></text></svg>',
    );
    cleanly(await probeAndThumbnail(entity));
    cleanly(await probeAndThumbnail(xinclude));
  });

  it('a referenced image on disk is not drawn into the thumbnail', async () => {
    // A red PNG on disk, referenced by absolute URL, path and a name relative to the SVG, over a blue background.
    const red = await stage(
      await sharp({ create: { width: 50, height: 40, channels: 3, background: '#ff0000' } })
        .png()
        .toBuffer(),
      'red.png',
    );
    const refs = [`file://${red.path}`, red.path, path.basename(red.path)];
    const source = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="50" height="40"><rect width="50" height="40" fill="#0000ff"/>${refs
        .map((href) => `<image href="${href}" width="50" height="40"/>`)
        .join('')}</svg>`,
    );
    const thumbnail = await probeAndThumbnail(source);
    expect(Buffer.isBuffer(thumbnail)).toBe(true);
    const { data, info } = await sharp(thumbnail as Buffer)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 50, height: 40, channels: 3 });
    // Every pixel is (near) the background blue; none took the red of the referenced file.
    let maxRed = 0;
    let minBlue = 255;
    for (let i = 0; i < data.length; i += 3) {
      maxRed = Math.max(maxRed, data[i] ?? 255);
      minBlue = Math.min(minBlue, data[i + 2] ?? 0);
    }
    expect(maxRed).toBeLessThan(16);
    expect(minBlue).toBeGreaterThan(239);
  });
});
