import { APIConnectionError, APIError, type Asset, type AssetdClient, UploadFailedError, UploadInterruptedError } from '@assetd/sdk';

export type UploadState = 'queued' | 'sending' | 'processing' | 'paused' | 'waiting' | 'imported' | 'failed' | 'canceled';

/** One file's row in the upload panel. */
export interface UploadItem {
  readonly id: string;
  readonly file: File;
  /** The file's path inside a dropped folder, else its name. */
  readonly name: string;
  readonly state: UploadState;
  readonly loaded: number;
  readonly total: number;
  /** Bytes per second, smoothed; 0 when not sending. */
  readonly speed: number;
  /** The server's status while it validates (`pending`, `validating`, `validated`). */
  readonly serverStatus?: string;
  /** The multipart upload, kept across a pause so a resume sends only the missing parts. */
  readonly uploadId?: string;
  readonly assetId?: string;
  /** The server's message when it refused the file, or what went wrong. */
  readonly error?: string;
}

/** Files sent at once; each multipart upload also sends its parts in parallel. */
const CONCURRENT_FILES = 3;
/** While the server is unreachable, each waiting upload tries again this often, at most this many times. */
const RECONNECT_MS = 3000;
const RECONNECT_ATTEMPTS = 100;

const FINISHED: readonly UploadState[] = ['imported', 'failed', 'canceled'];
const ACTIVE: readonly UploadState[] = ['sending', 'processing'];

/**
 * The browser's upload queue, apart from any UI: a store the panel subscribes to. Each file is
 * one `client.upload` with its own AbortSignal; uploads are started with `keepOnAbort`, so a
 * pause keeps the server's upload to resume it (`resumeUploadId`), and a cancel abandons it.
 */
export class UploadQueue {
  #items: UploadItem[] = [];
  readonly #controllers = new Map<string, AbortController>();
  readonly #stopping = new Map<string, 'pause' | 'cancel'>();
  readonly #reconnects = new Map<string, number>();
  readonly #listeners = new Set<() => void>();
  readonly #client: AssetdClient;
  readonly #onImported: (asset: Asset) => void;
  #next = 0;

  constructor(client: AssetdClient, onImported: (asset: Asset) => void) {
    this.#client = client;
    this.#onImported = onImported;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  snapshot = (): readonly UploadItem[] => this.#items;

  add(files: ReadonlyArray<{ file: File; path: string }>): void {
    for (const { file, path } of files) {
      this.#items = [...this.#items, { id: `u${++this.#next}`, file, name: path, state: 'queued', loaded: 0, total: file.size, speed: 0 }];
    }
    this.#emit();
    this.#pump();
  }

  pause(id: string): void {
    const item = this.#get(id);
    if (!item) return;
    if (item.state === 'queued' || item.state === 'waiting') this.#set(id, { state: 'paused', speed: 0 });
    else if (item.state === 'sending') this.#stop(id, 'pause');
  }

  resume(id: string): void {
    const item = this.#get(id);
    if (item?.state === 'paused' || item?.state === 'waiting') {
      this.#set(id, { state: 'queued', error: undefined });
      this.#pump();
    }
  }

  cancel(id: string): void {
    const item = this.#get(id);
    if (!item || FINISHED.includes(item.state)) return;
    if (ACTIVE.includes(item.state)) {
      this.#stop(id, 'cancel');
      return;
    }
    this.#set(id, { state: 'canceled', speed: 0 });
    if (item.uploadId) void this.#abandon(item.uploadId);
  }

  /** A failed or canceled file starts again from its first byte. */
  retry(id: string): void {
    const item = this.#get(id);
    if (item?.state !== 'failed' && item?.state !== 'canceled') return;
    this.#set(id, { state: 'queued', loaded: 0, error: undefined, uploadId: undefined, serverStatus: undefined });
    this.#pump();
  }

  pauseAll = () => {
    for (const item of this.#items) this.pause(item.id);
  };
  resumeAll = () => {
    for (const item of this.#items) this.resume(item.id);
  };
  cancelAll = () => {
    for (const item of this.#items) this.cancel(item.id);
  };
  retryFailed = () => {
    for (const item of this.#items) if (item.state === 'failed') this.retry(item.id);
  };
  clearFinished = () => {
    this.#items = this.#items.filter((item) => !FINISHED.includes(item.state));
    this.#emit();
  };

  /**
   * Stops everything (sign out, project switch): unfinished uploads are canceled, so the server
   * frees their parts now rather than when they expire; nobody is left to resume them.
   */
  dispose(): void {
    this.#listeners.clear();
    for (const item of this.#items) this.cancel(item.id);
  }

  #stop(id: string, how: 'pause' | 'cancel'): void {
    this.#stopping.set(id, how);
    this.#controllers.get(id)?.abort();
  }

  #pump(): void {
    let running = this.#items.filter((item) => ACTIVE.includes(item.state)).length;
    for (const item of this.#items) {
      if (running >= CONCURRENT_FILES) break;
      if (item.state !== 'queued') continue;
      running++;
      void this.#run(item);
    }
  }

  async #run(item: UploadItem): Promise<void> {
    const controller = new AbortController();
    this.#controllers.set(item.id, controller);
    this.#set(item.id, { state: 'sending', speed: 0, error: undefined });
    let last = { at: performance.now(), loaded: item.loaded };
    try {
      const asset = await this.#client.upload(item.file, {
        name: item.file.name,
        signal: controller.signal,
        keepOnAbort: true,
        ...(item.uploadId ? { resumeUploadId: item.uploadId } : {}),
        onUploadCreated: (upload) => this.#set(item.id, { uploadId: upload.id }),
        onProgress: (progress) => {
          if (progress.phase === 'processing') {
            return this.#set(item.id, {
              state: 'processing',
              loaded: progress.total,
              speed: 0,
              serverStatus: progress.status ?? 'pending',
            });
          }
          // Speed over the last second or so, so the ETA follows the connection as it changes.
          const now = performance.now();
          const elapsed = (now - last.at) / 1000;
          const current = this.#get(item.id);
          let speed = current?.speed ?? 0;
          if (elapsed >= 0.25) {
            const sample = Math.max(0, progress.loaded - last.loaded) / elapsed;
            speed = speed === 0 ? sample : speed * 0.6 + sample * 0.4;
            last = { at: now, loaded: progress.loaded };
          }
          this.#set(item.id, { loaded: progress.loaded, total: progress.total, speed });
        },
      });
      this.#reconnects.delete(item.id);
      this.#set(item.id, { state: 'imported', assetId: asset.id, loaded: item.total, speed: 0, serverStatus: 'imported' });
      this.#onImported(asset);
    } catch (error) {
      this.#failed(item.id, error);
    } finally {
      this.#controllers.delete(item.id);
      this.#pump();
    }
  }

  #failed(id: string, error: unknown): void {
    const stopping = this.#stopping.get(id);
    this.#stopping.delete(id);
    const uploadId = error instanceof UploadInterruptedError ? error.uploadId : this.#get(id)?.uploadId;
    if (stopping === 'pause') {
      this.#set(id, { state: 'paused', speed: 0, ...(uploadId ? { uploadId } : {}) });
      return;
    }
    if (stopping === 'cancel') {
      this.#set(id, { state: 'canceled', speed: 0 });
      if (uploadId) void this.#abandon(uploadId);
      return;
    }
    if (error instanceof UploadFailedError) {
      this.#set(id, { state: 'failed', speed: 0, error: error.errorMessage });
      return;
    }
    // The server went away: the upload waits, and carries on (from its missing parts) when it is back.
    const cause = error instanceof UploadInterruptedError ? error.cause : error;
    const attempts = this.#reconnects.get(id) ?? 0;
    if (cause instanceof APIConnectionError && attempts < RECONNECT_ATTEMPTS) {
      this.#reconnects.set(id, attempts + 1);
      this.#set(id, { state: 'waiting', speed: 0, error: 'The server cannot be reached: trying again', ...(uploadId ? { uploadId } : {}) });
      setTimeout(() => this.resume(id), RECONNECT_MS);
      return;
    }
    // The server's own words: an APIError's message is "<status> <code>: <message>".
    const message =
      cause instanceof APIError
        ? cause.message.replace(`${cause.status} ${cause.code}: `, '')
        : cause instanceof Error
          ? cause.message
          : String(cause);
    this.#set(id, { state: 'failed', speed: 0, error: message });
  }

  async #abandon(uploadId: string): Promise<void> {
    await this.#client.uploads.abort(uploadId).catch(() => undefined);
  }

  #get(id: string): UploadItem | undefined {
    return this.#items.find((item) => item.id === id);
  }

  #set(id: string, patch: Partial<Omit<UploadItem, 'id' | 'file' | 'name'>>): void {
    this.#items = this.#items.map((item) => (item.id === id ? ({ ...item, ...patch } as UploadItem) : item));
    this.#emit();
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** The totals of the panel's bar: failed and canceled files leave it, so it never stalls short of 100 %. */
export function totals(items: readonly UploadItem[]) {
  const counted = items.filter((item) => item.state !== 'failed' && item.state !== 'canceled');
  const total = counted.reduce((sum, item) => sum + item.total, 0);
  const loaded = counted.reduce((sum, item) => sum + Math.min(item.loaded, item.total), 0);
  const speed = counted.reduce((sum, item) => sum + item.speed, 0);
  return { total, loaded, speed, eta: speed > 0 ? (total - loaded) / speed : Number.NaN };
}
