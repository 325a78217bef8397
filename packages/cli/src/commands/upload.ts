import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { APIError, type AssetdClient, fileTypeFromName, type UploadKind } from '@assetd/sdk';
import type { Command } from 'commander';
import {
  addConnectionOptions,
  CLIENT_ENVIRONMENT,
  type ConnectionOptions,
  clientFrom,
  envOption,
  toJson,
  wholeNumber,
} from '../client-options.ts';
import { describeError, EXIT, EXIT_CODES_HELP, ExitError, exitCodeFor } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { printable } from '../printable.ts';
import { collectFiles, type FileToUpload } from '../upload/collect-files.ts';
import { type FileProgress, formatBytes, progressView } from '../upload/progress-view.ts';
import { fingerprint, stateDir, UnfinishedUploads } from '../upload/unfinished.ts';

interface UploadCommandOptions extends ConnectionOptions {
  readonly kind?: string;
  readonly contentType?: string;
  readonly concurrency?: string;
  readonly partConcurrency?: string;
  readonly partSize?: string;
  readonly collection?: string;
  readonly parent?: string;
  readonly hide?: boolean;
  readonly resume?: string;
  readonly json?: boolean;
  readonly progress?: boolean;
  readonly skipExisting?: boolean;
  readonly abortOnInterrupt?: boolean;
}

/** One file's outcome, as printed by --json. */
interface UploadResult {
  readonly file: string;
  readonly size: number;
  readonly kind?: string;
  readonly assetId?: string;
  readonly uploadId?: string;
  /** The project already had these bytes: nothing was sent, assetId is the asset that has them. */
  readonly skipped?: true;
  readonly error?: { readonly message: string; readonly code?: string; readonly requestId?: string };
}

const KINDS = ['image', 'audio', 'video', '3d'];

export function registerUploadCommand(program: Command, io: CliIo): void {
  const command = program
    .command('upload')
    .description('upload files and folders; prints one asset id per file (folders: every file of a known format, recursively)')
    .argument('<paths...>', 'files or folders')
    .addOption(envOption(io, '--kind <kind>', `image, audio, video or 3d for every file (default: from each extension)`, 'ASSETD_KIND'))
    .addOption(envOption(io, '--content-type <type>', 'content type for every file (default: from each extension)', 'ASSETD_CONTENT_TYPE'))
    .addOption(envOption(io, '-c, --concurrency <n>', 'files uploaded at once (default 2)', 'ASSETD_CONCURRENCY'))
    .addOption(envOption(io, '--part-concurrency <n>', 'parts of one file sent at once (default 4)', 'ASSETD_PART_CONCURRENCY'))
    .addOption(envOption(io, '--part-size <MiB>', 'size of each part of a multipart upload (default 8, at least 5)', 'ASSETD_PART_SIZE'))
    .addOption(envOption(io, '--collection <id>', 'add every asset to this collection', 'ASSETD_COLLECTION_ID'))
    .addOption(envOption(io, '--parent <assetId>', 'parent asset of every asset', 'ASSETD_PARENT_ID'))
    .addOption(envOption(io, '--hide', 'hide the assets from the UI', 'ASSETD_HIDE'))
    .addOption(envOption(io, '--resume <uploadId>', 'continue an interrupted upload of the one file given', 'ASSETD_RESUME_UPLOAD_ID'))
    .addOption(envOption(io, '--json', 'print the results as a JSON array on stdout', 'ASSETD_JSON'))
    .addOption(envOption(io, '--no-progress', 'draw no progress on stderr', 'ASSETD_NO_PROGRESS'))
    .addOption(
      envOption(
        io,
        '--no-skip-existing',
        'upload files even when the project already has their bytes (by SHA-256)',
        'ASSETD_NO_SKIP_EXISTING',
      ),
    )
    .addOption(
      envOption(
        io,
        '--abort-on-interrupt',
        'on Ctrl-C, abandon unfinished uploads on the server (by default they are kept, and the same command resumes them)',
        'ASSETD_ABORT_ON_INTERRUPT',
      ),
    )
    .addHelpText('after', `${CLIENT_ENVIRONMENT}\n${EXIT_CODES_HELP}`);
  addConnectionOptions(command, io).action(async (paths: string[], options: UploadCommandOptions) => {
    const code = await uploadAll(io, paths, options);
    if (code !== EXIT.ok) throw new ExitError(code);
  });
}

async function uploadAll(io: CliIo, paths: readonly string[], options: UploadCommandOptions): Promise<number> {
  if (options.kind !== undefined && !KINDS.includes(options.kind))
    throw new Error(`--kind must be one of ${KINDS.join(', ')}, got "${options.kind}"`);
  const concurrency = wholeNumber(options.concurrency, '--concurrency', 1, 64) ?? 2;
  const partConcurrency = wholeNumber(options.partConcurrency, '--part-concurrency', 1, 64) ?? 4;
  const partSizeMiB = wholeNumber(options.partSize, '--part-size', 5, 5 * 1024);
  const client = clientFrom(options);
  const { files, skipped } = await collectFiles(paths, io.cwd ?? process.cwd(), options.kind !== undefined);
  if (options.resume && files.length !== 1) throw new Error('--resume continues one upload: give exactly the one file it was of');
  for (const file of skipped) io.stderr(`skipped  ${printable(file)}: not a known image, audio, video or 3D format\n`);
  if (files.length === 0) throw new Error('no files to upload');

  const started = Date.now();
  // The progress option is true unless --no-progress or ASSETD_NO_PROGRESS says otherwise.
  const view = progressView(
    io,
    files.reduce((sum, file) => sum + file.size, 0),
    options.progress !== false,
  );
  const unfinished = new UnfinishedUploads(stateDir(io.env));
  const target = { baseURL: client.options.baseURL, ...(options.project ? { projectId: options.project } : {}) };
  const results: UploadResult[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length && !io.signal?.aborted) {
      const index = next++;
      const file = files[index] as FileToUpload;
      const progress = view.file(file.display, file.size);
      results[index] = await uploadOne(client, file, options, { partConcurrency, partSizeMiB, unfinished, target }, progress, io.signal);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  } finally {
    view.stop();
  }

  const done = results.filter((result): result is UploadResult => result !== undefined);
  if (options.json) io.stdout(toJson(done));
  else for (const result of done) if (result.assetId) io.stdout(`${result.assetId}\t${printable(result.file)}\n`);
  const existing = done.filter((result) => result.skipped).length;
  const failures = done.filter((result) => result.error);
  const notStarted = files.length - done.length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const bytes = formatBytes(done.filter((result) => result.assetId && !result.skipped).reduce((sum, result) => sum + result.size, 0));
  io.stderr(
    `${done.length - failures.length - existing} of ${files.length} file${files.length === 1 ? '' : 's'} uploaded (${bytes}) in ${seconds} s` +
      `${existing > 0 ? `; ${existing} already there` : ''}` +
      `${failures.length > 0 ? `; ${failures.length} failed:` : ''}${notStarted > 0 ? `; ${notStarted} not started (interrupted)` : ''}\n`,
  );
  for (const failure of failures) io.stderr(`  ${printable(failure.file)}: ${printable(failure.error?.message ?? '')}\n`);
  if (io.signal?.aborted) return EXIT.interrupted;
  if (failures.length === 0) return EXIT.ok;
  const codes = new Set(failures.map((failure) => failureCodes.get(failure) ?? EXIT.uploadFailed));
  // One shared cause (every file refused for bad credentials, the server down…) keeps its own code.
  return codes.size === 1 ? ([...codes][0] as number) : EXIT.uploadFailed;
}

/** Exit codes of failed results, kept beside them so --json output stays plain data. */
const failureCodes = new WeakMap<UploadResult, number>();

interface UploadSettings {
  readonly partConcurrency: number;
  readonly partSizeMiB: number | undefined;
  readonly unfinished: UnfinishedUploads;
  readonly target: { readonly baseURL: string; readonly projectId?: string };
}

/** The file's SHA-256, read from disk as a stream. */
async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** A recorded upload that can no longer be resumed (finished, aborted, expired, swept): start afresh. */
const cannotResume = (error: unknown) =>
  error instanceof APIError &&
  (error.status === 404 || error.status === 409) &&
  !(error.status === 409 && error.code === 'UPLOAD_COMPLETING');

async function uploadOne(
  client: AssetdClient,
  file: FileToUpload,
  options: UploadCommandOptions,
  settings: UploadSettings,
  progress: FileProgress,
  signal: AbortSignal | undefined,
): Promise<UploadResult> {
  const name = path.basename(file.absolute);
  const kind = (options.kind as UploadKind | undefined) ?? fileTypeFromName(name)?.kind;
  let uploadId: string | undefined;
  let key: string | undefined;
  try {
    if (!kind) throw new Error(`cannot tell what ${name} is from its extension: pass --kind and --content-type`);
    const info = await stat(file.absolute);
    key = fingerprint(settings.target, { absolute: file.absolute, size: info.size, mtimeMs: info.mtimeMs });
    // An explicit --resume wins; else an upload of this very file that an earlier run left unfinished.
    const recorded = options.resume ? undefined : await settings.unfinished.find(key);
    if (options.skipExisting !== false && !options.resume && !recorded) {
      const [existing] = (await client.assets.list({ sha256: await sha256Of(file.absolute), pageSize: 1 }, { signal })).items;
      if (existing) {
        progress.done(`already uploaded as ${existing.id}`);
        return { file: file.display, size: file.size, kind: existing.kind, assetId: existing.id, skipped: true };
      }
    }
    const upload = (resumeUploadId: string | undefined) =>
      client.upload(file.absolute, {
        name,
        kind,
        contentType: options.contentType,
        concurrency: settings.partConcurrency,
        ...(settings.partSizeMiB ? { partSize: settings.partSizeMiB * 1024 * 1024 } : {}),
        ...(options.collection ? { collectionIds: [options.collection] } : {}),
        ...(options.parent ? { parentId: options.parent } : {}),
        ...(options.hide ? { hide: true } : {}),
        ...(resumeUploadId ? { resumeUploadId } : {}),
        signal,
        keepOnAbort: !options.abortOnInterrupt,
        onUploadCreated: (created) => {
          uploadId = created.id;
          // Remembered before any byte is sent: a crash from here on leaves it resumable.
          void settings.unfinished.remember(key as string, created.id).catch(() => {});
        },
        onProgress: (event) => {
          uploadId = event.uploadId ?? uploadId;
          progress.update(event.loaded, event.phase === 'sending' ? 'sending' : (event.status ?? 'processing'));
        },
      });
    let asset: Awaited<ReturnType<AssetdClient['upload']>>;
    try {
      asset = await upload(options.resume ?? recorded);
    } catch (error) {
      if (!recorded || !cannotResume(error)) throw error;
      await settings.unfinished.forget(key);
      asset = await upload(undefined);
    }
    await settings.unfinished.forget(key);
    progress.done(asset.id);
    return { file: file.display, size: file.size, kind: asset.kind, assetId: asset.id, ...(uploadId ? { uploadId } : {}) };
  } catch (error) {
    const message = describeError(error);
    progress.failed(message);
    const api = apiDetails(error);
    const resumable = 'uploadId' in Object(error) ? (error as { uploadId: string }).uploadId : uploadId;
    // Kept for the next run only while the server still holds it (interrupted, not refused or abandoned).
    if (key && !(error instanceof Error && error.name === 'UploadInterruptedError')) await settings.unfinished.forget(key).catch(() => {});
    const result: UploadResult = {
      file: file.display,
      size: file.size,
      ...(kind ? { kind } : {}),
      ...(resumable ? { uploadId: resumable } : {}),
      error: { message, ...api },
    };
    failureCodes.set(result, exitCodeFor(error));
    return result;
  }
}

function apiDetails(error: unknown): { code?: string; requestId?: string } {
  const source = (error as { cause?: unknown })?.cause ?? error;
  const { code, requestId } = (source ?? {}) as { code?: unknown; requestId?: unknown };
  return { ...(typeof code === 'string' ? { code } : {}), ...(typeof requestId === 'string' ? { requestId } : {}) };
}
