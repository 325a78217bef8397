import type { Kysely } from 'kysely';
import type { AssetService } from '../assets/asset-service.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../lib/time.ts';
import { RENDITION_NAME } from '../media/rendition.ts';
import type { ListedObject, OpenMultipart, StorageBackend } from '../storage/storage.ts';
import { type FileStore, parseRenditionKey, RENDITIONS_ROOT } from './file-store.ts';

/** Upload statuses whose row still owns its object and its multipart upload. */
const LIVE_UPLOADS = ['pending', 'completing', 'validating', 'validated'] as const;
/** Upload statuses whose multipart upload may still be open. */
const OPEN_UPLOADS = ['pending', 'completing'] as const;
const BATCH = 500;

export interface CollectorOptions {
  /**
   * Bytes younger than this are never collected. Objects are written before the row that
   * records them (a file is put, then its transaction commits; thumbnails, small images, forms),
   * so the grace must outlast the longest such window: a request or a job step, minutes at most.
   */
  readonly graceMs: number;
  /** Staging files (`<data>/tmp`) untouched for this long were left by a process that died. */
  readonly tempMaxAgeMs: number;
}

/** A file row whose object is missing or has the wrong size, and what uses it. */
export interface MissingBytes {
  readonly fileId: string;
  readonly storageKey: string;
  readonly expectedSize: number;
  readonly actualSize: number | undefined;
}

/** What `assetd fsck` finds: rows without bytes and bytes without rows. */
export interface FsckReport {
  readonly rowsWithoutBytes: MissingBytes[];
  /** Uploads about to be validated whose object is gone. */
  readonly uploadsWithoutBytes: string[];
  readonly objectsWithoutRows: ListedObject[];
  readonly multipartsWithoutUploads: OpenMultipart[];
}

export interface SweepResult {
  readonly objects: number;
  readonly multiparts: number;
  readonly tempFiles: number;
}

/**
 * Collects what crashes and failed requests leak: objects no row records (and temporaries such
 * as `.part` files beside them), renditions of files that are gone (and their temporaries),
 * multipart uploads of uploads that ended, and old staging files. Safe in several processes at once: it only deletes what nothing refers to and what is
 * older than the grace period, and deleting twice is harmless.
 */
export class Collector {
  readonly #db: Kysely<Database>;
  readonly #storage: StorageBackend;
  readonly #files: FileStore;
  readonly #options: CollectorOptions;

  constructor(db: Kysely<Database>, storage: StorageBackend, files: FileStore, options: CollectorOptions) {
    this.#db = db;
    this.#storage = storage;
    this.#files = files;
    this.#options = options;
  }

  /** The periodic sweep: deletes only what is past the grace period. */
  async sweep(now = Date.now()): Promise<SweepResult> {
    const before = now - this.#options.graceMs;
    let objects = 0;
    for await (const batch of this.#unreferencedObjects()) {
      const old = batch.filter((object) => object.modifiedAt < before);
      await this.#files.deleteObjects(old.map((object) => object.key));
      objects += old.length;
    }
    let multiparts = 0;
    for (const open of await this.#orphanMultiparts()) {
      if (open.startedAt >= before) continue;
      await this.#storage.abortMultipart(open.key || 'objects/unknown', open.multipartId).catch(() => {});
      multiparts++;
    }
    const tempFiles = await this.#files.sweepTemp(this.#options.tempMaxAgeMs);
    return { objects, multiparts, tempFiles };
  }

  /** Everything out of place, whatever its age (fsck's report). */
  async check(): Promise<FsckReport> {
    const objectsWithoutRows: ListedObject[] = [];
    for await (const batch of this.#unreferencedObjects()) objectsWithoutRows.push(...batch);
    const rowsWithoutBytes: MissingBytes[] = [];
    const files = await this.#db.selectFrom('files').select(['id', 'storage_key', 'size']).execute();
    for (const file of files) {
      const actualSize = await this.#storage.size(file.storage_key);
      if (actualSize !== Number(file.size)) {
        rowsWithoutBytes.push({ fileId: file.id, storageKey: file.storage_key, expectedSize: Number(file.size), actualSize });
      }
    }
    const uploadsWithoutBytes: string[] = [];
    const validating = await this.#db
      .selectFrom('uploads')
      .select(['id', 'storage_key'])
      .where('status', 'in', ['validating', 'validated'])
      .execute();
    for (const upload of validating) {
      if ((await this.#storage.size(upload.storage_key)) === undefined) uploadsWithoutBytes.push(upload.id);
    }
    return { rowsWithoutBytes, uploadsWithoutBytes, objectsWithoutRows, multipartsWithoutUploads: await this.#orphanMultiparts() };
  }

  /**
   * Repairs what `check` found. Bytes without rows: objects and multipart uploads past the
   * grace period are deleted (younger ones may belong to a write in progress). Rows without
   * bytes: a lost thumbnail or frame is unlinked from its assets; an asset whose own file is
   * lost is deleted (nothing could ever serve it); an upload waiting for validation fails.
   */
  async repair(report: FsckReport, assets: AssetService, now = Date.now()): Promise<{ deleted: number; repaired: number }> {
    const before = now - this.#options.graceMs;
    const objects = report.objectsWithoutRows.filter((object) => object.modifiedAt < before);
    await this.#files.deleteObjects(objects.map((object) => object.key));
    let deleted = objects.length;
    for (const open of report.multipartsWithoutUploads) {
      if (open.startedAt >= before) continue;
      await this.#storage.abortMultipart(open.key || 'objects/unknown', open.multipartId);
      deleted++;
    }
    let repaired = 0;
    for (const missing of report.rowsWithoutBytes) {
      for (const column of ['thumbnail_file_id', 'first_frame_file_id', 'last_frame_file_id'] as const) {
        const unlinked = await this.#db.transaction().execute(async (trx) => {
          const result = await trx
            .updateTable('assets')
            .set({ [column]: null, updated_at: nowIso() })
            .where(column, '=', missing.fileId)
            .executeTakeFirst();
          const count = Number(result.numUpdatedRows);
          for (let i = 0; i < count; i++) await this.#files.release(trx, [missing.fileId]);
          return count;
        });
        repaired += unlinked;
      }
      const owners = await this.#db
        .selectFrom('assets')
        .select(['id', 'project_id', 'author_id'])
        .where('file_id', '=', missing.fileId)
        .execute();
      for (const owner of owners) {
        await assets.delete({ projectId: owner.project_id, authorId: owner.author_id }, [owner.id]);
        repaired++;
      }
    }
    for (const id of report.uploadsWithoutBytes) {
      const result = await this.#db
        .updateTable('uploads')
        .set({ status: 'failed', error_message: 'The uploaded bytes were lost: upload the file again', updated_at: nowIso() })
        .where('id', '=', id)
        .where('status', 'in', ['validating', 'validated'])
        .executeTakeFirst();
      repaired += Number(result.numUpdatedRows);
    }
    return { deleted, repaired };
  }

  /**
   * What nothing refers to, a batch at a time: objects under `objects/` that no file row and no
   * live upload records, and renditions (`renditions/`) whose file row is gone or whose name is
   * not a rendition's (a temporary left by a write that died). A live file's renditions stay.
   */
  async *#unreferencedObjects(): AsyncIterable<ListedObject[]> {
    yield* this.#unreferencedUnder('objects/', async (keys) => {
      const [files, uploads] = await Promise.all([
        this.#db.selectFrom('files').select('storage_key').where('storage_key', 'in', keys).execute(),
        this.#db
          .selectFrom('uploads')
          .select('storage_key')
          .where('storage_key', 'in', keys)
          .where('status', 'in', [...LIVE_UPLOADS])
          .execute(),
      ]);
      return new Set([...files, ...uploads].map((row) => row.storage_key));
    });
    yield* this.#unreferencedUnder(RENDITIONS_ROOT, async (keys) => {
      const owners = new Map(keys.map((key) => [key, parseRenditionKey(key)]));
      const fileIds = [...new Set([...owners.values()].flatMap((owner) => (owner ? [owner.fileId] : [])))];
      const live = fileIds.length === 0 ? [] : await this.#db.selectFrom('files').select('id').where('id', 'in', fileIds).execute();
      const liveIds = new Set(live.map((row) => row.id));
      return new Set(
        keys.filter((key) => {
          const owner = owners.get(key);
          return owner !== undefined && RENDITION_NAME.test(owner.name) && liveIds.has(owner.fileId);
        }),
      );
    });
  }

  /** Objects under `prefix` that `referenced` (given a batch of keys, those still in use) does not keep. */
  async *#unreferencedUnder(prefix: string, referenced: (keys: string[]) => Promise<Set<string>>): AsyncIterable<ListedObject[]> {
    let batch: ListedObject[] = [];
    const flush = async () => {
      const kept = await referenced(batch.map((object) => object.key));
      const unreferenced = batch.filter((object) => !kept.has(object.key));
      batch = [];
      return unreferenced;
    };
    for await (const object of this.#storage.listObjects(prefix)) {
      batch.push(object);
      if (batch.length >= BATCH) yield await flush();
    }
    if (batch.length > 0) yield await flush();
  }

  /** Open multipart uploads no pending or completing upload owns. */
  async #orphanMultiparts(): Promise<OpenMultipart[]> {
    const open: OpenMultipart[] = [];
    for await (const multipart of this.#storage.listOpenMultiparts()) open.push(multipart);
    const orphans: OpenMultipart[] = [];
    for (let i = 0; i < open.length; i += BATCH) {
      const batch = open.slice(i, i + BATCH);
      const owned = await this.#db
        .selectFrom('uploads')
        .select('multipart_id')
        .where(
          'multipart_id',
          'in',
          batch.map((multipart) => multipart.multipartId),
        )
        .where('status', 'in', [...OPEN_UPLOADS])
        .execute();
      const ids = new Set(owned.map((row) => row.multipart_id));
      orphans.push(...batch.filter((multipart) => !ids.has(multipart.multipartId)));
    }
    return orphans;
  }
}
