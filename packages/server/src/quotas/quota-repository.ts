import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, ProjectUsageTable } from '../db/schema.ts';
import { nowIso } from '../lib/time.ts';
import type { QuotaLimits, QuotaOverride } from './quota.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** A change to a project's counters; each may be negative. */
export interface UsageDelta {
  readonly bytes?: number;
  readonly assets?: number;
  readonly reservedBytes?: number;
  readonly reservedAssets?: number;
}

const EMPTY_USAGE = { bytes: 0, assets: 0, reserved_bytes: 0, reserved_assets: 0 } as const;

/** The SQL of quotas: the per-project usage row, the overrides, and what each upload holds. */
export class QuotaRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** The project's counters (zeros before its first asset or upload). */
  async usage(projectId: string, db: Executor = this.#db): Promise<ProjectUsageTable> {
    const row = await db.selectFrom('project_usage').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return row ? numeric(row) : { project_id: projectId, ...EMPTY_USAGE };
  }

  async override(projectId: string, db: Executor = this.#db): Promise<QuotaOverride | undefined> {
    const row = await db
      .selectFrom('project_quotas')
      .select(['max_bytes', 'max_assets'])
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return row && { maxBytes: nullableNumber(row.max_bytes), maxAssets: nullableNumber(row.max_assets) };
  }

  async setOverride(projectId: string, override: QuotaOverride): Promise<void> {
    const values = { max_bytes: override.maxBytes, max_assets: override.maxAssets, updated_at: nowIso() };
    await this.#db
      .insertInto('project_quotas')
      .values({ project_id: projectId, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
      .execute();
  }

  async clearOverride(projectId: string): Promise<void> {
    await this.#db.deleteFrom('project_quotas').where('project_id', '=', projectId).execute();
  }

  /**
   * Applies `delta` to the project's counters in one statement. With `within`, only if the
   * result keeps what the delta adds inside the limits (stored plus reserved); says whether it
   * did. The statement takes the row's lock, so concurrent changes of one project queue behind
   * each other and each sees the others' results: the check and the change are one step.
   */
  async apply(db: Executor, projectId: string, delta: UsageDelta, within?: QuotaLimits): Promise<boolean> {
    await db
      .insertInto('project_usage')
      .values({ project_id: projectId, ...EMPTY_USAGE })
      .onConflict((oc) => oc.column('project_id').doNothing())
      .execute();
    const d = { bytes: 0, assets: 0, reservedBytes: 0, reservedAssets: 0, ...delta };
    let query = db
      .updateTable('project_usage')
      .set({
        bytes: sql`bytes + ${d.bytes}`,
        assets: sql`assets + ${d.assets}`,
        reserved_bytes: sql`reserved_bytes + ${d.reservedBytes}`,
        reserved_assets: sql`reserved_assets + ${d.reservedAssets}`,
      })
      .where('project_id', '=', projectId);
    const addedBytes = d.bytes + d.reservedBytes;
    const addedAssets = d.assets + d.reservedAssets;
    if (within?.maxBytes != null && addedBytes > 0) {
      query = query.where(sql<boolean>`bytes + reserved_bytes + ${addedBytes} <= ${within.maxBytes}`);
    }
    if (within?.maxAssets != null && addedAssets > 0) {
      query = query.where(sql<boolean>`assets + reserved_assets + ${addedAssets} <= ${within.maxAssets}`);
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Whether any asset of the project refers to the file (its bytes are already counted). */
  async projectUsesFile(db: Executor, projectId: string, fileId: string): Promise<boolean> {
    const row = await db
      .selectFrom('assets')
      .select('id')
      .where('project_id', '=', projectId)
      .where('file_id', '=', fileId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether any asset of the project has these bytes (a file of this SHA-256). */
  async projectHasBytes(projectId: string, sha256: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('assets')
      .innerJoin('files', 'files.id', 'assets.file_id')
      .select('assets.id')
      .where('assets.project_id', '=', projectId)
      .where('files.sha256', '=', sha256)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** What the upload holds (null: nothing). */
  async reservationOf(db: Executor, uploadId: string): Promise<number | null> {
    const row = await db.selectFrom('uploads').select('reserved_bytes').where('id', '=', uploadId).executeTakeFirst();
    return nullableNumber(row?.reserved_bytes ?? null);
  }

  /** Sets what the upload holds; only from `expected`, so a reservation is never given back twice. */
  async setReservation(db: Executor, uploadId: string, expected: number | null, value: number | null): Promise<boolean> {
    const result = await db
      .updateTable('uploads')
      .set({ reserved_bytes: value })
      .where('id', '=', uploadId)
      .where('reserved_bytes', expected === null ? 'is' : '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

/** pg returns bigint columns as numbers (db/postgres-pool.ts); SQLite as numbers already. */
function numeric(row: ProjectUsageTable): ProjectUsageTable {
  return {
    project_id: row.project_id,
    bytes: Number(row.bytes),
    assets: Number(row.assets),
    reserved_bytes: Number(row.reserved_bytes),
    reserved_assets: Number(row.reserved_assets),
  };
}

const nullableNumber = (value: number | null): number | null => (value === null ? null : Number(value));
