import type { Container } from '../container.ts';
import { every } from './periodic.ts';

export interface Background {
  stop(): Promise<void>;
}

/**
 * The work a process does besides answering requests: running jobs, ending pending uploads
 * that have expired, and finishing completions a dead request left. All are safe in any number
 * of processes at once, and all outlive database errors (jobs/periodic.ts, jobs/job-runner.ts).
 */
export function startBackground(c: Container, sweepEveryMs = 60_000): Background {
  c.runner.start();
  const expiry = every(
    sweepEveryMs,
    'sweeping expired uploads',
    async () => {
      const count = await c.uploads.sweepExpired();
      if (count > 0) c.log.info({ count }, 'expired uploads swept');
    },
    c.log,
  );
  // Completions whose request died (a crash, a restart) are finished here if no client retries them.
  const completions = every(
    sweepEveryMs,
    'recovering completions',
    async () => {
      const count = await c.uploads.recoverCompletions();
      if (count > 0) c.log.info({ count }, 'abandoned completions finished');
    },
    c.log,
  );
  // Leaked bytes (crashes, failed requests): collected past their grace period, in any process that runs jobs.
  const collector = every(
    c.config.collector.intervalSeconds * 1000,
    'collecting leaked bytes',
    async () => {
      const result = await c.collector.sweep();
      if (result.objects + result.multiparts + result.tempFiles > 0) c.log.info(result, 'leaked bytes collected');
    },
    c.log,
  );
  // The disk reserve (files/disk-room.ts) is made again once a full disk has room for it.
  const reserve = every(sweepEveryMs, 'keeping the disk reserve', () => c.room.ensureReserve(), c.log);
  // Idempotency keys past their 24 h (each is also freed when reused after that).
  const idempotency = every(
    sweepEveryMs * 10,
    'dropping old idempotency keys',
    async () => {
      await c.idempotency.sweep();
    },
    c.log,
  );
  // Events past the retention window, and the finished webhook deliveries as old.
  const events = every(
    sweepEveryMs * 10,
    'pruning old events',
    async () => {
      const before = new Date(Date.now() - c.config.events.retentionHours * 3600 * 1000);
      const pruned = await c.events.prune(before);
      const deliveries = await c.webhooks.pruneDeliveries(before);
      if (pruned + deliveries > 0) c.log.info({ events: pruned, deliveries }, 'old events pruned');
    },
    c.log,
  );
  return {
    async stop() {
      events.stop();
      idempotency.stop();
      reserve.stop();
      expiry.stop();
      completions.stop();
      collector.stop();
      await c.runner.stop();
    },
  };
}
