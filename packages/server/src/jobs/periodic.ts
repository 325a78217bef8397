import type { Logger } from 'pino';

export interface Periodic {
  stop(): void;
}

/**
 * Runs `task` now and every `everyMs`, for background sweeps. A failure (the database down or
 * stuck) is logged and the next round tries again: it never ends the process. A round still
 * running when the next is due is not doubled, so a stuck database does not pile rounds up.
 */
export function every(everyMs: number, name: string, task: () => Promise<void>, log: Logger): Periodic {
  let running = false;
  const round = () => {
    if (running) return;
    running = true;
    task()
      .catch((error: unknown) => log.error({ err: error, task: name }, `${name} failed; it runs again in ${Math.round(everyMs / 1000)} s`))
      .finally(() => {
        running = false;
      });
  };
  round();
  const timer = setInterval(round, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
