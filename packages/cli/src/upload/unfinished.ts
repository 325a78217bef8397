import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Where the CLI keeps what it must remember between runs: ASSETD_STATE_DIR, else the XDG state folder. */
export function stateDir(env: Record<string, string | undefined>): string {
  if (env.ASSETD_STATE_DIR) return env.ASSETD_STATE_DIR;
  return path.join(env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state'), 'assetd');
}

/**
 * Which local file an upload was of, as tus clients fingerprint them: the server and project it
 * went to, the file's absolute path, its size and its modification time. A changed file gets a
 * new fingerprint, so an upload of its old bytes is never resumed with its new ones.
 */
export function fingerprint(
  target: { baseURL: string; projectId?: string },
  file: { absolute: string; size: number; mtimeMs: number },
): string {
  return [target.baseURL, target.projectId ?? '', file.absolute, file.size, Math.trunc(file.mtimeMs)].join('|');
}

/**
 * The uploads this CLI started and did not finish (interrupted, crashed, failed on the way), so
 * `assetd upload` of the same files resumes them, sending only the parts the server lacks. One
 * small JSON file, written whole (temporary file, then rename) and only by its user (0600);
 * writes within a process are serialised.
 */
export class UnfinishedUploads {
  readonly #file: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    this.#file = path.join(dir, 'unfinished-uploads.json');
  }

  async #read(): Promise<Record<string, string>> {
    try {
      const value = JSON.parse(await readFile(this.#file, 'utf8')) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  async #change(edit: (all: Record<string, string>) => void): Promise<void> {
    const run = this.#queue.then(async () => {
      const all = await this.#read();
      edit(all);
      await mkdir(path.dirname(this.#file), { recursive: true, mode: 0o700 });
      const temporary = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, this.#file);
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async find(key: string): Promise<string | undefined> {
    return (await this.#read())[key];
  }

  remember(key: string, uploadId: string): Promise<void> {
    return this.#change((all) => {
      all[key] = uploadId;
    });
  }

  forget(key: string): Promise<void> {
    return this.#change((all) => {
      delete all[key];
    });
  }
}
