import { corruptMedia, truncatedMedia } from './media-errors.ts';
import { codecName, type MediaReport } from './media-info.ts';

/** The `properties` of a video asset, named as spec 004 names them; numbers as ffprobe reports them. */
export type VideoProperties = {
  /** Coded size of the first video track, in pixels (before any rotation flag). */
  readonly width: number;
  readonly height: number;
  /** Seconds, to the millisecond: the whole file's, as ffprobe's format duration. */
  readonly duration: number;
  /** Frames per second of the video track (its average for variable-rate video). */
  readonly frameRate: number;
  readonly nbFrames: number;
  /** ffprobe's codec name of the video track: h264, hevc, vp9, av1… */
  readonly codecName: string;
  /** Bits per second of the whole file (all tracks), as ffprobe's format bit_rate. */
  readonly bitrate: number;
  readonly size: number;
  readonly format: string;
  /** Of the first audio track, when there is one. */
  readonly sampleRate?: number;
  readonly channels?: number;
};

/** The video properties of an analysed file; throws when the file is truncated or has no readable video track. */
export function videoProperties(report: MediaReport, size: number, format: string): VideoProperties {
  if (report.truncation) throw truncatedMedia(format, 'video', report.truncation);
  const { general, video, audio } = report;
  if (!video) throw corruptMedia(format, 'video', 'no video track was found');
  const width = video.Width;
  const height = video.Height;
  const duration = general?.Duration ?? video.Duration;
  const codec = codecName(video);
  if (!width || !height || !duration || !codec) {
    throw corruptMedia(format, 'video', 'its video track has no size, duration or codec');
  }
  const frameRate = rateOf(video.FrameRate_Num, video.FrameRate_Den) ?? video.FrameRate ?? general?.FrameRate;
  if (!frameRate) throw corruptMedia(format, 'video', 'its video track has no frame rate');
  const nbFrames = video.FrameCount ?? general?.FrameCount ?? Math.round((video.Duration ?? duration) * frameRate);
  return {
    width,
    height,
    duration,
    frameRate,
    nbFrames,
    codecName: codec,
    // ffprobe's format bit_rate: the file's bits over its duration, rounded down.
    bitrate: Math.floor((size * 8) / duration),
    size,
    format,
    ...(audio?.SamplingRate ? { sampleRate: audio.SamplingRate } : {}),
    ...(audio?.Channels ? { channels: audio.Channels } : {}),
  };
}

/** The exact rate of a rational such as 30000/1001, where MediaInfoLib's decimal is rounded to 3 places. */
function rateOf(numerator: number | undefined, denominator: number | undefined): number | undefined {
  if (!numerator || !denominator) return undefined;
  return numerator / denominator;
}
