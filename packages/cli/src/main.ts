import { run } from './program.ts';

// A reader that stops early (`assetd keys list | head`) has all it wanted: no stack trace for that.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit();
});

// Ctrl-C stops client commands cleanly (running uploads are abandoned on the server); a second one quits at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort();
});

// exitCode rather than exit(): `serve` keeps running after run() returns, and pending output still flushes.
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  ...(process.stderr.isTTY ? { terminal: { columns: process.stderr.columns || 80 } } : {}),
  signal: interrupt.signal,
});
