import type { Container } from '../container.ts';

export interface Background {
  stop(): Promise<void>;
}

/**
 * The work a process does besides answering requests: running jobs, and ending pending
 * uploads that have expired. Both are safe in any number of processes at once.
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
  };
  sweep();
  const timer = setInterval(sweep, sweepEveryMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await c.runner.stop();
    },
  };
}
