import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A committed fixture as the pipeline sees a staged upload: a local path and a size. */
export function fixtureFile(name: string): { path: string; size: number } {
  const file = path.join(FIXTURES, name);
  return { path: file, size: statSync(file).size };
}

/** A temporary folder for variants of fixtures (cut, corrupted), removed by dispose(). */
export async function scratchFolder() {
  const dir = await mkdtemp(path.join(tmpdir(), 'assetd-media-test-'));
  let count = 0;
  return {
    dir,
    async stage(bytes: Uint8Array, name = 'file'): Promise<{ path: string; size: number }> {
      const file = path.join(dir, `${++count}-${name}`);
      await writeFile(file, bytes);
      return { path: file, size: bytes.length };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
