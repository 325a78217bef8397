import { describe, expect, it } from 'vitest';
import { fileNameFromContentDisposition, fileNameFromUrl, plainFileName, sanitizeFileName } from './file-name.ts';

describe('fileNameFromContentDisposition', () => {
  it.each([
    ['attachment; filename="a b.png"', 'a b.png'],
    ['attachment; filename=plain.bin', 'plain.bin'],
    ['attachment; FILENAME="upper.txt"', 'upper.txt'],
    ['attachment; filename="say \\"hi\\".txt"', 'say "hi".txt'],
    [`attachment; filename="ascii.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`, '€ rates.txt'],
    [`attachment; filename*=utf-8'en'caf%C3%A9.txt; filename="cafe.txt"`, 'café.txt'],
    [`attachment; filename*=iso-8859-1''caf%E9.txt`, 'café.txt'],
    [`attachment; filename*=koi8-r''x.txt; filename="y.txt"`, 'y.txt'],
    ['inline', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, expected) => {
    expect(fileNameFromContentDisposition(header)).toBe(expected);
  });
});

describe('fileNameFromUrl', () => {
  it('takes the decoded last non-empty path segment', () => {
    expect(fileNameFromUrl(new URL('https://example.com/a/b/model%20v2.safetensors?x=1'))).toBe('model v2.safetensors');
    expect(fileNameFromUrl(new URL('https://example.com/a/dir/'))).toBe('dir');
    expect(fileNameFromUrl(new URL('https://example.com/bad%E0%A4'))).toBe('bad%E0%A4');
    expect(fileNameFromUrl(new URL('https://example.com/'))).toBeUndefined();
  });
});

describe('plainFileName and sanitizeFileName', () => {
  it('keeps only the last segment of a path', () => {
    expect(plainFileName('../../etc/passwd')).toBe('passwd');
    expect(plainFileName('C:\\Users\\me\\photo.jpg')).toBe('photo.jpg');
  });

  it('removes control and direction-override characters', () => {
    expect(plainFileName('evil\u202egnp.exe')).toBe('evilgnp.exe');
    expect(plainFileName('line\r\nbreak\u0000.txt')).toBe('linebreak.txt');
  });

  it('has nothing to offer for empty or dot-only names', () => {
    for (const raw of [undefined, '', '   ', '.', '..', 'dir/', 'a/..']) expect(plainFileName(raw)).toBeUndefined();
    expect(sanitizeFileName('..')).toBe('download');
  });

  it('shortens long names to 255 characters, keeping the extension', () => {
    const name = plainFileName(`${'x'.repeat(400)}.safetensors`);
    expect(name).toHaveLength(255);
    expect(name?.endsWith('x.safetensors')).toBe(true);
  });
});
