import { run } from './program.ts';

// A reader that stops early (`assetd keys list | head`) has all it wanted: no stack trace for that.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit();
});

// exitCode rather than exit(): `serve` keeps running after run() returns, and pending output still flushes.
process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
