import type { Container } from '../container.ts';

export interface Background {
  stop(): Promise<void>;
}

/**
 * The work a process does besides answering requests: running jobs, ending pending uploads
 * that have expired, and finishing completions a dead request left. All are safe in any number
 * of processes at once.
 */
export function startBackground(c: Container, sweepEveryMs = 60_000): Background {
  c.runner.start();
  const sweep = () => {
    c.uploads
      .sweepExpired()
      .then((count) => {
        if (count > 0) c.log.info({ count }, 'expired uploads swept');
      })
      .catch((error: unknown) => c.log.error({ err: error }, 'sweeping expired uploads failed'));
    // Completions whose request died (a crash, a restart) are finished here if no client retries them.
    c.uploads
      .recoverCompletions()
      .then((count) => {
        if (count > 0) c.log.info({ count }, 'abandoned completions finished');
      })
      .catch((error: unknown) => c.log.error({ err: error }, 'recovering completions failed'));
  };
  sweep();
  const timer = setInterval(sweep, sweepEveryMs);
  timer.unref();
  // Leaked bytes (crashes, failed requests): collected past their grace period, in any process that runs jobs.
  const collect = () => {
    c.collector
      .sweep()
      .then((result) => {
        if (result.objects + result.multiparts + result.tempFiles > 0) c.log.info(result, 'leaked bytes collected');
      })
      .catch((error: unknown) => c.log.error({ err: error }, 'collecting leaked bytes failed'));
  };
  collect();
  const collector = setInterval(collect, c.config.collector.intervalSeconds * 1000);
  collector.unref();
  return {
    async stop() {
      clearInterval(timer);
      clearInterval(collector);
      await c.runner.stop();
    },
  };
}
