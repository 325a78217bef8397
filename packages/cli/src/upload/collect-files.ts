import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileTypeFromName } from '@assetd/sdk';

export interface FileToUpload {
  /** As the user named it (or as found under a named folder), for messages and results. */
  readonly display: string;
  readonly absolute: string;
  readonly size: number;
}

export interface Collected {
  readonly files: FileToUpload[];
  /** Files inside folders whose extension names no known format: left out, and said so. */
  readonly skipped: string[];
}

/**
 * The files the arguments name: files as given (an unknown extension is the upload's failure to
 * report), folders walked recursively for files of a known format. Hidden entries are skipped,
 * as they are system or editor files, not assets.
 */
export async function collectFiles(args: readonly string[], cwd: string, knownKind: boolean): Promise<Collected> {
  const files: FileToUpload[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  const add = (display: string, absolute: string, size: number) => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    files.push({ display, absolute, size });
  };
  const walk = async (display: string, absolute: string): Promise<void> => {
    const entries = await readdir(absolute, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const childDisplay = path.join(display, entry.name);
      const childAbsolute = path.join(absolute, entry.name);
      if (entry.isDirectory()) await walk(childDisplay, childAbsolute);
      else if (entry.isFile()) {
        if (!knownKind && !fileTypeFromName(entry.name)) skipped.push(childDisplay);
        else add(childDisplay, childAbsolute, (await stat(childAbsolute)).size);
      }
    }
  };
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) throw new Error(`${arg}: no such file or folder`);
    if (info.isDirectory()) await walk(arg, absolute);
    else add(arg, absolute, info.size);
  }
  return { files, skipped };
}
