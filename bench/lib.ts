import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
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
  /** What it has written so far (stdout and stderr). */
  output(): string;
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
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** `assetd serve` from the sources on 127.0.0.1:`port` with `env`, ready once /readyz answers. */
export function startAssetd(port: number, env: Record<string, string>): Promise<ChildServer> {
  const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'packages/cli/src/main.ts');
  return startChild(process.execPath, [cli, 'serve'], { ...env, PORT: String(port) }, `http://127.0.0.1:${port}`, '/readyz');
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

/** The median and the range of a set of samples (rounds of a noisy machine). */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

export const showSpread = (s: Spread, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** One figure of a benchmark's JSON: what it measured, the baseline of the same run, their ratio. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly value: Spread;
  readonly baseline?: { readonly name: string; readonly value: Spread };
  /** Per-round ratios to the baseline (higher is better), their median and range. */
  readonly ratio?: Spread;
  readonly cpuSecondsPerGiB?: Spread;
  readonly peakRssMb?: number;
  /** What else the bench measured beside this figure, or what it depends on (CPU per request, memory at rest…). */
  readonly details?: Readonly<Record<string, number | string | Spread>>;
}

/** Writes `bench/results/<name>.json`, so a run can be compared with the last. */
export async function writeResults(name: string, figures: readonly Figure[], extra: Record<string, unknown> = {}): Promise<string> {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).map(Number);
  await writeFile(file, `${JSON.stringify({ name, at: new Date().toISOString(), loadAverage: load, ...extra, figures }, null, 2)}\n`);
  return file;
}
