import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixtureFile } from '../../../test/helpers/media-files.ts';
import type { ModelFormat } from '../model3d/index.ts';
import { MODEL_PREVIEW_EDGE, MODEL_THUMBNAIL_EDGE, renderModelPreview } from './model-preview.ts';

const OPTIONS = { timeoutMs: 120_000, maxTriangles: 5_000_000 };
const BACKGROUND = [232, 233, 236];

/** Pixels far from the neutral background: the model is drawn. */
async function drawnPixels(webp: Buffer): Promise<{ width: number; height: number; drawn: number; rgb: Buffer }> {
  const { data, info } = await sharp(webp).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let drawn = 0;
  for (let i = 0; i < data.length; i += 3) {
    const distance =
      Math.abs((data[i] as number) - (BACKGROUND[0] as number)) +
      Math.abs((data[i + 1] as number) - (BACKGROUND[1] as number)) +
      Math.abs((data[i + 2] as number) - (BACKGROUND[2] as number));
    if (distance > 30) drawn++;
  }
  return { width: info.width, height: info.height, drawn, rgb: data };
}

// Each render starts a worker thread that loads the model readers and sharp: slow on a busy machine.
describe('3D previews', { timeout: 180_000 }, () => {
  it.each<[string, ModelFormat]>([
    ['model.glb', 'glb'],
    ['model-embedded.gltf', 'gltf'],
    ['model-textured.gltf', 'gltf'],
    ['model.obj', 'obj'],
    ['model-ascii.stl', 'stl'],
    ['model-binary.stl', 'stl'],
    ['model-ascii.ply', 'ply'],
    ['model-binary.ply', 'ply'],
    ['model-colored.ply', 'ply'],
    ['model.fbx', 'fbx'],
    ['model.vox', 'vox'],
  ])('%s renders a 1024-px preview and a 256-px thumbnail of the model', async (file, format) => {
    const result = await renderModelPreview(fixtureFile(file).path, format, OPTIONS);
    if ('unavailable' in result) throw new Error(result.unavailable);
    const preview = await drawnPixels(result.preview);
    const thumbnail = await drawnPixels(result.thumbnail);
    expect([preview.width, preview.height]).toEqual([MODEL_PREVIEW_EDGE, MODEL_PREVIEW_EDGE]);
    expect([thumbnail.width, thumbnail.height]).toEqual([MODEL_THUMBNAIL_EDGE, MODEL_THUMBNAIL_EDGE]);
    // Framed by its bounds: the model covers a good share of the image, and not all of it.
    expect(preview.drawn / (MODEL_PREVIEW_EDGE * MODEL_PREVIEW_EDGE)).toBeGreaterThan(file === 'model.vox' ? 0.02 : 0.15);
    expect(preview.drawn).toBeLessThan(MODEL_PREVIEW_EDGE * MODEL_PREVIEW_EDGE);
    expect(thumbnail.drawn).toBeGreaterThan(0);
  });

  it('terminates the render and rejects with the reason when its signal aborts (the job lost its lease)', async () => {
    const stop = new AbortController();
    const reason = new Error('lease lost');
    setTimeout(() => stop.abort(reason), 20);
    await expect(renderModelPreview(fixtureFile('model.glb').path, 'glb', { ...OPTIONS, signal: stop.signal })).rejects.toBe(reason);
  });

  it('draws a textured glTF with its texture colours', async () => {
    const result = await renderModelPreview(fixtureFile('model-textured.gltf').path, 'gltf', OPTIONS);
    if ('unavailable' in result) throw new Error(result.unavailable);
    const { rgb } = await drawnPixels(result.preview);
    // The texture's quadrants are pure red, green, blue and yellow; lit, each keeps its hue.
    const hues = { red: 0, green: 0, blue: 0, yellow: 0 };
    for (let i = 0; i < rgb.length; i += 3) {
      const [r, g, b] = [rgb[i] as number, rgb[i + 1] as number, rgb[i + 2] as number];
      if (r > 100 && g < 40 && b < 40) hues.red++;
      else if (g > 100 && r < 40 && b < 40) hues.green++;
      else if (b > 100 && r < 40 && g < 40) hues.blue++;
      else if (r > 100 && g > 90 && b < 40) hues.yellow++;
    }
    for (const count of Object.values(hues)) expect(count).toBeGreaterThan(10_000);
  });

  it('draws vertex colours', async () => {
    const result = await renderModelPreview(fixtureFile('model-colored.ply').path, 'ply', OPTIONS);
    if ('unavailable' in result) throw new Error(result.unavailable);
    const { rgb } = await drawnPixels(result.preview);
    let reddish = 0;
    let bluish = 0;
    for (let i = 0; i < rgb.length; i += 3) {
      if ((rgb[i] as number) > 2 * (rgb[i + 1] as number) + 40) reddish++;
      if ((rgb[i + 2] as number) > 2 * (rgb[i] as number) + 40) bluish++;
    }
    expect(reddish).toBeGreaterThan(1000);
    expect(bluish).toBeGreaterThan(1000);
  });

  it('gives no preview, with the reason, for a model over the triangle limit', async () => {
    const result = await renderModelPreview(fixtureFile('model.glb').path, 'glb', { ...OPTIONS, maxTriangles: 4 });
    expect(result).toEqual({ unavailable: 'the model has 12 triangles, more than the 4 a preview is drawn for' });
  });

  it('gives no preview when the time budget runs out, and stops the renderer', async () => {
    const result = await renderModelPreview(fixtureFile('model.glb').path, 'glb', { ...OPTIONS, timeoutMs: 0 });
    expect(result).toHaveProperty('unavailable');
  });
});
