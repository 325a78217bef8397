import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../lib/time.ts';

/** How long a key's first answer is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** What a request with a key finds: it runs (first with the key), or it gets the first answer, or it must wait or stop. */
export type Claim =
  | { readonly kind: 'run' }
  | { readonly kind: 'replay'; readonly statusCode: number; readonly response: string }
  | { readonly kind: 'running' }
  | { readonly kind: 'mismatch' };

/**
 * The first answer to each idempotency key, per project. Claiming is one insert that only the
 * first request with a key wins (the primary key decides, on either engine), so concurrent
 * duplicates run the work once; the others are told it is under way, or get its answer.
 */
export class IdempotencyStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async claim(projectId: string, key: string, requestHash: string, now = Date.now()): Promise<Claim> {
    // A key past its time is free again.
    await this.#db
      .deleteFrom('idempotency_keys')
      .where('project_id', '=', projectId)
      .where('key', '=', key)
      .where('created_at', '<', new Date(now - IDEMPOTENCY_TTL_MS).toISOString())
      .execute();
    const inserted = await this.#db
      .insertInto('idempotency_keys')
      .values({ project_id: projectId, key, request_hash: requestHash, status_code: null, response: null, created_at: nowIso() })
      .onConflict((oc) => oc.columns(['project_id', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { kind: 'run' };
    const row = await this.#db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('key', '=', key)
      .executeTakeFirst();
    // Released between the insert and this read (the first request failed): try again.
    if (!row) return this.claim(projectId, key, requestHash, now);
    if (row.request_hash !== requestHash) return { kind: 'mismatch' };
    if (row.status_code === null || row.response === null) return { kind: 'running' };
    return { kind: 'replay', statusCode: row.status_code, response: row.response };
  }

  /** Keeps the answer of the request that claimed the key. */
  async complete(projectId: string, key: string, statusCode: number, response: string): Promise<void> {
    await this.#db
      .updateTable('idempotency_keys')
      .set({ status_code: statusCode, response })
      .where('project_id', '=', projectId)
      .where('key', '=', key)
      .execute();
  }

  /** Frees a key whose request ended without an answer worth keeping (a 5xx, a dropped client): it may be retried. */
  async release(projectId: string, key: string): Promise<void> {
    await this.#db
      .deleteFrom('idempotency_keys')
      .where('project_id', '=', projectId)
      .where('key', '=', key)
      .where('status_code', 'is', null)
      .execute();
  }

  /** Drops keys past their time (run by the periodic sweep). */
  async sweep(now = Date.now()): Promise<number> {
    const result = await this.#db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', new Date(now - IDEMPOTENCY_TTL_MS).toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
