import { describe, expect, it } from 'vitest';
import { AUDIO_REFERENCES } from '../../test/fixtures/reference-values.ts';
import { fixtureFile } from '../../test/helpers/media-files.ts';
import { type ByteSource, fileSource } from './byte-source.ts';
import { probeWav } from './wav.ts';

/** A WAV header: `fmt ` with the given layout, an optional LIST chunk, then `data`. */
function header(options: {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
  dataSize: number;
  extensibleTag?: number;
  list?: boolean;
}) {
  const blockAlign = (options.channels * options.bits) / 8;
  const fmt = Buffer.alloc(options.extensibleTag === undefined ? 16 : 40);
  fmt.writeUInt16LE(options.extensibleTag === undefined ? options.tag : 0xfffe, 0);
  fmt.writeUInt16LE(options.channels, 2);
  fmt.writeUInt32LE(options.rate, 4);
  fmt.writeUInt32LE(options.rate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(options.bits, 14);
  if (options.extensibleTag !== undefined) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(options.extensibleTag, 24);
  }
  const chunk = (id: string, body: Buffer) =>
    Buffer.concat([Buffer.from(id, 'latin1'), Buffer.from(new Uint32Array([body.length]).buffer), body]);
  const list = options.list ? chunk('LIST', Buffer.from('INFOISFT\u0005\u0000\u0000\u0000test\u0000\u0000', 'latin1')) : Buffer.alloc(0);
  const data = Buffer.concat([Buffer.from('data', 'latin1'), Buffer.from(new Uint32Array([options.dataSize]).buffer)]);
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), chunk('fmt ', fmt), list, data]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.from(new Uint32Array([body.length + options.dataSize]).buffer), body]);
}

/** A source of `size` bytes whose first bytes are `head` (the rest reads as zeros), counting what is read. */
function counted(head: Buffer, size: number): ByteSource & { bytesRead: number } {
  const source = {
    size,
    bytesRead: 0,
    async read(offset: number, length: number) {
      const chunk = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      head.copy(chunk, 0, offset, Math.min(head.length, offset + chunk.length));
      source.bytesRead += chunk.length;
      return chunk;
    },
    localPath: async () => {
      throw new Error('the WAV reader must not need the whole file');
    },
  };
  return source;
}

describe('probeWav', () => {
  it('describes the fixture as ffprobe does', async () => {
    const reference = AUDIO_REFERENCES.find((r) => r.format === 'wav');
    const file = fixtureFile('audio.wav');
    expect(await probeWav(fileSource(file))).toEqual({
      duration: reference?.duration,
      sampleRate: reference?.sampleRate,
      channels: reference?.channels,
      bitrate: reference?.bitrate,
      codecName: reference?.codecName,
      size: file.size,
      format: 'wav',
    });
  });

  it('describes a 512 MiB file from its headers, past a LIST chunk', async () => {
    const dataSize = 512 * 1024 * 1024;
    const head = header({ tag: 1, channels: 2, rate: 48_000, bits: 16, dataSize, list: true });
    const source = counted(head, head.length + dataSize);
    expect(await probeWav(source)).toMatchObject({
      duration: 2796.203,
      sampleRate: 48_000,
      channels: 2,
      bitrate: 1_536_000,
      codecName: 'pcm_s16le',
    });
    expect(source.bytesRead).toBeLessThan(200);
  });

  it('names float and extensible formats, and the unknown length of a streamed file', async () => {
    const float = header({ tag: 3, channels: 1, rate: 44_100, bits: 32, dataSize: 176_400 });
    expect(await probeWav(counted(float, float.length + 176_400))).toMatchObject({ codecName: 'pcm_f32le', duration: 1 });
    const extensible = header({ tag: 1, channels: 6, rate: 48_000, bits: 24, dataSize: 864_000, extensibleTag: 1 });
    expect(await probeWav(counted(extensible, extensible.length + 864_000))).toMatchObject({
      codecName: 'pcm_s24le',
      channels: 6,
      duration: 1,
    });
    const streamed = header({ tag: 1, channels: 1, rate: 8_000, bits: 16, dataSize: 0xffffffff });
    expect(await probeWav(counted(streamed, streamed.length + 32_000))).toMatchObject({ duration: 2 });
  });

  it('leaves compressed and unknown files to the general reader, and refuses a cut one', async () => {
    const adpcm = header({ tag: 2, channels: 1, rate: 8_000, bits: 4, dataSize: 4_000 });
    expect(await probeWav(counted(adpcm, adpcm.length + 4_000))).toBeUndefined();
    expect(await probeWav(counted(Buffer.from('not a wave file at all'), 22))).toBeUndefined();
    const cut = header({ tag: 1, channels: 1, rate: 8_000, bits: 16, dataSize: 16_000 });
    await expect(probeWav(counted(cut, cut.length + 8_000))).rejects.toMatchObject({
      message: expect.stringMatching(/^The WAV audio is truncated \(the file has [\d,]+ bytes, but its structure declares [\d,]+\)/),
    });
  });
});
