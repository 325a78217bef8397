import { chmod, mkdir } from 'node:fs/promises';

/**
 * Everything this process creates from now on is its user's alone: files 0600, folders 0700.
 * The data folder holds the database (API key hashes, the generated signing secret) and every
 * tenant's bytes; nothing in it is for other users of the machine. Called once, at the start
 * of a command that writes there (serve, worker, keys, fsck), never by library code.
 */
export function keepFilesPrivate(): void {
  process.umask(0o077);
}

/** Creates the data folder (or tightens an existing one) to 0700. */
export async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}
