/** A PCM WAV of `bytes` bytes or a little more: a real audio file of any size, made in memory. */
export function makeWav(bytes: number, seed = 1): Buffer {
  const dataSize = Math.max(2, bytes - 44) & ~1;
  const buffer = Buffer.alloc(44 + dataSize);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + dataSize, 4);
  buffer.write('WAVE', 8, 'ascii');
  buffer.write('fmt ', 12, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20); // PCM
  buffer.writeUInt16LE(1, 22); // mono
  buffer.writeUInt32LE(44_100, 24);
  buffer.writeUInt32LE(88_200, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(dataSize, 40);
  // A sawtooth that differs per seed, so equal sizes still make different files.
  for (let i = 0; i < dataSize / 2; i++) buffer.writeInt16LE(((i * seed) % 2000) - 1000, 44 + i * 2);
  return buffer;
}

export interface SineOptions {
  readonly seconds: number;
  readonly sampleRate: number;
  readonly frequency: number;
  /** Peak amplitude, 0–1 of full scale. */
  readonly amplitude: number;
  readonly channels?: number;
  /** 16 or 24 (PCM integers) or 32 (IEEE float). */
  readonly bits?: 16 | 24 | 32;
}

/** A WAV of a pure sine on every channel: its waveform's peaks are known exactly. */
export function makeSineWav(options: SineOptions): Buffer {
  const channels = options.channels ?? 1;
  const bits = options.bits ?? 16;
  const width = bits / 8;
  const frames = Math.round(options.seconds * options.sampleRate);
  const dataSize = frames * channels * width;
  const buffer = Buffer.alloc(44 + dataSize);
  buffer.write('RIFF', 0, 'ascii');
  buffer.writeUInt32LE(36 + dataSize, 4);
  buffer.write('WAVE', 8, 'ascii');
  buffer.write('fmt ', 12, 'ascii');
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(bits === 32 ? 3 : 1, 20); // IEEE float or PCM
  buffer.writeUInt16LE(channels, 22);
  buffer.writeUInt32LE(options.sampleRate, 24);
  buffer.writeUInt32LE(options.sampleRate * channels * width, 28);
  buffer.writeUInt16LE(channels * width, 32);
  buffer.writeUInt16LE(bits, 34);
  buffer.write('data', 36, 'ascii');
  buffer.writeUInt32LE(dataSize, 40);
  let at = 44;
  for (let i = 0; i < frames; i++) {
    const value = options.amplitude * Math.sin((2 * Math.PI * options.frequency * i) / options.sampleRate);
    for (let c = 0; c < channels; c++) {
      if (bits === 32) at = buffer.writeFloatLE(value, at);
      else if (bits === 24) at = buffer.writeIntLE(Math.round(value * 8_388_607), at, 3);
      else at = buffer.writeInt16LE(Math.round(value * 32_767), at);
    }
  }
  return buffer;
}
