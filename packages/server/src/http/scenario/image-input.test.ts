import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Image } from './image-input.ts';

describe('decodeBase64Image', () => {
  const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253]);

  it('decodes standard and URL-safe base64, with or without padding or a data-URL prefix', () => {
    for (const encoded of [
      bytes.toString('base64'),
      bytes.toString('base64url'),
      bytes.toString('base64').replace(/=+$/, ''),
      `data:image/png;base64,${bytes.toString('base64')}`,
      `${bytes.toString('base64').slice(0, 4)}\n${bytes.toString('base64').slice(4)}`,
    ]) {
      expect(decodeBase64Image(encoded, 100).equals(bytes), encoded).toBe(true);
    }
  });

  it('refuses what is not base64', () => {
    for (const encoded of ['abc$', 'a', '====', 'ab=c']) {
      expect(() => decodeBase64Image(encoded, 100), encoded).toThrow(/not valid base64/);
    }
  });

  it('accepts exactly what the strict base64 grammar accepts, and decodes it as Node does', () => {
    // The grammar the decoder enforces without matching it over the text (padding alone is no image either).
    const strict = (payload: string) =>
      /^[A-Za-z0-9+/_-]+={0,2}$/.test(payload) && payload.length % 4 !== 1 && payload.replace(/=+$/, '').length % 4 !== 1;
    const text = fc.string({ unit: fc.constantFrom(...'AQgw+/-_=.$ é\u0000'), maxLength: 24 });
    fc.assert(
      fc.property(text, (payload) => {
        const compact = payload.replace(/\s+/g, '');
        let decoded: Buffer | Error;
        try {
          decoded = decodeBase64Image(payload, 100);
        } catch (error) {
          decoded = error as Error;
        }
        if (compact.length === 0) expect(decoded).toHaveProperty('code', 'MISSING_IMAGE');
        else if (strict(compact)) expect(decoded).toEqual(Buffer.from(compact, 'base64'));
        else expect(decoded).toHaveProperty('code', 'INVALID_BASE64');
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses an image at the limit before decoding it', () => {
    expect(() => decodeBase64Image(Buffer.alloc(100).toString('base64'), 100)).toThrow(/POST \/v1\/uploads/);
    expect(decodeBase64Image(Buffer.alloc(99).toString('base64'), 100)).toHaveLength(99);
  });

  it('treats an empty payload as no image', () => {
    expect(() => decodeBase64Image('data:image/png;base64,', 100)).toThrow("Either 'image' or 'canvas' must be provided");
  });
});
