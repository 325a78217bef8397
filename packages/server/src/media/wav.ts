import type { AudioProperties } from './audio.ts';
import type { ByteSource } from './byte-source.ts';
import { corruptMedia, truncatedMedia } from './media-errors.ts';

/** ffprobe's names for the uncompressed WAVE codecs, by format tag and bits per sample. */
function pcmCodec(formatTag: number, bits: number): string | undefined {
  if (formatTag === 1) return { 8: 'pcm_u8', 16: 'pcm_s16le', 24: 'pcm_s24le', 32: 'pcm_s32le' }[bits];
  if (formatTag === 3) return { 32: 'pcm_f32le', 64: 'pcm_f64le' }[bits];
  if (formatTag === 6 && bits === 8) return 'pcm_alaw';
  if (formatTag === 7 && bits === 8) return 'pcm_mulaw';
  return undefined;
}

const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Chunks before `data` are few and small (fmt, fact, LIST, bext…); a file with more is odd. */
const MAX_CHUNKS = 64;

/** Where an uncompressed WAV keeps its samples, and how they are laid out. */
export interface WavLayout {
  /** ffprobe's name for the sample coding: pcm_u8, pcm_s16le, pcm_s24le, pcm_s32le, pcm_f32le, pcm_f64le, pcm_alaw, pcm_mulaw. */
  readonly codecName: string;
  readonly channels: number;
  readonly sampleRate: number;
  readonly byteRate: number;
  /** Bytes per frame (one sample of every channel). */
  readonly blockAlign: number;
  readonly bitsPerSample: number;
  /** The offset of the first sample and the bytes of samples (the data chunk's body). */
  readonly dataStart: number;
  readonly dataSize: number;
}

/**
 * The properties of an uncompressed WAV from its chunk headers alone: `fmt ` gives the layout,
 * the `data` chunk's size the duration. mediainfo.js reads the whole sample payload of a WAV;
 * this reads a few hundred bytes whatever the file's size. Undefined for what it does not
 * describe (RF64, compressed codecs), which the general reader then handles.
 */
export async function probeWav(source: ByteSource): Promise<AudioProperties | undefined> {
  const layout = await readWavLayout(source);
  if (!layout) return undefined;
  return {
    duration: Math.round((layout.dataSize / layout.byteRate) * 1000) / 1000,
    sampleRate: layout.sampleRate,
    channels: layout.channels,
    bitrate: layout.byteRate * 8,
    codecName: layout.codecName,
    size: source.size,
    format: 'wav',
  };
}

/**
 * The layout of an uncompressed WAV and where its samples are, from the chunk headers (a few
 * hundred bytes); undefined for what is not one (RF64, compressed codecs).
 */
export async function readWavLayout(source: ByteSource): Promise<WavLayout | undefined> {
  const riff = await source.read(0, 12);
  if (riff.length < 12 || riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let offset = 12;
  let fmt: Buffer | undefined;
  for (let chunks = 0; chunks < MAX_CHUNKS && offset + 8 <= source.size; chunks++) {
    const header = await source.read(offset, 8);
    const id = header.toString('latin1', 0, 4);
    const length = header.readUInt32LE(4);
    const body = offset + 8;
    if (id === 'fmt ') {
      fmt = await source.read(body, Math.min(length, 40));
      if (fmt.length < 16) throw corruptMedia('wav', 'audio', 'its fmt chunk is cut short');
    } else if (id === 'data') {
      if (!fmt) throw corruptMedia('wav', 'audio', 'its data comes before its fmt chunk');
      return layoutOf(fmt, body, length, source.size);
    }
    // Chunks are padded to an even length.
    offset = body + length + (length % 2);
  }
  if (offset + 8 > source.size)
    throw truncatedMedia('wav', 'audio', `the file has ${source.size.toLocaleString('en-US')} bytes and no audio data chunk`);
  return undefined;
}

function layoutOf(fmt: Buffer, dataStart: number, declared: number, size: number): WavLayout | undefined {
  const tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const byteRate = fmt.readUInt32LE(8);
  const bits = fmt.readUInt16LE(14);
  // Extensible files name their real format in the first two bytes of the sub-format GUID.
  const formatTag = tag === WAVE_FORMAT_EXTENSIBLE && fmt.length >= 26 ? fmt.readUInt16LE(24) : tag;
  const codecName = pcmCodec(formatTag, bits);
  if (!codecName || !channels || !sampleRate || !byteRate) return undefined;
  // A streamed WAV may leave the size unknown (0 or all ones): the rest of the file is its data.
  const unknownLength = declared === 0 || declared === 0xffffffff;
  const dataSize = unknownLength ? size - dataStart : declared;
  if (dataStart + dataSize > size) {
    throw truncatedMedia(
      'wav',
      'audio',
      `the file has ${size.toLocaleString('en-US')} bytes, but its structure declares ${(dataStart + dataSize).toLocaleString('en-US')}`,
    );
  }
  return {
    codecName,
    channels,
    sampleRate,
    byteRate,
    // From the coding rather than the header's blockAlign, which some writers get wrong.
    blockAlign: channels * Math.ceil(bits / 8),
    bitsPerSample: bits,
    dataStart,
    dataSize,
  };
}
