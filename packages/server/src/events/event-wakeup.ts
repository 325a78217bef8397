import pg from 'pg';
import type { Logger } from 'pino';
import { EVENTS_CHANNEL } from './event-log.ts';

/** A wait registered before a read, so a wake that arrives during the read is not lost. */
export interface ArmedWait {
  /** Resolves when the project may have new events, after `ms`, or when `signal` aborts, whichever is first. */
  wait(ms: number, signal: AbortSignal): Promise<void>;
}

/** Wakes the readers of a project's events when another process (or this one) recorded one. */
export interface EventWakeup {
  arm(projectId: string): ArmedWait;
  close(): Promise<void>;
}

/** Longest pause between attempts to listen again after the connection was lost. */
const MAX_RECONNECT_MS = 30_000;

class Waiters {
  readonly #byProject = new Map<string, Set<() => void>>();

  arm(projectId: string): ArmedWait {
    let woken = false;
    let resolveWait: (() => void) | undefined;
    const wake = () => {
      woken = true;
      resolveWait?.();
    };
    const set = this.#byProject.get(projectId) ?? new Set();
    this.#byProject.set(projectId, set);
    set.add(wake);
    const disarm = () => {
      set.delete(wake);
      if (set.size === 0 && this.#byProject.get(projectId) === set) this.#byProject.delete(projectId);
    };
    return {
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          const finish = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', finish);
            disarm();
            resolve();
          };
          const timer = setTimeout(finish, ms);
          resolveWait = finish;
          signal.addEventListener('abort', finish, { once: true });
          if (woken || signal.aborted) finish();
        }),
    };
  }

  wake(projectId: string): void {
    for (const wake of [...(this.#byProject.get(projectId) ?? [])]) wake();
  }

  wakeAll(): void {
    for (const projectId of [...this.#byProject.keys()]) this.wake(projectId);
  }
}

/** SQLite: one database file, no notifications: readers poll (their wait is the poll interval). */
export function pollingWakeup(): EventWakeup {
  const waiters = new Waiters();
  return { arm: (projectId) => waiters.arm(projectId), close: async () => {} };
}

/**
 * PostgreSQL: one connection of this process LISTENs on the events channel (event-log.ts
 * notifies at commit) and wakes the waiting readers of the project named. It is opened on the
 * first wait. A lost connection is logged and opened again with backoff; meanwhile, and for any
 * notification lost with it, readers still poll at their interval (and on reconnecting every
 * reader is woken to read again).
 */
export function postgresWakeup(url: string, schema: string | undefined, log: Logger): EventWakeup {
  const waiters = new Waiters();
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  // The schema a payload must name: this process's (tests run suites in schemas of one database).
  let ownSchema: string | undefined = schema;

  const connect = (): Promise<void> => {
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: url, application_name: 'assetd-events', keepAlive: true });
      next.on('error', (error) => {
        log.warn({ err: error }, 'the events listener lost its database connection; listening again shortly');
        drop(next);
      });
      next.on('end', () => drop(next));
      next.on('notification', (message) => {
        const payload = message.payload ?? '';
        const at = payload.indexOf(':');
        if (payload.slice(0, at) === ownSchema) waiters.wake(payload.slice(at + 1));
      });
      try {
        await next.connect();
        if (ownSchema === undefined) {
          const row = await next.query<{ schema: string }>('select current_schema() as schema');
          ownSchema = row.rows[0]?.schema;
        }
        await next.query(`listen ${EVENTS_CHANNEL}`);
        if (closed) {
          await next.end();
          return;
        }
        client = next;
        failures = 0;
        // Anything recorded while no one listened is read now.
        waiters.wakeAll();
      } catch (error) {
        log.warn({ err: error }, 'the events listener could not connect; readers poll until it can');
        drop(next);
      }
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const drop = (lost: pg.Client) => {
    lost.end().catch(() => {});
    if (client === lost) client = undefined;
    if (closed || retry) return;
    failures++;
    retry = setTimeout(
      () => {
        retry = undefined;
        if (!closed && !client) void connect();
      },
      Math.min(MAX_RECONNECT_MS, 250 * 2 ** failures),
    );
    retry.unref();
  };

  return {
    arm(projectId) {
      if (!client && !connecting && !retry && !closed) void connect();
      return waiters.arm(projectId);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await connecting;
      waiters.wakeAll();
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
