import { type Kysely, sql, type Transaction } from 'kysely';
import type { Engine } from '../db/database.ts';
import type { Database, EventsTable } from '../db/schema.ts';
import { nowIso } from '../lib/time.ts';
import type { EventType, RecordedEvent } from './event-types.ts';

/** The channel PostgreSQL processes are woken on (events/event-wakeup.ts); the payload is `<schema>:<projectId>`. */
export const EVENTS_CHANNEL = 'assetd_events';

/** Where the newest pruned id is kept, so a reader resuming from before it can be told it missed events. */
const PRUNED_THROUGH = 'events_pruned_through';

/** Told of each event inside the transaction that records it (webhook fan-out), so both commit or neither. */
export type EventFanOut = (trx: Transaction<Database>, event: RecordedEvent) => Promise<void>;

const toEvent = (row: Omit<EventsTable, 'id'> & { id: number }): RecordedEvent => ({
  id: Number(row.id),
  projectId: row.project_id,
  type: row.type as EventType,
  subject: JSON.parse(row.subject) as unknown,
  createdAt: row.created_at,
});

/**
 * The events table as a transactional outbox: a change records its event in its own
 * transaction, so an event exists exactly when its change does.
 *
 * Readers page by id (`after`), so ids must become visible in increasing order. SQLite has one
 * writer at a time, which gives that. On PostgreSQL a sequence hands out ids when rows are
 * inserted, not when they commit: a transaction that drew id 9 could commit after one that drew
 * 10, and a reader that had seen 10 would skip 9 for ever. So recording takes a
 * transaction-scoped advisory lock first: transactions that record events commit one at a time
 * from that point (the lock is taken at the end of each change's transaction, so it is held
 * only for the insert and the commit), and ids are drawn in commit order.
 */
export class EventLog {
  readonly #db: Kysely<Database>;
  readonly #engine: Engine;
  readonly #fanOuts: EventFanOut[] = [];

  constructor(db: Kysely<Database>, engine: Engine) {
    this.#db = db;
    this.#engine = engine;
  }

  /** Adds a listener run inside each recording transaction. */
  onRecord(fanOut: EventFanOut): void {
    this.#fanOuts.push(fanOut);
  }

  /** Records an event in `trx`; call it last in the transaction (see the class comment). */
  async record(trx: Transaction<Database>, projectId: string, type: EventType, subject: unknown): Promise<RecordedEvent> {
    if (this.#engine === 'postgres') {
      // One lock per schema (tests give each suite its own), released at commit or rollback.
      await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.events'))`.execute(trx);
    }
    const createdAt = nowIso();
    const row = await trx
      .insertInto('events')
      .values({ project_id: projectId, type, subject: JSON.stringify(subject), created_at: createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    const event: RecordedEvent = { id: Number(row.id), projectId, type, subject, createdAt };
    if (this.#engine === 'postgres') {
      // Delivered at commit, to every process listening: their streams read the table again.
      await sql`select pg_notify(${EVENTS_CHANNEL}, current_schema() || ':' || ${projectId})`.execute(trx);
    }
    for (const fanOut of this.#fanOuts) await fanOut(trx, event);
    return event;
  }

  /** The project's events after `afterId`, oldest first, of `types` when given. */
  async after(projectId: string, afterId: number, types: readonly EventType[] | undefined, limit: number): Promise<RecordedEvent[]> {
    const rows = await this.#db
      .selectFrom('events')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '>', afterId)
      .$if(types !== undefined && types.length > 0, (qb) => qb.where('type', 'in', types as EventType[]))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async find(id: number): Promise<RecordedEvent | undefined> {
    const row = await this.#db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEvent(row);
  }

  /** The newest id of the whole database (0 when none was ever recorded, or all were pruned and none since). */
  async latestId(): Promise<number> {
    const row = await this.#db.selectFrom('events').select(sql<number | null>`max(id)`.as('id')).executeTakeFirst();
    return Math.max(Number(row?.id ?? 0), await this.prunedThrough());
  }

  /** The newest id pruned: a reader that last saw an older one may have missed events. */
  async prunedThrough(db: Kysely<Database> | Transaction<Database> = this.#db): Promise<number> {
    const row = await db.selectFrom('settings').select('value').where('name', '=', PRUNED_THROUGH).executeTakeFirst();
    return row ? Number(row.value) : 0;
  }

  /** Deletes events recorded before `before`; returns how many. Safe in several processes at once. */
  async prune(before: Date): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const cutoff = before.toISOString();
      const newest = await trx
        .selectFrom('events')
        .select(sql<number | null>`max(id)`.as('id'))
        .where('created_at', '<', cutoff)
        .executeTakeFirst();
      const through = Number(newest?.id ?? 0);
      if (through === 0) return 0;
      const result = await trx.deleteFrom('events').where('id', '<=', through).executeTakeFirst();
      // Only ever raised: two processes pruning at once must not move it back.
      const value = String(Math.max(through, await this.prunedThrough(trx)));
      await trx
        .insertInto('settings')
        .values({ name: PRUNED_THROUGH, value })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
        .execute();
      return Number(result.numDeletedRows);
    });
  }
}
