import { spawn } from 'node:child_process';
import { exitSignal } from '../lib/exit-signal.ts';

export interface DecodeOptions {
  /** The ffmpeg executable. */
  readonly ffmpeg: string;
  /** ffmpeg is killed after this long (a hostile file can make a decoder crawl). */
  readonly timeoutMs: number;
  /** Kills ffmpeg at once: the job that wanted the samples was stopped. */
  readonly signal?: AbortSignal | undefined;
}

/** The last bytes of ffmpeg's stderr kept for an error message. */
const STDERR_TAIL = 4096;

/**
 * The first audio track of `input` (a local path or a URL ffmpeg reads by HTTP ranges) decoded
 * by ffmpeg to mono 32-bit float samples (pcm_f32le, at the track's own rate), as the chunks
 * come out of its pipe: nothing is buffered beyond the pipe, whatever the length. Throws when
 * ffmpeg fails or is stopped; ffmpeg never outlives the iteration, however it ends.
 */
export async function* decodeToMonoFloat(input: string, options: DecodeOptions): AsyncIterable<Buffer> {
  options.signal?.throwIfAborted();
  const child = spawn(
    options.ffmpeg,
    [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      input,
      '-map',
      '0:a:0',
      '-vn',
      '-ac',
      '1',
      '-c:a',
      'pcm_f32le',
      '-f',
      'f32le',
      '-',
    ],
    // Killed as this process exits, whatever the reason: a decoder must not be left orphaned.
    { stdio: ['ignore', 'pipe', 'pipe'], signal: exitSignal(), killSignal: 'SIGKILL' },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_TAIL);
  });
  // Settles on 'close', or on 'error' alone (ffmpeg missing, not executable), keeping its reason.
  let spawnError: Error | undefined;
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('close', (code, signal) => resolve([code, signal]));
    child.on('error', (error) => {
      spawnError = error;
      resolve([null, null]);
    });
  });
  let stopped: string | undefined;
  const stop = (why: string) => {
    stopped ??= why;
    child.kill('SIGKILL');
  };
  const timer = setTimeout(() => stop(`stopped after ${options.timeoutMs} ms`), options.timeoutMs);
  const onAbort = () => stop('stopped: the job was stopped');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const [code, signal] = await exited;
    options.signal?.throwIfAborted();
    if (spawnError) throw new Error(`ffmpeg could not run: ${spawnError.message}`, { cause: spawnError });
    if (stopped || code !== 0) {
      const reason = stopped ?? (stderr.trim().split('\n').at(-1) || `exit ${code ?? signal}`);
      throw new Error(`ffmpeg failed: ${reason}`);
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    // The consumer stopped early (an error, a stopped job): ffmpeg goes, and is waited for.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}
