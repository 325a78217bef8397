import { choosePartPlan, type PartPlan, partRange, planParts } from '@assetd/contract/part-plan';
import { APIUserAbortError, AssetdError, UploadFailedError, UploadInterruptedError } from '../core/errors.ts';
import type { Fetch } from '../core/options.ts';
import type { Assets } from '../resources/assets.ts';
import type { Uploads } from '../resources/uploads.ts';
import type { Asset, Upload, UploadKind, UploadPartLink, UploadStatus } from '../types.ts';
import { type FileType, fileTypeFromName, kindFromContentType } from './kinds.ts';
import { sendParts } from './send-parts.ts';
import { type ByteSource, openSource, type UploadSource } from './source.ts';

/** Images under this many bytes go to POST /v1/assets as base64 (spec 000's "< 6MB"); the server's default limit. */
export const SMALL_IMAGE_LIMIT = 6_000_000;

export interface UploadProgress {
  /** Undefined until the server has given the upload an id (and always for a small image). */
  readonly uploadId: string | undefined;
  /** `sending` while bytes go out, `processing` while the server validates and imports. */
  readonly phase: 'sending' | 'processing';
  /** Bytes the server has (on a resume, those it already had count). */
  readonly loaded: number;
  readonly total: number;
  /** The part that has just been sent. */
  readonly part?: { readonly number: number; readonly size: number };
  /** In the processing phase: the upload's status. */
  readonly status?: UploadStatus;
}

export interface UploadOptions {
  /** The file name the asset gets; default the path's or File's name. */
  readonly name?: string;
  /** Default: from the name's extension, else the Blob's type. */
  readonly kind?: UploadKind;
  readonly contentType?: string;
  /** Required for a stream: its length in bytes. */
  readonly size?: number;
  /** The asset options: hide it, give it a parent, put it in collections. */
  readonly hide?: boolean;
  readonly parentId?: string;
  readonly collectionIds?: readonly string[];
  /** Parts sent at once; default 4. */
  readonly concurrency?: number;
  /** About how big each part is; default 8 MiB (never under the spec's 5 MiB). */
  readonly partSize?: number;
  /** Retries of a failed part PUT; default 3. */
  readonly partRetries?: number;
  /** `auto` (default): base64 for images under 6 MB, multipart otherwise. */
  readonly method?: 'auto' | 'base64' | 'multipart';
  /** Continue this pending upload: only the parts the server lacks are sent. */
  readonly resumeUploadId?: string;
  /** Aborts the transfer and (unless `keepOnAbort`) abandons the upload on the server while it is still pending. */
  readonly signal?: AbortSignal;
  /**
   * On abort, leave the pending upload on the server (an UploadInterruptedError names it) so it
   * can be resumed later, rather than abandoning it. Default false.
   */
  readonly keepOnAbort?: boolean;
  readonly onProgress?: (progress: UploadProgress) => void;
  /** Told as soon as the upload exists, so its id can be kept for a resume. */
  readonly onUploadCreated?: (upload: Upload) => void;
  /** Give up waiting for the import after this many milliseconds (default: no limit). */
  readonly waitTimeout?: number;
}

export interface UploadContext {
  readonly assets: Assets;
  readonly uploads: Uploads;
  readonly fetch: Fetch;
}

/** `client.upload`: one call from a file to an imported asset, whichever path the file needs. */
export async function uploadSource(context: UploadContext, input: UploadSource, options: UploadOptions = {}): Promise<Asset> {
  if (options.signal?.aborted) throw new APIUserAbortError();
  if (options.resumeUploadId) return resume(context, input, options.resumeUploadId, options);
  const source = await openSource(input, options);
  try {
    const name = options.name ?? source.name ?? 'upload';
    const type = fileType(name, source, options);
    const method = options.method ?? 'auto';
    if (method === 'base64' || (method === 'auto' && type.kind === 'image' && source.size < SMALL_IMAGE_LIMIT)) {
      return await sendSmallImage(context, source, name, options);
    }
    const plan = choosePartPlan(source.size, options.partSize);
    const upload = await context.uploads.create(
      {
        fileName: name,
        contentType: type.contentType,
        kind: type.kind,
        parts: plan.partsCount,
        fileSize: source.size,
        ...assetOptions(options),
      },
      { signal: options.signal },
    );
    options.onUploadCreated?.(upload);
    const links = new Map((upload.parts ?? []).map((link) => [link.number, link]));
    const numbers = Array.from({ length: plan.partsCount }, (_, i) => i + 1);
    return await transfer(context, source, upload.id, plan, links, numbers, 0, options);
  } finally {
    await source.close();
  }
}

function fileType(name: string, source: ByteSource, options: UploadOptions): FileType {
  const fromName = fileTypeFromName(name);
  const kind = options.kind ?? fromName?.kind ?? (source.type ? kindFromContentType(source.type) : undefined);
  const contentType = options.contentType ?? (fromName && fromName.kind === kind ? fromName.contentType : source.type);
  if (!kind || !contentType) {
    throw new AssetdError(
      `Cannot tell what "${name}" is from its name: pass kind and contentType (e.g. kind: "3d", contentType: "model/obj")`,
    );
  }
  return { kind, contentType };
}

function assetOptions(options: UploadOptions) {
  const { hide, parentId, collectionIds } = options;
  if (hide === undefined && parentId === undefined && collectionIds === undefined) return {};
  return { assetOptions: { hide, parentId, collectionIds: collectionIds ? [...collectionIds] : undefined } };
}

async function sendSmallImage(context: UploadContext, source: ByteSource, name: string, options: UploadOptions): Promise<Asset> {
  const bytes = await source.read(0, source.size);
  const image = await toBase64(bytes instanceof Uint8Array ? bytes : new Uint8Array(await bytes.arrayBuffer()));
  const asset = await context.assets.create(
    {
      image,
      name,
      hide: options.hide,
      parentId: options.parentId,
      collectionIds: options.collectionIds ? [...options.collectionIds] : undefined,
    },
    { signal: options.signal },
  );
  options.onProgress?.({ uploadId: undefined, phase: 'processing', loaded: source.size, total: source.size, status: 'imported' });
  return asset;
}

/** Base64 in any runtime: Node's Buffer when there is one, else btoa over binary-string chunks. */
async function toBase64(bytes: Uint8Array): Promise<string> {
  const NodeBuffer = (globalThis as { Buffer?: { from(b: Uint8Array): { toString(e: string): string } } }).Buffer;
  if (NodeBuffer) return NodeBuffer.from(bytes).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

async function resume(context: UploadContext, input: UploadSource, uploadId: string, options: UploadOptions): Promise<Asset> {
  const upload = await context.uploads.retrieve(uploadId, {}, { signal: options.signal });
  // Already completed (the interruption came while waiting): only the wait is left.
  if (upload.status !== 'pending') return finish(context, uploadId, upload.fileSize ?? 0, options);
  if (upload.fileSize === undefined || upload.partsCount === undefined) {
    throw new AssetdError(`Upload ${uploadId} is a ${upload.source} import: there are no parts to resume`);
  }
  const plan = planParts(upload.fileSize, upload.partsCount);
  const source = await openSource(input, { ...options, size: options.size ?? upload.fileSize });
  try {
    if (source.size !== plan.fileSize) {
      throw new AssetdError(`The source has ${source.size} bytes but upload ${uploadId} expects ${plan.fileSize}: is it the same file?`);
    }
    const { parts } = await context.uploads.listParts(uploadId, { signal: options.signal });
    const size = (n: number) => partRange(plan, n).end - partRange(plan, n).start;
    // A part the server has at its planned size is kept; anything else is sent again.
    const have = new Set(parts.filter((part) => part.size === size(part.number)).map((part) => part.number));
    const numbers = Array.from({ length: plan.partsCount }, (_, i) => i + 1).filter((n) => !have.has(n));
    const links = new Map<number, UploadPartLink>();
    if (numbers.length > 0) {
      for (const link of await context.uploads.signParts(uploadId, numbers, { signal: options.signal })) links.set(link.number, link);
    }
    const loaded = [...have].reduce((sum, n) => sum + size(n), 0);
    return await transfer(context, source, uploadId, plan, links, numbers, loaded, options);
  } finally {
    await source.close();
  }
}

/** Enough retries of `complete` to outlast a crashed request's hold on it (30 s by default, Retry-After 2 s). */
const COMPLETE_RETRIES = 30;

/** Sends the parts, completes, and waits: the multipart path from the first PUT to the asset. */
async function transfer(
  context: UploadContext,
  source: ByteSource,
  uploadId: string,
  plan: PartPlan,
  links: Map<number, UploadPartLink>,
  numbers: readonly number[],
  alreadyLoaded: number,
  options: UploadOptions,
): Promise<Asset> {
  const { signal } = options;
  let loaded = alreadyLoaded;
  const report = (part?: { number: number; size: number }) =>
    options.onProgress?.({ uploadId, phase: 'sending', loaded, total: plan.fileSize, ...(part ? { part } : {}) });
  report();
  try {
    await sendParts({
      fetch: context.fetch,
      source,
      plan,
      links,
      numbers,
      concurrency: options.concurrency ?? 4,
      retries: options.partRetries ?? 3,
      signal,
      renew: (wanted) => context.uploads.signParts(uploadId, wanted, { signal }),
      // Counting bytes as they leave costs a stream per part: only when someone is watching.
      ...(options.onProgress
        ? {
            onBytes: (delta: number) => {
              loaded += delta;
              report();
            },
          }
        : {}),
      onPartSent: (part) => report(part),
    });
    // "Being completed by another request" (a retry racing a slow first attempt, or one that
    // crashed and whose hold must run out) answers 409 with Retry-After: retried, not final.
    await context.uploads.complete(uploadId, { signal, maxRetries: COMPLETE_RETRIES });
  } catch (error) {
    if (signal?.aborted && !options.keepOnAbort) throw await abandon(context, uploadId);
    // The upload stays pending: the error names it, so the caller can resume it.
    throw new UploadInterruptedError(uploadId, error);
  }
  return finish(context, uploadId, plan.fileSize, options);
}

/** The caller aborted while the upload was pending: abandon it on the server, so its parts are freed now. */
async function abandon(context: UploadContext, uploadId: string): Promise<APIUserAbortError> {
  // Its own request, without the aborted signal; if it fails, the server's expiry sweep frees the parts later.
  await context.uploads.abort(uploadId).catch(() => {});
  return new APIUserAbortError(`The upload was aborted, and upload ${uploadId} abandoned on the server`);
}

async function finish(context: UploadContext, uploadId: string, total: number, options: UploadOptions): Promise<Asset> {
  const final = await context.uploads.waitForCompletion(uploadId, {
    signal: options.signal,
    timeout: options.waitTimeout,
    onStatus: (upload) => options.onProgress?.({ uploadId, phase: 'processing', loaded: total, total, status: upload.status }),
  });
  if (final.status === 'failed') throw new UploadFailedError({ ...final, errorMessage: final.errorMessage });
  if (!final.entityId) throw new AssetdError(`Upload ${uploadId} ended ${final.status} without an asset`);
  return context.assets.retrieve(final.entityId, { signal: options.signal });
}
