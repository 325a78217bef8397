import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A stand-in ffmpeg that never finishes, as a decoder stuck on a hostile file would. It answers
 * `-version` (the start-up log asks), writes its pid to a file, then sleeps — `exec`, so the
 * pid is the sleeping process's, with no grandchild to leak. `failFirstFrame`: the run that
 * pipes out the first frame fails at once instead.
 */
export interface FakeFfmpeg {
  readonly path: string;
  /** The pids of the runs that started hanging so far. */
  pids(): Promise<number[]>;
  /** SIGKILLs every run still alive (a test's safety net). */
  killAll(): Promise<void>;
}

export async function hangingFfmpeg(dir: string, name = 'ffmpeg', options: { failFirstFrame?: boolean } = {}): Promise<FakeFfmpeg> {
  const file = path.join(dir, name);
  const pidFile = `${file}.pids`;
  await writeFile(pidFile, '');
  const lines = [
    '#!/bin/sh',
    'case " $* " in *" -version "*) echo "ffmpeg version 0-hanging"; exit 0;; esac',
    ...(options.failFirstFrame ? ['case " $* " in *" -frames:v "*) echo "no video stream" >&2; exit 1;; esac'] : []),
    `echo $$ >> '${pidFile}'`,
    'exec sleep 300',
  ];
  await writeFile(file, `${lines.join('\n')}\n`);
  await chmod(file, 0o755);
  const pids = async () => (await readFile(pidFile, 'utf8')).split('\n').filter(Boolean).map(Number);
  return {
    path: file,
    pids,
    async killAll() {
      for (const pid of await pids()) {
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      }
    },
  };
}

/**
 * Whether a process runs. A zombie (dead, not yet reaped: its parent exited first and nobody
 * reaps orphans) counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Linux: the state follows the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Runs `start` (module code, one statement that starts runs of `fake`) in a Node process of its
 * own, which exits by itself once `runs` runs hang (or after 10 s, a bound); resolves with its
 * exit code. Whatever the code under test does on 'exit' has happened by then.
 */
export async function exitWhileHanging(fake: FakeFfmpeg, start: string, runs: number): Promise<number | null> {
  const script = [
    start,
    'const started = Date.now();',
    'const poll = setInterval(async () => {',
    `  const pids = (await import('node:fs')).readFileSync(${JSON.stringify(`${fake.path}.pids`)}, 'utf8').trim().split('\\n').filter(Boolean);`,
    `  if (pids.length >= ${runs} || Date.now() - started > 10_000) { clearInterval(poll); process.exit(0); }`,
    '}, 20);',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = await once(child, 'exit');
  return code as number | null;
}
