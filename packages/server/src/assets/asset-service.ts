import type { Kysely, Transaction, Updateable } from 'kysely';
import type { AssetsTable, Database } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import type { EventLog } from '../events/event-log.ts';
import type { FileRef, FileStore, PendingFile, ReleasedFile, StagedFile } from '../files/file-store.ts';
import { newId } from '../lib/ids.ts';
import { nowIso } from '../lib/time.ts';
import { PREVIEW_MIME, THUMBNAIL_MIME, WAVEFORM_MIME } from '../media/preview-types.ts';
import { type Description, describeFile } from '../pipeline/description.ts';
import type { QuotaService } from '../quotas/quota-service.ts';
import type { Asset, AssetListQuery, AssetPage, AssetPatch, Scope } from './asset.ts';
import { AssetRepository } from './asset-repository.ts';
import { decodeCursor } from './cursor.ts';
import { PREVIEW_COLUMNS, type PreviewSlot } from './previews.ts';

/** Where a new asset goes and how it is labelled; spec 001's assetOptions. */
export interface AssetOptions {
  readonly hide?: boolean;
  readonly parentId?: string;
  readonly collectionIds?: readonly string[];
}

/** A file received in one request and staged, waiting to become an asset. */
export interface NewStagedInput extends AssetOptions {
  readonly staged: StagedFile;
  readonly name: string;
  /** The file name the client sent with the bytes, if any. */
  readonly originalFileName?: string;
}

export interface NewAssetInput extends AssetOptions {
  readonly name: string;
  readonly originalFileName?: string;
  readonly description: Description;
  readonly source: string;
}

export interface AssetLimits {
  /** Images of this many bytes or more must go through /v1/uploads. */
  readonly maxSmallImageBytes: number;
  /** Decoding refuses images with more pixels than this (decompression bombs). */
  readonly maxPixels: number;
  /** The ffmpeg that extracts video frames: a path, false for none, or absent to look on the PATH. */
  readonly ffmpeg?: string | false;
}

/** The preview files a description brings, once stored (each may be absent). */
interface StoredPreviews {
  readonly thumbnail?: PendingFile;
  readonly firstFrame?: PendingFile;
  readonly lastFrame?: PendingFile;
  readonly preview?: PendingFile;
  readonly waveform?: PendingFile;
}

/** Preview images or data made for an existing asset, by the slot each fills. */
export type PreviewFiles = Partial<Record<PreviewSlot, { readonly bytes: Buffer; readonly mimeType: string }>>;

/** The asset's previews changed (or it went) after they were read: the caller reads it again. */
class PreviewsChanged extends Error {}

const formatMegabytes = (bytes: number) => `${Math.round(bytes / 100_000) / 10} MB`;

export function smallImageTooLarge(limit: number, size?: number): AppError {
  const actual = size === undefined ? '' : ` is ${formatMegabytes(size)}; images`;
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `The image${actual} of ${formatMegabytes(limit)} or more must be uploaded with POST /v1/uploads (multipart upload)`,
    { limit },
  );
}

export class AssetService {
  readonly #db: Kysely<Database>;
  readonly #files: FileStore;
  readonly #repo: AssetRepository;
  readonly #limits: AssetLimits;
  readonly #quotas: QuotaService;
  readonly #events: EventLog;

  constructor(db: Kysely<Database>, files: FileStore, limits: AssetLimits, quotas: QuotaService, events: EventLog) {
    this.#db = db;
    this.#files = files;
    this.#quotas = quotas;
    this.#repo = new AssetRepository(db);
    this.#limits = limits;
    this.#events = events;
  }

  /** Records `type` for the asset as it now is in `trx`: last in the transaction (events/event-log.ts). */
  async #recordEvent(trx: Transaction<Database>, projectId: string, id: string, type: 'asset.created' | 'asset.updated'): Promise<void> {
    const asset = await this.#repo.find(projectId, id, trx);
    if (asset) await this.#events.record(trx, projectId, type, asset);
  }

  get limits(): AssetLimits {
    return this.#limits;
  }

  /**
   * The small-upload path: identify the image, measure it, make its thumbnail, store both
   * and record the asset in one transaction. The staged file is consumed either way.
   */
  async createImage(scope: Scope, input: NewStagedInput): Promise<Asset> {
    const limit = this.#limits.maxSmallImageBytes;
    if (input.staged.size >= limit) {
      await this.#files.discard(input.staged);
      throw smallImageTooLarge(limit, input.staged.size);
    }
    return this.#createStaged(scope, input, { imagesOnly: true });
  }

  /**
   * The form-upload path for every kind the pipeline knows (image, audio, video, 3D): identify
   * and describe the staged file, store it and record the asset in one transaction. Unlike
   * createImage there is no small-image limit: the caller bounded the bytes as they streamed in.
   * The staged file is consumed either way.
   */
  createFromStaged(scope: Scope, input: NewStagedInput): Promise<Asset> {
    return this.#createStaged(scope, input, {});
  }

  async #createStaged(scope: Scope, input: NewStagedInput, options: { imagesOnly?: boolean }): Promise<Asset> {
    const { staged } = input;
    try {
      // The size is known now: a file over the quota is refused before it is described.
      await this.#quotas.precheck(scope.projectId, staged.size, staged.sha256);
      const description = await describeFile(staged, { maxPixels: this.#limits.maxPixels, ffmpeg: this.#limits.ffmpeg, ...options });
      await this.#checkReferences(this.#db, scope, input);
      const file = await this.#files.upload(staged, description.mimeType);
      const id = await this.#record(scope, { ...input, description, source: 'uploaded' }, file, {});
      return this.get(scope, id);
    } finally {
      await this.#files.discard(staged);
    }
  }

  /**
   * Records an asset for bytes already in storage (a completed upload). The object stays if
   * this fails, for the next attempt; `within` runs in the same transaction (the upload's
   * own state change), so the asset exists exactly when the upload says so.
   */
  async createFromStored(
    scope: Scope,
    input: NewAssetInput & { readonly file: PendingFile },
    within: (trx: Transaction<Database>, assetId: string) => Promise<void>,
  ): Promise<string> {
    return this.#record(scope, input, input.file, { keepMain: true, reserved: true, within });
  }

  async #record(
    scope: Scope,
    input: NewAssetInput,
    file: PendingFile,
    options: {
      keepMain?: boolean;
      /** The quota was reserved for it (an upload's asset): counted, not checked. */
      reserved?: boolean;
      within?: (trx: Transaction<Database>, assetId: string) => Promise<void>;
    },
  ): Promise<string> {
    const { description } = input;
    const previews = await this.#storePreviews(description);
    const pending = [file, ...Object.values(previews).filter((p): p is PendingFile => p !== undefined)];
    const id = newId('asset');
    await this.#files.commit(
      pending,
      async (trx, refs) => {
        // The committed file of a pending one: itself, or the identical bytes already stored.
        const ref = (p: PendingFile | undefined) => (p ? refs[pending.indexOf(p)] : undefined);
        const stored = ref(file);
        const parent = await this.#checkReferences(trx, scope, input);
        // Refused here, the transaction rolls back and the fresh copies are deleted: nothing is left.
        await this.#quotas.addAsset(trx, scope.projectId, { fileId: (stored as FileRef).id, size: file.size }, !options.reserved);
        const now = nowIso();
        await this.#repo.insert(
          trx,
          {
            id,
            project_id: scope.projectId,
            author_id: scope.authorId,
            kind: description.kind,
            mime_type: description.mimeType,
            name: input.name,
            original_file_name: input.originalFileName ?? null,
            description: null,
            source: input.source,
            type: 'uploaded',
            privacy: 'private',
            is_hidden: input.hide ?? false,
            tags: [],
            parent_id: parent?.id ?? null,
            root_parent_id: parent ? (parent.rootParentId ?? parent.id) : null,
            model_id: null,
            file_id: (stored as FileRef).id,
            thumbnail_file_id: ref(previews.thumbnail)?.id ?? null,
            first_frame_file_id: ref(previews.firstFrame)?.id ?? null,
            last_frame_file_id: ref(previews.lastFrame)?.id ?? null,
            preview_file_id: ref(previews.preview)?.id ?? null,
            preview_error: description.previewError ?? null,
            waveform_file_id: ref(previews.waveform)?.id ?? null,
            size: file.size,
            width: description.width ?? null,
            height: description.height ?? null,
            properties: { ...description.properties },
            status: 'success',
            created_at: now,
            updated_at: now,
          },
          [...new Set(input.collectionIds ?? [])],
        );
        await options.within?.(trx, id);
        await this.#recordEvent(trx, scope.projectId, id, 'asset.created');
      },
      { keepOnFailure: options.keepMain ? [file] : [] },
    );
    return id;
  }

  /** Stores the previews the pipeline made; if one fails, those already stored are removed. */
  async #storePreviews(description: Description): Promise<StoredPreviews> {
    const stored: PendingFile[] = [];
    const put = async (bytes: Buffer | undefined, mimeType: string) => {
      if (!bytes) return undefined;
      const file = await this.#files.uploadBuffer(bytes, mimeType);
      stored.push(file);
      return file;
    };
    try {
      return {
        thumbnail: await put(description.thumbnail, THUMBNAIL_MIME),
        firstFrame: await put(description.frames?.first, description.frames?.mimeType ?? THUMBNAIL_MIME),
        lastFrame: await put(description.frames?.last, description.frames?.mimeType ?? THUMBNAIL_MIME),
        preview: await put(description.preview, PREVIEW_MIME),
        waveform: await put(description.waveform, WAVEFORM_MIME),
      };
    } catch (error) {
      await this.#files.deleteObjects(stored.map((file) => file.storageKey));
      throw error;
    }
  }

  /** Fails when the parent or collections named for a new asset are not in its project. */
  async checkReferences(scope: Scope, options: AssetOptions): Promise<void> {
    await this.#checkReferences(this.#db, scope, options);
  }

  /** The parent and collections named by a new asset must exist in its project. */
  async #checkReferences(db: Kysely<Database> | Transaction<Database>, scope: Scope, input: AssetOptions): Promise<Asset | undefined> {
    const parent = input.parentId ? await this.#repo.find(scope.projectId, input.parentId, db) : undefined;
    if (input.parentId && !parent) throw notFound('ASSET_NOT_FOUND', 'Parent asset', input.parentId);
    const wanted = [...new Set(input.collectionIds ?? [])];
    if (wanted.length > 0) {
      const rows = await db
        .selectFrom('collections')
        .select('id')
        .where('project_id', '=', scope.projectId)
        .where('id', 'in', wanted)
        .execute();
      const found = new Set(rows.map((row) => row.id));
      const missing = wanted.filter((id) => !found.has(id));
      if (missing.length > 0) throw notFound('COLLECTION_NOT_FOUND', 'Collection', missing.join('", "'));
    }
    return parent;
  }

  /**
   * Puts freshly made previews on an existing asset (the `asset.previews` job): each slot given
   * replaces what the asset had there (the old file loses this asset's reference, and its bytes
   * go when no one else uses them) and `previewError` is recorded. Only while the asset still has
   * the previews it was read with: false, and nothing changed, when it was deleted or another
   * job changed them meanwhile. Identical bytes end in the same file (deduplication), so making
   * a preview again that did not change changes nothing but the timestamp.
   */
  async replacePreviews(asset: Asset, made: PreviewFiles, previewError: string | null): Promise<boolean> {
    const slots = (Object.keys(made) as PreviewSlot[]).filter((slot) => made[slot] !== undefined);
    const stored: PendingFile[] = [];
    try {
      for (const slot of slots) {
        const file = made[slot] as { bytes: Buffer; mimeType: string };
        stored.push(await this.#files.uploadBuffer(file.bytes, file.mimeType));
      }
    } catch (error) {
      await this.#files.deleteObjects(stored.map((file) => file.storageKey));
      throw error;
    }
    let orphaned: ReleasedFile[] = [];
    try {
      await this.#files.commit(stored, async (trx, refs) => {
        const set: Record<string, string | null> = { preview_error: previewError, updated_at: nowIso() };
        slots.forEach((slot, i) => {
          set[PREVIEW_COLUMNS[slot]] = (refs[i] as FileRef).id;
        });
        let update = trx
          .updateTable('assets')
          .set(set as Updateable<AssetsTable>)
          .where('id', '=', asset.id);
        for (const slot of slots) {
          const current = asset[slot]?.id;
          update =
            current === undefined ? update.where(PREVIEW_COLUMNS[slot], 'is', null) : update.where(PREVIEW_COLUMNS[slot], '=', current);
        }
        const result = await update.executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw new PreviewsChanged();
        const replaced = slots.map((slot) => asset[slot]?.id).filter((id): id is string => id !== undefined);
        orphaned = await this.#files.release(trx, replaced);
        await this.#recordEvent(trx, asset.projectId, asset.id, 'asset.updated');
      });
    } catch (error) {
      if (error instanceof PreviewsChanged) return false;
      throw error;
    }
    await this.#files.deleteReleased(orphaned);
    return true;
  }

  /** An asset of any project, for work the system does on its own (jobs); undefined when it is gone. */
  findAny(id: string): Promise<Asset | undefined> {
    return this.#repo.find(null, id);
  }

  async get(scope: Scope, id: string): Promise<Asset> {
    const asset = await this.#repo.find(scope.projectId, id);
    if (!asset) throw notFound('ASSET_NOT_FOUND', 'Asset', id);
    return asset;
  }

  /** Lists a project's assets, or with `scope` null the public assets of every project. */
  async list(scope: Scope | null, query: AssetListQuery): Promise<AssetPage> {
    if ((query.createdAfter || query.createdBefore) && query.sortBy !== 'createdAt') {
      throw new AppError('VALIDATION_ERROR', 'createdAfter and createdBefore require sortBy=createdAt');
    }
    const cursor = query.paginationToken ? decodeCursor(query.paginationToken, query.sortBy, query.sortDirection) : undefined;
    const projectId = scope === null || query.privacy === 'public' ? null : scope.projectId;
    return this.#repo.list(projectId, query, cursor);
  }

  async update(scope: Scope, id: string, patch: AssetPatch): Promise<Asset> {
    await this.#db.transaction().execute(async (trx) => {
      const exists = await this.#repo.existing(trx, scope.projectId, [id]);
      if (!exists.has(id)) throw notFound('ASSET_NOT_FOUND', 'Asset', id);
      const tags = patch.tags ? [...new Set(patch.tags)] : undefined;
      await trx
        .updateTable('assets')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.privacy !== undefined ? { privacy: patch.privacy } : {}),
          ...(tags ? { tags: JSON.stringify(tags) } : {}),
          updated_at: nowIso(),
        })
        .where('id', '=', id)
        .execute();
      if (tags) await this.#repo.replaceTags(trx, id, tags);
      await this.#recordEvent(trx, scope.projectId, id, 'asset.updated');
    });
    return this.get(scope, id);
  }

  /** Deletes assets of the project, all or none; their bytes go when nothing else refers to them. */
  async delete(scope: Scope, ids: readonly string[]): Promise<void> {
    const unique = [...new Set(ids)];
    // Deleting frees space, so it must work on a full disk too.
    const orphaned = await this.#files.withRoom(() =>
      this.#db.transaction().execute(async (trx) => {
        const found = await this.#repo.existing(trx, scope.projectId, unique);
        const missing = unique.filter((id) => !found.has(id));
        if (missing.length > 0) throw notFound('ASSET_NOT_FOUND', 'Asset', missing.join('", "'));
        // As they were: the event carries what was deleted.
        const deleted = await Promise.all(unique.map((id) => this.#repo.find(scope.projectId, id, trx)));
        const { fileIds, originals } = await this.#repo.delete(trx, scope.projectId, unique);
        await this.#quotas.removeAssets(trx, scope.projectId, originals);
        const released = await this.#files.release(trx, fileIds);
        for (const asset of deleted) if (asset) await this.#events.record(trx, scope.projectId, 'asset.deleted', asset);
        return released;
      }),
    );
    await this.#files.deleteReleased(orphaned);
  }
}
