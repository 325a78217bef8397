/**
 * Tells database errors that say "not now" (the database is unreachable, restarting, out of
 * connections, or too busy to answer in time) from those that say "this is wrong". The first
 * kind passes by itself: callers answer 503 with Retry-After, background work backs off.
 *
 * `unreachable`: no connection, or it was lost (restart, failover, a dropped idle connection,
 * a black-holed network). `busy`: the database answered, but not within its bounds (a
 * statement or lock timeout, SQLite's write lock held past the busy timeout).
 */
export type Unavailability = 'unreachable' | 'busy';

/** Messages node-postgres and pg-pool give when a connection cannot be made or was lost. */
const PG_CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'is not queryable',
  'Connection refused',
];

/** Node's socket errors on the way to the database. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources: too many
 * connections), 57P01–57P05 (shutdown, crash, cannot connect now, idle session timeout).
 */
function pgState(code: string): Unavailability | undefined {
  if (code.startsWith('08') || code.startsWith('53') || /^57P0[1-5]$/.test(code)) return 'unreachable';
  // 57014: statement_timeout (or a cancel); 55P03: lock_timeout.
  if (code === '57014' || code === '55P03') return 'busy';
  return undefined;
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

function classifyOne(error: unknown): Unavailability | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  // node:sqlite: the primary result code is the low byte of the extended one (SQLITE_BUSY_SNAPSHOT is 517).
  if (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number') {
    const primary = errcode & 0xff;
    return primary === SQLITE_BUSY || primary === SQLITE_LOCKED ? 'busy' : undefined;
  }
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return 'unreachable';
    if (/^[0-9A-Z]{5}$/.test(code)) return pgState(code);
  }
  if (PG_CONNECTION_MESSAGES.some((message) => error.message.includes(message))) return 'unreachable';
  // AggregateError: a host that resolves to several addresses, each refused.
  if (error instanceof AggregateError) return error.errors.map(classifyOne).find(Boolean);
  return undefined;
}

/** Whether `error` (or one it was caused by) means the database cannot answer now; and why. */
export function databaseUnavailability(error: unknown): Unavailability | undefined {
  let current: unknown = error;
  // Bounded: a cause chain is short, and a cyclic one must not loop.
  for (let depth = 0; depth < 5 && current; depth++) {
    const found = classifyOne(current);
    if (found) return found;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
