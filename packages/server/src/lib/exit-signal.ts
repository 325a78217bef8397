let exiting: AbortController | undefined;

/**
 * A signal that aborts as this process exits (in 'exit', synchronously, whatever the reason:
 * process.exit after a drain, an uncaught exception). For what must not outlive the process:
 * a child process (ffmpeg) is not ended by its parent's exit, and one with nobody left to read
 * it runs on, or spins, until it finishes by itself.
 */
export function exitSignal(): AbortSignal {
  if (!exiting) {
    const controller = new AbortController();
    process.once('exit', () => controller.abort(new Error('the process is exiting')));
    exiting = controller;
  }
  return exiting.signal;
}
