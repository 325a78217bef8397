import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { databaseUnavailability } from './unavailable.ts';

export interface PostgresPoolOptions {
  /** PostgreSQL schema to use (tests give each suite its own). */
  readonly schema?: string | undefined;
  readonly max: number;
  /** The longest wait for a connection (a new one, or a free one from the pool). */
  readonly connectTimeoutMs: number;
  /** statement_timeout on the server; 0 for none (migrations). The client gives up a little later. */
  readonly statementTimeoutMs: number;
  /** Told of each connection lost outside a query (restart, failover, pg_terminate_backend, an idle timeout). */
  readonly onConnectionError: (error: Error) => void;
}

/**
 * How much longer than statement_timeout the client waits for an answer: the server's own
 * timeout should come first; this one is for a database that can no longer answer at all
 * (a black-holed network), which TCP alone would take many minutes to notice.
 */
const READ_TIMEOUT_MARGIN_MS = 2000;
/** Idle connections are probed, so a half-open one (a dropped NAT or firewall entry) is found. */
const KEEPALIVE_DELAY_MS = 10_000;

/**
 * A pg pool for Kysely that survives losing the database. node-postgres emits `error` on a
 * client whose connection drops while no query is running; with no listener that is an
 * uncaught exception and the process exits. Every client gets a listener for its whole life
 * (idle or checked out), and a dropped client is discarded and replaced on demand. A client
 * whose query timed out on our side still has that query in flight, so it is discarded rather
 * than handed out again, and refuses further queries at once (a transaction's rollback must not
 * wait out a second timeout).
 */
export function createPostgresPool(url: string, options: PostgresPoolOptions): PostgresPool {
  const statementTimeout = options.statementTimeoutMs > 0 ? options.statementTimeoutMs : undefined;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max,
    // Names the connections in pg_stat_activity; a URL's own application_name wins.
    application_name: 'assetd',
    connectionTimeoutMillis: options.connectTimeoutMs,
    ...(statementTimeout ? { statement_timeout: statementTimeout, query_timeout: statementTimeout + READ_TIMEOUT_MARGIN_MS } : {}),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    // Byte sizes are 64-bit: pg returns int8 as text; a double holds every size up to 8 PiB exactly.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('connect', (client) => {
    client.on('error', (error) => options.onConnectionError(error));
  });
  // pg-pool re-emits an idle client's error here; the client's own listener above has logged it,
  // and the pool has already removed the client. Without a listener this would end the process.
  pool.on('error', () => {});
  return {
    async connect(): Promise<PostgresPoolClient> {
      return guard(await pool.connect());
    },
    end: () => pool.end(),
  };
}

function guard(client: pg.PoolClient): PostgresPoolClient {
  let broken: Error | undefined;
  const query = async <R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
    if (broken) throw broken;
    try {
      return (await client.query(sql, parameters as unknown[])) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      if (databaseUnavailability(error) === 'unreachable') broken = error as Error;
      throw error;
    }
  };
  return {
    query: query as PostgresPoolClient['query'],
    // Given an error, the pool destroys the client instead of keeping it idle.
    release: () => client.release(broken),
  };
}
