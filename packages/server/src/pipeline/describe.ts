import { AppError } from '../errors.ts';
import { type AudioProperties, audioProperties, probeAudio } from '../media/audio.ts';
import { asSource, type ByteSource } from '../media/byte-source.ts';
import { findFfmpeg } from '../media/ffmpeg.ts';
import { extractFrames, type VideoFrames } from '../media/frames.ts';
import { MAX_SVG_BYTES, probeImage, unhandledImageFormat } from '../media/image.ts';
import { corruptMedia, truncatedMedia } from '../media/media-errors.ts';
import { analyzeMedia, type MediaReport } from '../media/media-info.ts';
import { isModelFormat, probeModel } from '../media/model3d/index.ts';
import { renderModelPreview } from '../media/render3d/model-preview.ts';
import { makeThumbnail } from '../media/thumbnail.ts';
import { videoProperties } from '../media/video.ts';
import { makeWaveform } from '../media/waveform.ts';
import type { DescribeOptions, Description } from './description.ts';
import { type DetectedFormat, detectFormat, looksLikeText } from './detect.ts';

export type { DescribeOptions, Description } from './description.ts';

const DEFAULT_FRAME_TIMEOUT_MS = 60_000;
const DEFAULT_RENDER_TIMEOUT_MS = 60_000;
const DEFAULT_WAVEFORM_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_RENDER_TRIANGLES = 5_000_000;

/**
 * Identifies a file from its bytes, reads what its kind needs and makes its previews: an
 * image's thumbnail, a video's frames, an audio file's waveform, a 3D model's render. Detection,
 * audio and video metadata read only the byte ranges they need (a waveform streams the samples
 * once); images (decoded for the thumbnail) and 3D models (parsed whole) need the whole file,
 * which for remote storage is downloaded for them and for them only.
 */
export async function describeFile(input: ByteSource | { path: string; size: number }, options: DescribeOptions): Promise<Description> {
  const source = asSource(input);
  const file = { size: source.size };
  const detected = await detectFormat(source);
  // Without magic bytes a file may still be an SVG, if it is small enough to be one.
  if (detected?.kind === 'image' || (!detected && source.size <= MAX_SVG_BYTES)) {
    try {
      return await describeImage({ path: await source.localPath(), size: source.size }, options.maxPixels);
    } catch (error) {
      if (detected || !(error instanceof AppError) || error.code !== 'UNHANDLED_IMAGE_FORMAT') throw error;
      if (options.imagesOnly) throw error;
    }
  }
  if (options.imagesOnly) throw unhandledImageFormat();
  if (detected?.kind === 'audio' || detected?.kind === 'video') return describeAudioVisual(source, detected, options);
  if (detected?.kind === '3d' && isModelFormat(detected.format)) {
    const path = await source.localPath();
    const properties = await probeModel({ path, size: source.size }, detected.format);
    const previews = await renderModelPreview(path, detected.format, {
      timeoutMs: options.renderTimeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS,
      maxTriangles: options.maxRenderTriangles ?? DEFAULT_MAX_RENDER_TRIANGLES,
      signal: options.signal,
    });
    return {
      kind: '3d',
      mimeType: detected.mimeType,
      format: detected.format,
      properties,
      ...('unavailable' in previews ? { previewError: `No preview: ${previews.unavailable}` } : previews),
    };
  }
  if (detected) {
    return {
      kind: detected.kind,
      mimeType: detected.mimeType,
      format: detected.format,
      properties: { size: file.size, format: detected.format },
    };
  }
  if (options.opaqueKind) {
    const mimeType = options.declaredType ?? 'application/octet-stream';
    return { kind: options.opaqueKind, mimeType, format: 'binary', properties: { size: file.size } };
  }
  // Say what the bytes look like and what they were declared as: "not in a supported format" alone leaves a user guessing.
  const text = await looksLikeText(source);
  const declared = options.declaredType ? ` (declared as ${options.declaredType})` : '';
  throw new AppError(
    'UNSUPPORTED_FORMAT',
    `The file is ${text ? 'plain text' : 'binary data'}${declared}, not in a supported format: upload an image (JPEG, PNG, GIF, SVG, WebP, AVIF, TIFF, HEIC), audio (MP3, WAV, OGG, M4A, FLAC), video (MP4, WebM, MOV) or 3D model (GLB, glTF, OBJ, FBX, STL, PLY, VOX)`,
  );
}

async function describeImage(file: { path: string; size: number }, maxPixels: number): Promise<Description> {
  const image = await probeImage(file, maxPixels);
  const thumbnail = await makeThumbnail(image.svgSource ?? file.path, image.format, maxPixels);
  return {
    kind: 'image',
    mimeType: image.mimeType,
    format: image.format,
    width: image.width,
    height: image.height,
    properties: {
      width: image.width,
      height: image.height,
      size: file.size,
      format: image.format,
      hasAlpha: image.hasAlpha,
      ...(image.frameCount ? { frameCount: image.frameCount } : {}),
    },
    thumbnail,
  };
}

/**
 * Audio and video share containers (an MP4 may hold only sound, an M4A a picture track), so
 * the tracks inside decide the kind, not the container's brand.
 */
async function describeAudioVisual(file: ByteSource, detected: DetectedFormat, options: DescribeOptions): Promise<Description> {
  if (detected.kind === 'audio' && !isSharedContainer(detected.format)) {
    const properties = await probeAudio(file, detected.format);
    return {
      kind: 'audio',
      mimeType: detected.mimeType,
      format: detected.format,
      properties,
      ...(await waveformOf(file, properties, options)),
    };
  }
  const noun = detected.kind === 'audio' ? 'audio' : 'video';
  let report: MediaReport;
  try {
    report = await analyzeMedia(file);
  } catch (error) {
    throw corruptMedia(detected.format, noun, 'its headers could not be parsed', error);
  }
  if (!report.video && report.audio && !report.truncation) return describeAudioOnly(file, detected, report, options);
  if (!report.video && report.truncation) throw truncatedMedia(detected.format, noun, report.truncation);
  const format = detected.format === 'mov' ? 'mov' : detected.format === 'webm' ? 'webm' : 'mp4';
  const mimeType = { mov: 'video/quicktime', webm: 'video/webm', mp4: 'video/mp4' }[format];
  const properties = videoProperties(report, file.size, format);
  const frames = await framesOf(file, report.video?.Duration ?? properties.duration, properties.width * properties.height, options);
  return {
    kind: 'video',
    mimeType,
    format,
    width: properties.width,
    height: properties.height,
    properties,
    ...(frames ? { thumbnail: frames.thumbnail, frames: { first: frames.first, last: frames.last, mimeType: frames.mimeType } } : {}),
  };
}

/** Formats whose container is also used for video: MP4's family and Matroska's. */
const isSharedContainer = (format: string) => ['mp4', 'm4a', 'mov', 'webm'].includes(format);

async function describeAudioOnly(
  file: ByteSource,
  detected: DetectedFormat,
  report: MediaReport,
  options: DescribeOptions,
): Promise<Description> {
  const [format, mimeType] = detected.format === 'webm' ? ['webm', 'audio/webm'] : ['m4a', 'audio/mp4'];
  const properties = audioProperties(report, file.size, format);
  return { kind: 'audio', mimeType, format, properties, ...(await waveformOf(file, properties, options)) };
}

/**
 * An audio file's waveform: its peaks, and their picture as the thumbnail. Nothing without
 * ffmpeg for a compressed file; a decoding failure is only recorded (`previewError`): the
 * waveform is a preview, and the file is imported all the same. A stopped job stops here.
 */
async function waveformOf(
  source: ByteSource,
  properties: AudioProperties,
  options: DescribeOptions,
): Promise<Pick<Description, 'thumbnail' | 'waveform' | 'previewError'>> {
  const ffmpeg = options.ffmpeg === false ? undefined : (options.ffmpeg ?? (await findFfmpeg()));
  try {
    const waveform = await makeWaveform(source, properties, {
      ffmpeg,
      timeoutMs: options.waveformTimeoutMs ?? DEFAULT_WAVEFORM_TIMEOUT_MS,
      signal: options.signal,
    });
    return waveform ? { thumbnail: waveform.image, waveform: waveform.peaks } : {};
  } catch (error) {
    options.signal?.throwIfAborted();
    return { previewError: `No waveform: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * The first and last frames, or undefined when there is no ffmpeg, the frame is over the pixel
 * limit, or ffmpeg fails: they are a preview, and the video is imported without them.
 */
async function framesOf(source: ByteSource, duration: number, pixels: number, options: DescribeOptions): Promise<VideoFrames | undefined> {
  const ffmpeg = options.ffmpeg === false ? undefined : (options.ffmpeg ?? (await findFfmpeg()));
  if (!ffmpeg || pixels > options.maxPixels) return undefined;
  // ffmpeg seeks over HTTP ranges, so a remote video is never downloaded whole for two frames.
  const input = source.remoteUrl?.() ?? (await source.localPath());
  return extractFrames(input, {
    ffmpeg,
    duration,
    maxPixels: options.maxPixels,
    timeoutMs: options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS,
    signal: options.signal,
  }).catch(() => {
    // Frames are a preview: a failure costs only them, but a stopped job stops here.
    options.signal?.throwIfAborted();
    return undefined;
  });
}
