import type { AudioTrack, GeneralTrack } from 'mediainfo.js';
import { describe, expect, it } from 'vitest';
import { fixtureFile } from '../../test/helpers/media-files.ts';
import { analyzeMedia, codecName, truncationOf } from './media-info.ts';

const general = (extra: Record<string, unknown>, fileSize = '1000') => ({ '@type': 'General', FileSize: fileSize, extra }) as GeneralTrack;

describe('truncationOf', () => {
  it('is undefined for a file MediaInfoLib found whole', () => {
    expect(truncationOf(general({}))).toBeUndefined();
    expect(truncationOf(undefined)).toBeUndefined();
  });

  it('names the size the structure declares when MediaInfoLib reports it', () => {
    const extra = {
      IsTruncated: 'Yes',
      ConformanceErrors: [
        { MPEG4_: [{ GeneralCompliance: 'File size is less than expected size (actual 1000 50%, expected 2000, offset 0x0)' }] },
      ],
    };
    expect(truncationOf(general(extra))).toBe('the file has 1,000 bytes, but its structure declares 2,000');
  });

  it('treats an element running past the end as truncation even without IsTruncated (FLAC, Ogg)', () => {
    const extra = { ConformanceErrors: [{ GeneralCompliance: 'Element size is more than maximal permitted size (actual 9, expected 4)' }] };
    expect(truncationOf(general(extra))).toBe('the file has 1,000 bytes, and part of its structure runs past that end');
  });

  it('ignores other conformance remarks, which many valid files carry', () => {
    expect(truncationOf(general({ ConformanceErrors: [{ GeneralCompliance: 'Something else is unusual' }] }))).toBeUndefined();
  });
});

describe('codecName', () => {
  const audio = (fields: Record<string, unknown>) => ({ '@type': 'Audio', ...fields }) as AudioTrack;

  it('names PCM by its sample layout, as ffprobe does', () => {
    expect(codecName(audio({ Format: 'PCM', BitDepth: 16, Format_Settings_Endianness: 'Little' }))).toBe('pcm_s16le');
    expect(codecName(audio({ Format: 'PCM', BitDepth: 24, Format_Settings_Endianness: 'Big' }))).toBe('pcm_s24be');
    expect(codecName(audio({ Format: 'PCM', BitDepth: 8 }))).toBe('pcm_u8');
    expect(codecName(audio({ Format: 'PCM', BitDepth: 32, Format_Settings_Sign: 'Float' }))).toBe('pcm_f32le');
  });

  it('names MPEG audio by its layer and other formats by ffprobe’s names', () => {
    expect(codecName(audio({ Format: 'MPEG Audio', Format_Profile: 'Layer 2' }))).toBe('mp2');
    expect(codecName(audio({ Format: 'MPEG Audio', Format_Profile: 'Layer 3' }))).toBe('mp3');
    expect(codecName(audio({ Format: 'AAC' }))).toBe('aac');
    expect(codecName(audio({ Format: 'Some New Codec' }))).toBe('some_new_codec');
  });
});

describe('analyzeMedia', () => {
  it('serves concurrent callers one at a time from one instance, each with its own result', async () => {
    const files = ['audio.mp3', 'video.webm', 'audio.flac', 'video.mp4', 'audio.wav'];
    const reports = await Promise.all(files.map((name) => analyzeMedia(fixtureFile(name))));
    expect(reports.map((report) => report.general?.Format)).toEqual(['MPEG Audio', 'WebM', 'FLAC', 'MPEG-4', 'Wave']);
  });

  it('keeps working after a file it cannot read', async () => {
    await analyzeMedia({ path: '/nonexistent/file.mp4', size: 100 }).catch(() => {});
    expect((await analyzeMedia(fixtureFile('audio.ogg'))).audio?.Format).toBe('Vorbis');
  });
});
