import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's entry point, for tests that run `assetd serve` or `assetd worker` as a real process. */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../cli/src/main.ts');

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Polls `probe` every 50 ms until it returns a value; throws naming `what` after `timeoutMs`
 * (a bound on a wait, never a measurement), with `context()` appended (a process's output).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await pause(50);
  }
}

/** How a process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A real `assetd` process (`serve` or `worker`), its stdout and stderr kept for assertions and failure messages. */
export interface AssetdProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** What it printed so far, stdout and stderr interleaved. */
  readonly output: string[];
  /** Settles when it has exited. */
  readonly exited: Promise<Exit>;
  alive(): boolean;
  /** Sends `signal` to the process (not its group: as a supervisor would) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGKILLs its whole process group (a part receiver, an ffmpeg), even a stopped one, and waits for it to exit. */
  kill(): Promise<void>;
}

/** An `assetd serve` that answers /readyz. */
export interface ServeProcess extends AssetdProcess {
  readonly port: number;
  /** http://127.0.0.1:port */
  readonly base: string;
}

const running = new Set<AssetdProcess>();

/**
 * Spawns the CLI's `command` in a process group of its own (so `kill` takes its children too),
 * with `env` over this process's environment.
 */
export function spawnAssetd(command: 'serve' | 'worker', env: Record<string, string | undefined>, name: string = command): AssetdProcess {
  const child = spawn(process.execPath, [CLI, command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const proc: AssetdProcess = {
    name,
    child,
    output,
    exited,
    alive,
    async stop(signal = 'SIGTERM') {
      if (alive()) child.kill(signal);
      return exited;
    },
    async kill() {
      try {
        // A stopped (SIGSTOP) process takes SIGKILL too; the group is gone once the last member is.
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      await exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/**
 * `assetd serve` on a free loopback port (unless `env.PORT` names one), once /readyz answers
 * 200; fails with its output if it exits first or is not ready within 30 s.
 */
export async function startServe(env: Record<string, string | undefined>, name = 'serve'): Promise<ServeProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawnAssetd('serve', { ...env, PORT: String(port) }, name);
  const output = () => `${name}: ${proc.output.join('')}`;
  await waitFor(
    `${name} to be ready`,
    async () => {
      if (!proc.alive()) throw new Error(`${name} exited before it was ready\n${output()}`);
      return (await fetch(`${base}/readyz`).then(
        (response) => response.ok,
        () => false,
      ))
        ? true
        : undefined;
    },
    30_000,
    output,
  );
  return { ...proc, port, base };
}

/** Kills every `assetd` process a test started and left running, with its process group (afterAll / afterEach). */
export async function killAssetdProcesses(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.kill()));
}

/** A JSON client of a real server's API, with `key`: each call answers its status and parsed body. */
export function jsonApi(base: string, key: { readonly id: string; readonly secret: string }) {
  const authorization = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString('base64')}`;
  return async (method: string, url: string, body?: unknown) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
    return { status: response.status, body: (await response.json()) as any };
  };
}
