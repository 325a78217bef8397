import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { exitSignal } from '../lib/exit-signal.ts';

/** An ffmpeg this process can run, and where it came from. */
export interface Ffmpeg {
  readonly path: string;
  /** `system`: found on the PATH; `bundled`: the binary npm installed with @ffmpeg-installer/ffmpeg. */
  readonly source: 'system' | 'bundled' | 'configured';
}

const isExecutable = (file: string) =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

/**
 * The binary of the optional dependency @ffmpeg-installer/ffmpeg, which ships it inside a
 * per-platform npm package (no download at install time), or undefined when npm skipped it
 * (an unsupported platform, or `--omit=optional`).
 */
function bundledFfmpeg(): string | undefined {
  try {
    const installer = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path?: string };
    return installer.path;
  } catch {
    return undefined;
  }
}

/**
 * The ffmpeg to use: the system's when the PATH has one (a distribution's build is newer and
 * gets security fixes: decoders parse untrusted uploads), else the bundled one, else none.
 */
export async function resolveFfmpeg(searchPath = process.env.PATH ?? ''): Promise<Ffmpeg | undefined> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'ffmpeg');
    if (await isExecutable(candidate)) return { path: candidate, source: 'system' };
  }
  const bundled = bundledFfmpeg();
  if (bundled && (await isExecutable(bundled))) return { path: bundled, source: 'bundled' };
  return undefined;
}

let found: Promise<Ffmpeg | undefined> | undefined;

/** resolveFfmpeg for this process's PATH, looked up once. */
export function findFfmpeg(): Promise<string | undefined> {
  found ??= resolveFfmpeg();
  return found.then((ffmpeg) => ffmpeg?.path);
}

/** The ffmpeg a setting names (a path, false for none, undefined to look for one). */
export async function ffmpegFor(setting: string | false | undefined): Promise<Ffmpeg | undefined> {
  if (setting === false) return undefined;
  if (setting !== undefined) return { path: setting, source: 'configured' };
  found ??= resolveFfmpeg();
  return found;
}

/** The first line of `ffmpeg -version` ("ffmpeg version 7.1.1 …"), for the start-up log. */
export function ffmpegVersion(ffmpeg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ffmpeg, ['-hide_banner', '-version'], { timeout: 10_000, killSignal: 'SIGKILL', signal: exitSignal() }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.split('\n')[0]?.trim() ?? '');
    });
  });
}
