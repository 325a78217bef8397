import { Worker } from 'node:worker_threads';
import type { ModelFormat } from '../model3d/index.ts';
import type { RenderReply, RenderRequest } from './render-worker.ts';

/** The 3D preview sizes: the tile's thumbnail and the larger preview. */
export const MODEL_THUMBNAIL_EDGE = 256;
export const MODEL_PREVIEW_EDGE = 1024;

export interface ModelPreviewOptions {
  /** The render is stopped past this, and the model gets no preview. */
  readonly timeoutMs: number;
  /** Models with more triangles are not drawn at all (no time budget would fit them). */
  readonly maxTriangles: number;
  /** Terminates the render at once, and rejects with the signal's reason: the job that wanted it was stopped. */
  readonly signal?: AbortSignal | undefined;
}

/** WebP renders, or why there is none: a preview is never a reason to fail an import. */
export type ModelPreview = { readonly preview: Buffer; readonly thumbnail: Buffer } | { readonly unavailable: string };

/**
 * Renders a 3D file in a worker thread, so that a large model neither blocks this process's
 * event loop nor outlives its budget: past the timeout (or when `signal` aborts) the thread is
 * terminated, whatever it was doing (parsing, rasterising or encoding).
 */
export function renderModelPreview(path: string, format: ModelFormat, options: ModelPreviewOptions): Promise<ModelPreview> {
  const request: RenderRequest = {
    path,
    format,
    previewEdge: MODEL_PREVIEW_EDGE,
    thumbnailEdge: MODEL_THUMBNAIL_EDGE,
    maxTriangles: options.maxTriangles,
    deadline: Date.now() + options.timeoutMs,
  };
  const { signal } = options;
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const worker = new Worker(new URL('./render-worker.ts', import.meta.url), { workerData: request });
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      void worker.terminate();
      return true;
    };
    const finish = (result: ModelPreview) => {
      if (settle()) resolve(result);
    };
    const stop = () => {
      if (settle()) reject(signal?.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(
      () => finish({ unavailable: `rendering took longer than ${Math.round(options.timeoutMs / 1000)} s` }),
      options.timeoutMs + 1000,
    );
    worker.once('message', (reply: RenderReply) => {
      if (reply.ok) finish({ preview: Buffer.from(reply.preview), thumbnail: Buffer.from(reply.thumbnail) });
      else finish({ unavailable: reply.reason });
    });
    worker.once('error', (error) => finish({ unavailable: `the renderer failed: ${error.message}` }));
    worker.once('exit', (code) => finish({ unavailable: `the renderer stopped (exit code ${code})` }));
  });
}
