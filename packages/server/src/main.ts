import { buildApp } from './app.ts';
import { ensureStartupKey } from './auth/bootstrap.ts';
import { loadConfig } from './config.ts';
import { createContainer } from './container.ts';

/** Starts the API server and stops it cleanly on SIGTERM or SIGINT. */
export async function serve(env: Record<string, string | undefined> = process.env): Promise<void> {
  const config = loadConfig(env);
  const container = await createContainer(config);
  await ensureStartupKey(container.keys, config, (text) => process.stdout.write(`${text}\n`));
  const app = await buildApp(container);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    // A request that never ends must not keep the process up for ever.
    const timer = setTimeout(() => process.exit(1), 30_000);
    timer.unref();
    await app.close();
    await container.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
}

if (import.meta.main) {
  serve().catch((error: unknown) => {
    process.stderr.write(`assetd: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
