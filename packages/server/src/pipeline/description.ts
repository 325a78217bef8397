import type { AssetKind } from '../assets/asset.ts';
import type { ByteSource } from '../media/byte-source.ts';

/** Everything the pipeline learnt about a file: what it is, what it measures, its preview. */
export interface Description {
  readonly kind: AssetKind;
  readonly mimeType: string;
  readonly format: string;
  readonly width?: number;
  readonly height?: number;
  readonly properties: Readonly<Record<string, unknown>>;
  /** A small WebP preview (THUMBNAIL_MIME): of an image, of a video's first frame, or an audio file's waveform drawn. */
  readonly thumbnail?: Buffer;
  /** A video's first and last frames at full size, when a frame extractor (ffmpeg) is available. */
  readonly frames?: { readonly first: Buffer; readonly last: Buffer; readonly mimeType: string };
  /** A larger preview (PREVIEW_MIME): a 3D model's 1024-px render. */
  readonly preview?: Buffer;
  /** Why the previews the kind has could not be made: the file is imported all the same. */
  readonly previewError?: string;
  /** An audio file's waveform peaks (WAVEFORM_MIME: audiowaveform's JSON, up to 1,000 min/max pairs). */
  readonly waveform?: Buffer;
}

export interface DescribeOptions {
  readonly maxPixels: number;
  /** Only images are acceptable (the small-upload path). */
  readonly imagesOnly?: boolean;
  /** A file of no known format is kept as an opaque file of this kind (model weights) instead of refused. */
  readonly opaqueKind?: AssetKind;
  /** The content type the client declared: kept for an opaque file, and named when the bytes are no known format. */
  readonly declaredType?: string;
  /** The ffmpeg that extracts video frames: a path, false for none, or absent to use the one on the PATH if any. */
  readonly ffmpeg?: string | false;
  /** How long one ffmpeg run may take before it is killed and the video imported without frames. */
  readonly frameTimeoutMs?: number;
  /** How long decoding audio for its waveform may take before it is stopped and the file imported without one. */
  readonly waveformTimeoutMs?: number;
  /** How long rendering a 3D model may take before it is stopped and the model imported without a preview. */
  readonly renderTimeoutMs?: number;
  /** Models with more triangles get no preview. */
  readonly maxRenderTriangles?: number;
  /** Stops the long steps (ffmpeg, rendering) at once: the job that asked was stopped. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * `describe.ts`'s describeFile, loaded on first use: the media libraries behind it (sharp,
 * mediainfo.js's WebAssembly, three, glTF-Transform, libheif) then load only in a process that
 * describes a file — one that runs jobs, or takes a whole-body upload — never in an API process
 * that only serves the library and parts (a smaller heap is also cheaper to collect while part
 * bytes stream through it).
 */
export async function describeFile(input: ByteSource | { path: string; size: number }, options: DescribeOptions): Promise<Description> {
  const pipeline = await import('./describe.ts');
  return pipeline.describeFile(input, options);
}
