import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { breachOf, effectiveLimits, type ProjectUsage, type QuotaLimits, type QuotaOverride, quotaExceeded } from './quota.ts';
import { QuotaRepository } from './quota-repository.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** An asset going away, for the accounting: its original file and that file's size. */
export interface RemovedAsset {
  readonly fileId: string;
  readonly size: number;
}

/**
 * Per-project quotas: stored bytes and asset count, against the server's defaults or the
 * project's own limits. Every change of the counters is one conditional update of the
 * project's usage row inside the transaction that makes the change (an asset row, an upload's
 * state), so usage never drifts from the rows it counts and two creations racing for the last
 * room cannot both get it: the row's lock puts one behind the other, and the second's condition
 * sees the first's result.
 *
 * Unfinished uploads hold a reservation (their declared size and one asset) from creation until
 * they end (released) or become an asset (released while the asset is counted, in one
 * transaction).
 */
export class QuotaService {
  readonly #db: Kysely<Database>;
  readonly #repo: QuotaRepository;
  readonly #defaults: QuotaLimits;

  constructor(db: Kysely<Database>, defaults: QuotaLimits) {
    this.#db = db;
    this.#repo = new QuotaRepository(db);
    this.#defaults = defaults;
  }

  async limits(projectId: string, db: Executor = this.#db): Promise<QuotaLimits> {
    return effectiveLimits(this.#defaults, await this.#repo.override(projectId, db));
  }

  async usage(projectId: string, db: Executor = this.#db): Promise<ProjectUsage> {
    const [row, limits] = await Promise.all([this.#repo.usage(projectId, db), this.limits(projectId, db)]);
    return {
      projectId,
      bytes: row.bytes,
      assets: row.assets,
      reservedBytes: row.reserved_bytes,
      reservedAssets: row.reserved_assets,
      limits,
    };
  }

  /**
   * Refuses early, before work that the final check would waste (describing a staged file): not
   * a reservation, so the transaction that records the asset checks again.
   */
  async precheck(projectId: string, bytes: number, sha256?: string): Promise<void> {
    const usage = await this.usage(projectId);
    // Bytes the project already has cost nothing more (they are stored once).
    const added = sha256 !== undefined && (await this.#repo.projectHasBytes(projectId, sha256)) ? 0 : bytes;
    const breach = breachOf(usage, added, 1);
    if (breach) throw quotaExceeded(breach);
  }

  /** Reserves room for a new upload of `bytes` (0 when its size is not known yet) and one asset; QUOTA_EXCEEDED when there is none. */
  async reserve(trx: Transaction<Database>, projectId: string, bytes: number): Promise<void> {
    await this.#change(trx, projectId, { reservedBytes: bytes, reservedAssets: 1 }, bytes, 1);
  }

  /**
   * Adds to an upload's reservation once its size is known (a URL import's download), or
   * refuses with QUOTA_EXCEEDED. The caller holds the upload's row (it just moved it).
   */
  async reserveMore(trx: Transaction<Database>, upload: { id: string; projectId: string }, bytes: number): Promise<void> {
    const held = await this.#repo.reservationOf(trx, upload.id);
    if (held === null) return; // created before quotas existed: it holds nothing, and is let through
    await this.#change(trx, upload.projectId, { reservedBytes: bytes }, bytes, 0);
    await this.#repo.setReservation(trx, upload.id, held, held + bytes);
  }

  /**
   * Gives back what an upload holds, in the transaction that ends it or records its asset; at
   * most once, whoever calls (the upload's row says whether it still holds anything).
   */
  async release(trx: Transaction<Database>, upload: { id: string; projectId: string }): Promise<void> {
    const held = await this.#repo.reservationOf(trx, upload.id);
    if (held === null || !(await this.#repo.setReservation(trx, upload.id, held, null))) return;
    await this.#repo.apply(trx, upload.projectId, { reservedBytes: -held, reservedAssets: -1 });
  }

  /**
   * Counts a new asset, before its row is inserted: one more asset, and its file's bytes unless
   * another asset of the project already uses that file (identical bytes are stored once).
   * `enforce`: refuse with QUOTA_EXCEEDED when it does not fit (an asset made in one request);
   * an upload's asset was reserved for and is counted as it is.
   */
  async addAsset(trx: Transaction<Database>, projectId: string, file: RemovedAsset, enforce: boolean): Promise<void> {
    // The asset first: its update takes the row's lock, so the file question below is answered
    // after any concurrent creation in the project has committed.
    await this.#change(trx, projectId, { assets: 1 }, 0, 1, enforce);
    if (await this.#repo.projectUsesFile(trx, projectId, file.fileId)) return;
    await this.#change(trx, projectId, { bytes: file.size }, file.size, 0, enforce);
  }

  /** Uncounts deleted assets, after their rows are gone: a file's bytes go with its last asset in the project. */
  async removeAssets(trx: Transaction<Database>, projectId: string, removed: readonly RemovedAsset[]): Promise<void> {
    if (removed.length === 0) return;
    await this.#repo.apply(trx, projectId, { assets: -removed.length });
    const sizes = new Map(removed.map((asset) => [asset.fileId, asset.size]));
    let bytes = 0;
    for (const [fileId, size] of sizes) {
      if (!(await this.#repo.projectUsesFile(trx, projectId, fileId))) bytes += size;
    }
    if (bytes > 0) await this.#repo.apply(trx, projectId, { bytes: -bytes });
  }

  /** Sets a project's own limits; a null one goes back to the server's default. */
  async setOverride(projectId: string, override: QuotaOverride): Promise<void> {
    if (override.maxBytes === null && override.maxAssets === null) return this.#repo.clearOverride(projectId);
    return this.#repo.setOverride(projectId, override);
  }

  override(projectId: string): Promise<QuotaOverride | undefined> {
    return this.#repo.override(projectId);
  }

  async #change(
    trx: Transaction<Database>,
    projectId: string,
    delta: Parameters<QuotaRepository['apply']>[2],
    bytes: number,
    assets: number,
    enforce = true,
  ): Promise<void> {
    const limits = enforce ? await this.limits(projectId, trx) : undefined;
    if (await this.#repo.apply(trx, projectId, delta, limits)) return;
    const breach = breachOf(await this.usage(projectId, trx), bytes, assets);
    throw breach ? quotaExceeded(breach) : new AppError('CONFLICT', 'The project quota changed while this request ran: send it again');
  }
}
