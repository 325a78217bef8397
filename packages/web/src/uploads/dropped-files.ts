/** A file to upload, with its path inside a dropped folder (or its bare name). */
export interface PickedFile {
  readonly file: File;
  readonly path: string;
}

/** Hidden files of a folder (.DS_Store, .git) are never assets. */
const hidden = (name: string) => name.startsWith('.');

/** A folder's entries: readEntries answers in batches until an empty one. */
async function entriesOf(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  // Bounded: a folder of more than 100 batches (10,000 files in Chromium) is cut there.
  for (let batch = 0; batch < 100; batch++) {
    const entries = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (entries.length === 0) break;
    all.push(...entries);
  }
  return all;
}

async function walk(entry: FileSystemEntry, depth: number, out: PickedFile[]): Promise<void> {
  if (hidden(entry.name) || depth > 32) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
  } else if (entry.isDirectory) {
    for (const child of await entriesOf(entry as FileSystemDirectoryEntry)) await walk(child, depth + 1, out);
  }
}

/**
 * The files of a drop: files as they are, folders walked (the File and Directory Entries API,
 * the only way a drop exposes a folder's content). Entries must be taken before any await: the
 * DataTransfer is emptied once the drop event returns.
 */
export async function droppedFiles(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries = [...transfer.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null));
  const plain = [...transfer.files];
  if (entries.every((entry) => entry === null)) return plain.map((file) => ({ file, path: file.name }));
  const out: PickedFile[] = [];
  for (const [index, entry] of entries.entries()) {
    if (entry) await walk(entry, 0, out);
    else if (plain[index]) out.push({ file: plain[index], path: plain[index].name });
  }
  return out;
}

/** The files of an `<input type=file>` (with `webkitdirectory`, their relative paths). */
export function pickedFiles(list: FileList): PickedFile[] {
  return [...list].filter((file) => !hidden(file.name)).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}
