import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import type { ModelFormat } from '../model3d/index.ts';
import { sceneOf } from '../model3d/scene-of.ts';
import { rasterise } from './rasterise.ts';
import { triangleCount } from './scene.ts';

/** What the thread is asked: one file, one format, the sizes, and the moment it must give up. */
export interface RenderRequest {
  readonly path: string;
  readonly format: ModelFormat;
  readonly previewEdge: number;
  readonly thumbnailEdge: number;
  readonly maxTriangles: number;
  readonly deadline: number;
}

export type RenderReply =
  | { readonly ok: true; readonly preview: Uint8Array; readonly thumbnail: Uint8Array; readonly triangles: number }
  | { readonly ok: false; readonly reason: string; readonly tooLarge?: boolean };

const BACKGROUND = [232, 233, 236] as const;
/** Rendered at 1.5× the preview's size and scaled down: the scaling is the anti-aliasing (2× cost 1.8× the time for little gain). */
const SUPERSAMPLE = 1.5;

async function render(request: RenderRequest): Promise<RenderReply> {
  const scene = await sceneOf(request.path, request.format);
  const triangles = triangleCount(scene);
  if (triangles === 0) return { ok: false, reason: 'the model has no triangle to draw' };
  if (Date.now() > request.deadline) return { ok: false, reason: 'reading the model used up the time budget of its preview' };
  if (triangles > request.maxTriangles) {
    return {
      ok: false,
      tooLarge: true,
      reason: `the model has ${triangles.toLocaleString('en-US')} triangles, more than the ${request.maxTriangles.toLocaleString('en-US')} a preview is drawn for`,
    };
  }
  const size = Math.round(request.previewEdge * SUPERSAMPLE);
  const pixels = rasterise(scene, { size, background: BACKGROUND, deadline: request.deadline });
  const raw = { raw: { width: size, height: size, channels: 3 as const } };
  const [preview, thumbnail] = await Promise.all([
    sharp(pixels, raw).resize(request.previewEdge, request.previewEdge, { kernel: 'lanczos3' }).webp({ quality: 82 }).toBuffer(),
    sharp(pixels, raw).resize(request.thumbnailEdge, request.thumbnailEdge, { kernel: 'lanczos3' }).webp({ quality: 78 }).toBuffer(),
  ]);
  return { ok: true, preview, thumbnail, triangles };
}

if (parentPort) {
  const port = parentPort;
  render(workerData as RenderRequest).then(
    (reply) => port.postMessage(reply),
    (error: unknown) =>
      port.postMessage({ ok: false, reason: error instanceof Error ? error.message : String(error) } satisfies RenderReply),
  );
}

export { render as renderInThisThread };
