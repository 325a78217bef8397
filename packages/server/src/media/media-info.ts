import mediaInfoFactory, { type AudioTrack, type GeneralTrack, type MediaInfo, type VideoTrack } from 'mediainfo.js';
import { asSource, type ByteSource } from './byte-source.ts';

/** What MediaInfoLib found in an audio or video file, reduced to what the extractors read. */
export interface MediaReport {
  readonly general: GeneralTrack | undefined;
  /** The first video and audio tracks: the ones a player picks by default. */
  readonly video: VideoTrack | undefined;
  readonly audio: AudioTrack | undefined;
  /** Set when the file ends before the sizes its own structure declares (a cut-off upload). */
  readonly truncation: string | undefined;
  /** Bytes handed to the parser: what "reads only the index" is measured by. */
  readonly bytesRead: number;
}

let instance: Promise<MediaInfo<'object'>> | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** One WASM instance for the process, made on first use (loading it costs ~100 ms). */
function mediaInfo(): Promise<MediaInfo<'object'>> {
  instance ??= mediaInfoFactory({ format: 'object' }).catch((error: unknown) => {
    instance = undefined;
    throw error;
  });
  return instance;
}

/**
 * Runs MediaInfoLib over a file (local, or remote through ranged reads), handing it only the byte ranges it asks for (headers,
 * the MP4 index, a few frames), never the whole file. A MediaInfo instance is not re-entrant,
 * so calls wait for each other.
 */
export function analyzeMedia(input: ByteSource | { path: string; size: number }): Promise<MediaReport> {
  const source = asSource(input);
  const run = queue.then(() => analyzeNow(source));
  queue = run.catch(() => {});
  return run;
}

async function analyzeNow(source: ByteSource): Promise<MediaReport> {
  const info = await mediaInfo();
  let bytesRead = 0;
  try {
    const result = await info.analyzeData(source.size, async (size, offset) => {
      const chunk = await source.read(offset, size);
      bytesRead += chunk.length;
      return chunk;
    });
    const tracks = result.media?.track ?? [];
    const general = tracks.find((track): track is GeneralTrack => track['@type'] === 'General');
    return {
      general,
      video: tracks.find((track): track is VideoTrack => track['@type'] === 'Video'),
      audio: tracks.find((track): track is AudioTrack => track['@type'] === 'Audio'),
      truncation: truncationOf(general),
      bytesRead,
    };
  } catch (error) {
    // A parser that failed half-way may be left in any state: the next file gets a fresh one.
    instance = undefined;
    throw error;
  }
}

/** The two conformance messages MediaInfoLib emits when data a structure declares is missing. */
const MISSING_DATA = /^(File size is less than expected size|Element size is more than maximal permitted size)/;

/**
 * Why the file looks cut off, or undefined. MediaInfoLib flags most truncations with
 * `IsTruncated`; for FLAC and Ogg it only records a conformance error for the element that
 * runs past the end of the file, so those are searched too.
 */
export function truncationOf(general: GeneralTrack | undefined): string | undefined {
  const extra = general?.extra;
  if (!extra) return undefined;
  const messages = conformanceMessages(extra.ConformanceErrors).filter((message) => MISSING_DATA.test(message));
  if (extra.IsTruncated !== 'Yes' && messages.length === 0) return undefined;
  const size = Number(general.FileSize);
  // "File size is less than expected size (actual 3100 50%, expected 6200, …)" names the size the file should have.
  const expected = messages
    .map((message) => message.match(/^File size is less than expected size \(actual \d+[^,]*, expected >?=?(\d+)/)?.[1])
    .find(Boolean);
  const has = Number.isFinite(size) ? `the file has ${size.toLocaleString('en-US')} bytes` : 'the file ends early';
  return expected
    ? `${has}, but its structure declares ${Number(expected).toLocaleString('en-US')}`
    : `${has}, and part of its structure runs past that end`;
}

/** Every GeneralCompliance message in MediaInfoLib's nested conformance report. */
function conformanceMessages(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(conformanceMessages);
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'GeneralCompliance' && typeof value === 'string' ? [value] : conformanceMessages(value),
  );
}

/** MediaInfoLib's format names, as ffprobe (and most tools) name the codec. */
const CODEC_NAMES: Record<string, string> = {
  AVC: 'h264',
  HEVC: 'hevc',
  AV1: 'av1',
  VP8: 'vp8',
  VP9: 'vp9',
  'MPEG-4 Visual': 'mpeg4',
  'MPEG Video': 'mpeg2video',
  ProRes: 'prores',
  JPEG: 'mjpeg',
  Theora: 'theora',
  'Sorenson Spark': 'flv1',
  'H.263': 'h263',
  AAC: 'aac',
  'AC-3': 'ac3',
  'E-AC-3': 'eac3',
  ALAC: 'alac',
  FLAC: 'flac',
  Opus: 'opus',
  Vorbis: 'vorbis',
  'MPEG Audio': 'mp3',
};

/** ffprobe's codec name for a track: PCM is named by its sample layout (pcm_s16le…), MPEG audio by its layer. */
export function codecName(track: AudioTrack | VideoTrack): string | undefined {
  const format = track.Format;
  if (!format) return undefined;
  if (format === 'PCM' && track['@type'] === 'Audio') return pcmCodecName(track);
  if (format === 'MPEG Audio' && track['@type'] === 'Audio') {
    const layer = track.Format_Profile?.match(/Layer (\d)/)?.[1];
    return layer === '1' ? 'mp1' : layer === '2' ? 'mp2' : 'mp3';
  }
  return CODEC_NAMES[format] ?? format.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

function pcmCodecName(track: AudioTrack): string {
  const depth = track.BitDepth ?? 16;
  const float = track.Format_Settings_Sign === 'Float' || track.CodecID === '3';
  const sign = float ? 'f' : depth === 8 ? 'u' : 's';
  const endian = depth === 8 ? '' : track.Format_Settings_Endianness === 'Big' ? 'be' : 'le';
  return `pcm_${sign}${depth}${endian}`;
}
