import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitWhileHanging, type FakeFfmpeg, hangingFfmpeg, isAlive } from '../../test/helpers/fake-ffmpeg.ts';
import { fixtureFile, scratchFolder } from '../../test/helpers/media-files.ts';

describe('decodeToMonoFloat', () => {
  let scratch: Awaited<ReturnType<typeof scratchFolder>>;
  let fake: FakeFfmpeg;
  beforeAll(async () => {
    scratch = await scratchFolder();
    fake = await hangingFfmpeg(scratch.dir);
  });
  // The safety net: whatever an assertion left running goes with the suite.
  afterAll(async () => {
    await fake?.killAll();
    await scratch?.dispose();
  });

  it('kills its ffmpeg when the process exits mid-decode (no orphaned decoder)', async () => {
    // A process that starts decoding with a decoder that hangs, and exits once it runs.
    const start = [
      `import { decodeToMonoFloat } from ${JSON.stringify(new URL('./ffmpeg-pcm.ts', import.meta.url).pathname)};`,
      `const decoding = decodeToMonoFloat(${JSON.stringify(fixtureFile('audio.mp3').path)}, { ffmpeg: ${JSON.stringify(fake.path)}, timeoutMs: 60000 });`,
      '(async () => { for await (const _ of decoding) {} })().catch(() => {});',
    ].join('\n');
    expect(await exitWhileHanging(fake, start, 1)).toBe(0);
    const pids = await fake.pids();
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
