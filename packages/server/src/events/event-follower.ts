import { AppError } from '../errors.ts';
import type { EventLog } from './event-log.ts';
import type { EventType, RecordedEvent } from './event-types.ts';
import type { EventWakeup } from './event-wakeup.ts';

/** Events read per query; a backlog is read in pages of this size. */
const PAGE = 100;

export interface FollowOptions {
  readonly projectId: string;
  /** The last event the reader saw; from it on, nothing is missed. */
  readonly afterId: number;
  readonly types: readonly EventType[] | undefined;
  /** The longest wait between reads when nothing wakes the reader (the polling fallback). */
  readonly pollMs: number;
  /** Ends the following. */
  readonly signal: AbortSignal;
}

/**
 * Where a reader resumes: after `lastEventId`, or after the newest event when it gives none. An
 * id from before the retention window (events after it were pruned) or beyond the newest event
 * (not an id of this database) is refused with EVENTS_MISSED: the reader must read the current
 * state again, then follow without an id.
 */
export async function resumePoint(log: EventLog, lastEventId: number | undefined, retentionHours: number): Promise<number> {
  const latest = await log.latestId();
  if (lastEventId === undefined) return latest;
  if (lastEventId < (await log.prunedThrough())) {
    throw new AppError(
      'EVENTS_MISSED',
      `Events after ${lastEventId} are past the retention window (${retentionHours} h) and were deleted: read the current state again, then reconnect without Last-Event-ID`,
      { lastEventId, retentionHours },
    );
  }
  if (lastEventId > latest) {
    throw new AppError(
      'EVENTS_MISSED',
      `Event ${lastEventId} is not an event of this server (the newest is ${latest}): read the current state again, then reconnect without Last-Event-ID`,
      { lastEventId, latestEventId: latest },
    );
  }
  return lastEventId;
}

/**
 * A project's events from `afterId` on, as they are recorded, in pages; an empty page each time
 * a wait ends with nothing new (the caller's moment for a heartbeat). Every process reads the
 * same table, so a reader on one process sees the events made through any other; the wakeup
 * only shortens the wait. Ends when `signal` aborts.
 */
export async function* follow(log: EventLog, wakeup: EventWakeup, options: FollowOptions): AsyncGenerator<RecordedEvent[]> {
  let cursor = options.afterId;
  while (!options.signal.aborted) {
    // Armed before the read, so an event committed during it still wakes the wait below.
    const armed = wakeup.arm(options.projectId);
    const page = await log.after(options.projectId, cursor, options.types, PAGE);
    const last = page.at(-1);
    if (last) cursor = last.id;
    if (page.length === PAGE) {
      // More to read: the wait is not needed, but must be let go.
      void armed.wait(0, options.signal);
      yield page;
      continue;
    }
    if (page.length > 0) yield page;
    await armed.wait(options.pollMs, options.signal);
    if (page.length === 0) yield [];
  }
}
