import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestEnvironment } from './databases.ts';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'job-worker.ts');

/** A worker process of helpers/job-worker.ts, on a test environment's database. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Its stdout and stderr, as they came. */
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it if it still runs (even stopped) and removes its data folder. */
  dispose(): Promise<void>;
}

/**
 * `assetd worker` as a real process on `env`'s database, with a data folder of its own, a 1 s
 * job lease (a killed worker's jobs are taken over quickly) and the test importer `importer`.
 */
export async function startWorkerProcess(
  env: TestEnvironment,
  importer: 'crash' | 'refuse',
  extra: Record<string, string> = {},
): Promise<WorkerProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-worker-'));
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      ASSETD_DATA_DIR: dataDir,
      ASSETD_DATABASE_URL: env.config.databaseUrl,
      ASSETD_JOB_LEASE_SECONDS: '1',
      ASSETD_LOG_LEVEL: 'warn',
      TEST_IMPORTER: importer,
      ...(env.schema ? { TEST_SCHEMA: env.schema } : {}),
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output,
    exited,
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
