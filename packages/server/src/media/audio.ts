import { asSource, type ByteSource } from './byte-source.ts';
import { corruptMedia, truncatedMedia } from './media-errors.ts';
import { analyzeMedia, codecName, type MediaReport } from './media-info.ts';
import { probeWav } from './wav.ts';

/** The `properties` of an audio asset, named as spec 004 names them; numbers as ffprobe reports them. */
export type AudioProperties = {
  /** Seconds, to the millisecond. */
  readonly duration: number;
  readonly sampleRate: number;
  readonly channels: number;
  /** Bits per second of the audio stream (of the whole file where the stream records none, as for FLAC). */
  readonly bitrate: number;
  /** ffprobe's codec name: mp3, pcm_s16le, vorbis, opus, aac, flac… */
  readonly codecName: string;
  readonly size: number;
  readonly format: string;
};

/** Reads an audio file's headers (never decoding it) and refuses one that is cut off or unreadable. */
export async function probeAudio(file: ByteSource | { path: string; size: number }, format: string): Promise<AudioProperties> {
  // Uncompressed WAV is described from its headers; the general reader would read every sample.
  if (format === 'wav') {
    const wav = await probeWav(asSource(file));
    if (wav) return wav;
  }
  let report: MediaReport;
  try {
    report = await analyzeMedia(file);
  } catch (error) {
    throw corruptMedia(format, 'audio', 'its headers could not be parsed', error);
  }
  return audioProperties(report, file.size, format);
}

/** The audio properties of an analysed file; throws when the file is truncated or has no readable audio stream. */
export function audioProperties(report: MediaReport, size: number, format: string): AudioProperties {
  if (report.truncation) throw truncatedMedia(format, 'audio', report.truncation);
  const { general, audio } = report;
  if (!audio) throw corruptMedia(format, 'audio', 'no audio stream was found');
  const duration = general?.Duration ?? audio.Duration;
  const sampleRate = audio.SamplingRate;
  const channels = audio.Channels;
  const codec = codecName(audio);
  if (!duration || !sampleRate || !channels || !codec) {
    throw corruptMedia(format, 'audio', 'its stream has no duration, sample rate or channel count');
  }
  return {
    duration,
    sampleRate,
    channels,
    bitrate: Math.round(streamBitrate(report, size, duration)),
    codecName: codec,
    size,
    format,
  };
}

/**
 * The stream's own bit rate when the file records one. MediaInfoLib estimates FLAC's from the
 * few frames it samples, which is far off; FLAC has no container around its frames, so the
 * file's overall rate is the stream's (and what ffprobe reports for it).
 */
function streamBitrate(report: MediaReport, size: number, duration: number): number {
  const overall = report.general?.OverallBitRate ?? (size * 8) / duration;
  if (report.audio?.Format === 'FLAC') return overall;
  return report.audio?.BitRate ?? overall;
}
