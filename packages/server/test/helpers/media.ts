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
