import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeImage } from './images.ts';

const run = promisify(execFile);
export const EXAMPLES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'spec-examples');

export interface ExampleTarget {
  readonly baseUrl: string;
  readonly key: { readonly id: string; readonly secret: string; readonly projectId: string };
  readonly workDir: string;
}

/** A PNG of at least 6 MB (random pixels, uncompressed), the size spec 000 sends through /v1/uploads. */
async function largePng(): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const width = 1600;
  const height = 1400;
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** Writes the files the examples read into `workDir`. */
export async function prepareExampleMedia(workDir: string): Promise<void> {
  const png = await makeImage('png', 256, 128, { alpha: true, seed: 77 });
  await writeFile(path.join(workDir, 'my_image.png'), png);
  await writeFile(path.join(workDir, 'image.png'), png);
  await writeFile(path.join(workDir, 'large-image.png'), await largePng());
  for (const name of ['audio.mp3', 'video.mp4', 'model.glb'])
    await writeFile(path.join(workDir, name), await readFile(path.join(EXAMPLES, 'media', name)));
}

/**
 * Copies an example with only the base URL and the credentials replaced, and runs it. The
 * examples that send `Bearer <api key>` get the secret there: a Bearer token is the secret.
 */
export async function runSpecExample(target: ExampleTarget, file: string, bearerExample = false): Promise<string> {
  const { key } = target;
  const source = (await readFile(path.join(EXAMPLES, file), 'utf8'))
    .replaceAll('https://api.cloud.scenario.com', target.baseUrl)
    .replaceAll('YOUR_API_KEY', key.id)
    .replaceAll('YOUR_API_SECRET', key.secret)
    .replaceAll('YOUR_PROJECT_ID', key.projectId)
    .replaceAll('your-api-key', key.secret)
    .replaceAll('your-project-id', key.projectId)
    .replaceAll('proj_...', key.projectId)
    .replaceAll('key_...', bearerExample ? key.secret : key.id)
    .replaceAll('secret_...', key.secret);
  const script = path.join(target.workDir, file);
  await writeFile(script, source);
  const [command, args] = file.endsWith('.py') ? ['python3', [script]] : [process.execPath, [script]];
  const { stdout } = await run(command, args, {
    cwd: target.workDir,
    // The JavaScript examples require node-fetch: let them find this repository's copy.
    env: { ...process.env, NODE_PATH: path.resolve('node_modules') },
    timeout: 120_000,
  });
  return stdout;
}
