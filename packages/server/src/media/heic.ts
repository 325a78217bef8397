import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

type HeicDecode = (input: { buffer: Uint8Array }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;

let decoder: HeicDecode | undefined;

/**
 * Decodes the primary image of a HEIC/HEIF file to RGBA with heic-decode (libheif compiled to
 * WebAssembly, HEVC decoder included): sharp's prebuilt libvips reads HEIF headers but ships no
 * HEVC decoder, for patent reasons. libheif applies the file's rotation and mirroring itself.
 */
export async function decodeHeic(path: string): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  decoder ??= createRequire(import.meta.url)('heic-decode') as HeicDecode;
  return decoder({ buffer: await readFile(path) });
}
