import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** Shared pieces of the benchmarks: child servers, and their CPU time and peak memory from /proc. */

const CLOCK_TICKS = 100;

/** User + system CPU seconds a process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The most resident memory the process has had, in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export interface ChildServer {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a server process and waits until `ready` answers 2xx. */
export async function startChild(
  command: string,
  args: string[],
  env: Record<string, string>,
  url: string,
  ready: string,
): Promise<ChildServer> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${command} exited: ${output}`);
    try {
      const response = await fetch(`${url}${ready}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return {
    process: child,
    pid: child.pid as number,
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const mbPerSecond = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

export function row(label: string, cells: Record<string, string>): string {
  return `  ${label.padEnd(22)}${Object.entries(cells)
    .map(([key, value]) => `${value} ${key}`.padStart(20))
    .join('')}`;
}

/** A PostgreSQL database of the bench's own on the server at `url`, dropped by `drop`. */
export async function scratchDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assetd_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    async drop() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
