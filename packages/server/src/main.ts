import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ensureStartupKey } from './auth/bootstrap.ts';
import { loadConfig } from './config.ts';
import { type Container, createContainer } from './container.ts';
import { startMetricsServer } from './http/metrics.ts';
import { startBackground } from './jobs/background.ts';
import { settleHeap } from './lib/heap-pacing.ts';
import { keepFilesPrivate, privateFolder } from './lib/private-files.ts';
import { ffmpegFor, ffmpegVersion } from './media/ffmpeg.ts';

type Env = Record<string, string | undefined>;

/**
 * Stops cleanly on SIGTERM or SIGINT: `stop` ends work in flight (running jobs at once, to be
 * retried; requests within the grace period), then the process exits.
 */
function onSignals(container: Container, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    container.log.info({ signal }, 'shutting down: stopping jobs, finishing requests in flight');
    // Work that never ends must not keep the process up for ever.
    const timer = setTimeout(() => process.exit(1), (container.config.connections.shutdownGraceSeconds + 10) * 1000);
    timer.unref();
    await stop();
    await container.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void handle('SIGTERM'));
  process.once('SIGINT', () => void handle('SIGINT'));
}

/**
 * The part-receiver process, when ASSETD_PARTS_PORT asks for one (local storage only: on S3
 * parts go to the bucket). Resolves once it listens; if it dies later, so does this process,
 * loudly, rather than serving part URLs nobody answers.
 */
async function startPartReceiver(container: Container, env: Env): Promise<ChildProcess | undefined> {
  const { parts, storage } = container.config;
  if (!parts.port) return undefined;
  if (storage.kind !== 'local') {
    container.log.warn('ASSETD_PARTS_PORT is ignored: with S3 storage, parts go to the bucket');
    return undefined;
  }
  const child = fork(fileURLToPath(new URL('./parts/receiver-main.ts', import.meta.url)), [], {
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.send({ secret: container.signingSecret });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the part receiver exited with code ${code} before listening on port ${parts.port}`);
    }),
  ])) as [{ listening?: number }];
  container.log.info({ port: message.listening }, 'part receiver listening');
  child.once('exit', (code, signal) => {
    if (child.killed) return;
    container.log.fatal({ code, signal }, 'the part receiver died');
    process.exit(1);
  });
  return child;
}

/**
 * Closes the API: new requests are refused (503 on open connections), long polls answer at
 * once, and requests in flight get `graceMs` to finish; then their connections are closed (a
 * client retries a part or a request).
 */
async function closeServer(app: FastifyInstance, graceMs: number): Promise<void> {
  const grace = setTimeout(() => app.server.closeAllConnections(), graceMs);
  grace.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(grace);
  }
}

/** Says which ffmpeg makes video frames and audio waveforms (the system's wins over the bundled one), or that none does. */
async function announceFfmpeg(container: Container): Promise<string> {
  const ffmpeg = await ffmpegFor(container.config.ffmpeg);
  if (!ffmpeg) {
    container.log.warn('no ffmpeg: videos are imported without frames, and audio other than WAV without a waveform');
    return 'off (install ffmpeg, or set ASSETD_FFMPEG_PATH, to turn them on)';
  }
  const version = await ffmpegVersion(ffmpeg.path).catch((error: unknown) => `unknown (${error instanceof Error ? error.message : error})`);
  container.log.info({ ffmpeg: ffmpeg.path, source: ffmpeg.source, version }, 'ffmpeg for video frames and audio waveforms');
  return `on (${ffmpeg.source} ffmpeg)`;
}

/** Where the database is, without its credentials. */
function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  const parsed = new URL(url);
  return `postgres://${parsed.host}${parsed.pathname}`;
}

/** Listens, or fails with one line that says what to do (a port in use is the usual case). */
async function listenOrExplain(app: FastifyInstance, port: number, host: string): Promise<string> {
  try {
    return await app.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(`port ${port} on ${host} is already in use: stop what listens there, or set PORT to another port`);
    if (code === 'EACCES') throw new Error(`no permission to listen on port ${port}: use a port above 1023, or set PORT`);
    if (code === 'EADDRNOTAVAIL')
      throw new Error(`${host} is not an address of this machine: set HOST to one (127.0.0.1, or 0.0.0.0 for all)`);
    throw error;
  }
}

/** Prometheus metrics on their own port, when ASSETD_METRICS_PORT asks for it (API and worker processes alike). */
async function startMetrics(container: Container): Promise<Server | undefined> {
  const { port } = container.config.metrics;
  if (port === undefined) return undefined;
  const server = await startMetricsServer(container.metrics, port, container.config.host);
  container.log.info({ port }, 'metrics at /metrics');
  return server;
}

/** The API server; with ASSETD_RUN_JOBS (the default) it also runs jobs in this process. */
export async function serve(env: Env = process.env): Promise<void> {
  keepFilesPrivate();
  const config = loadConfig(env);
  await privateFolder(config.dataDir);
  const container = await createContainer(config);
  let url: string;
  let app: FastifyInstance;
  let receiver: ChildProcess | undefined;
  let metricsServer: Server | undefined;
  try {
    await ensureStartupKey(container.keys, config, (text) => process.stdout.write(`${text}\n`));
    app = await buildApp(container);
    // The part receiver listens before the API does: once the API answers, its part URLs work.
    receiver = await startPartReceiver(container, env);
    metricsServer = await startMetrics(container);
    // Jobs start only once both listen: a port in use ends the process with its one-line
    // reason instead of leaving it running without a server.
    url = await listenOrExplain(app, config.port, config.host);
  } catch (error) {
    receiver?.kill('SIGTERM');
    metricsServer?.close();
    await container.close();
    throw error;
  }
  const videoFrames = config.jobs.run ? await announceFfmpeg(container) : 'in the workers (ASSETD_RUN_JOBS=false)';
  const background = config.jobs.run ? startBackground(container) : undefined;
  onSignals(container, async () => {
    receiver?.kill('SIGTERM');
    metricsServer?.close();
    // Together: jobs stop at once (their ffmpeg and downloads with them) while requests finish.
    await Promise.all([closeServer(app, config.connections.shutdownGraceSeconds * 1000), background?.stop()]);
  });
  container.log.info(
    {
      url,
      database: describeDatabase(config.databaseUrl),
      storage: config.storage.kind === 'local' ? `local ${config.storage.root}` : `s3 ${config.storage.bucket}`,
      dataDir: config.dataDir,
      videoFrames,
    },
    `assetd ready at ${url}: API reference at ${url}/docs`,
  );
  if (!config.publicUrl && !['127.0.0.1', 'localhost', '::1'].includes(config.host)) {
    container.log.warn(
      { allowedHosts: config.allowedHosts },
      'ASSETD_PUBLIC_URL is not set: links use the request Host only for localhost and ASSETD_ALLOWED_HOSTS, else the listening address; set ASSETD_PUBLIC_URL to the address clients use',
    );
  } // Loading grew the heap (its young generation most) for good: give that back before requests come.
  settleHeap();
}

/** A process that only runs jobs (scale-out: any number of them beside the API processes). */
export async function work(env: Env = process.env): Promise<void> {
  keepFilesPrivate();
  const config = loadConfig(env);
  await privateFolder(config.dataDir);
  const container = await createContainer(config);
  await announceFfmpeg(container);
  const metricsServer = await startMetrics(container);
  const background = startBackground(container);
  container.log.info({ worker: container.runner.workerId }, 'worker started');
  onSignals(container, async () => {
    metricsServer?.close();
    await background.stop();
  });
}

if (import.meta.main) {
  serve().catch((error: unknown) => {
    process.stderr.write(`assetd: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
