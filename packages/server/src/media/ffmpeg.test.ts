import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegFor, ffmpegVersion, resolveFfmpeg } from './ffmpeg.ts';

describe('finding ffmpeg', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'assetd-ffmpeg-'));
    await writeFile(path.join(dir, 'ffmpeg'), '#!/bin/sh\necho "ffmpeg version 99-system"\n');
    await chmod(path.join(dir, 'ffmpeg'), 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prefers an ffmpeg on the PATH', async () => {
    expect(await resolveFfmpeg(`/nonexistent${path.delimiter}${dir}`)).toEqual({ path: path.join(dir, 'ffmpeg'), source: 'system' });
  });

  it('falls back to the binary the npm package ships when the PATH has none', async () => {
    const ffmpeg = await resolveFfmpeg('/nonexistent');
    expect(ffmpeg?.source).toBe('bundled');
    expect(ffmpeg?.path).toContain(`${path.sep}node_modules${path.sep}@ffmpeg-installer${path.sep}`);
    expect(await ffmpegVersion(ffmpeg?.path as string)).toMatch(/^ffmpeg version /);
  });

  it('takes a configured path as it is, and false as none', async () => {
    expect(await ffmpegFor('/opt/ffmpeg')).toEqual({ path: '/opt/ffmpeg', source: 'configured' });
    expect(await ffmpegFor(false)).toBeUndefined();
  });
});
