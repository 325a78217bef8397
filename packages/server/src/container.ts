import path from 'node:path';
import pino, { type Logger } from 'pino';
import { AssetService } from './assets/asset-service.ts';
import { ASSET_PREVIEWS_JOB } from './assets/previews.ts';
import { KeyService } from './auth/keys.ts';
import { loadSigningSecret } from './auth/signing-secret.ts';
import { UrlSigner } from './auth/url-signer.ts';
import { CollectionService } from './collections/collection-service.ts';
import type { Config } from './config.ts';
import { type Db, migrate, type OpenOptions, openDatabase } from './db/database.ts';
import { EventLog } from './events/event-log.ts';
import { type EventWakeup, pollingWakeup, postgresWakeup } from './events/event-wakeup.ts';
import { Collector } from './files/collector.ts';
import { DiskRoom } from './files/disk-room.ts';
import { FileStore } from './files/file-store.ts';
import { DEFAULT_MAX_RENDITIONS_PER_FILE, Renditions } from './files/renditions.ts';
import { fileLinker } from './http/file-links.ts';
import { serverOrigin } from './http/request-origin.ts';
import { toWireEvent } from './http/scenario/event-wire.ts';
import { IdempotencyStore } from './idempotency/idempotency-store.ts';
import { JobQueue } from './jobs/job-queue.ts';
import { type JobHandler, JobRunner, type RunnerOptions } from './jobs/job-runner.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { UploadDownloader } from './pipeline/download-upload.ts';
import { UploadProcessor } from './pipeline/process-upload.ts';
import { PreviewRefresher } from './pipeline/refresh-previews.ts';
import { QuotaService } from './quotas/quota-service.ts';
import { LocalStorage } from './storage/local/local-storage.ts';
import type { StorageBackend } from './storage/storage.ts';
import { createImporter, type Importer } from './uploads/importer.ts';
import { DOWNLOAD_UPLOAD_JOB, PROCESS_UPLOAD_JOB } from './uploads/upload.ts';
import { UploadService } from './uploads/upload-service.ts';
import { type EventRenderer, WebhookDeliverer } from './webhooks/deliver-webhook.ts';
import { DELIVER_WEBHOOK_JOB } from './webhooks/webhook.ts';
import { WebhookService } from './webhooks/webhook-service.ts';

/** Everything a process needs, built once from the config and passed down; no module reads globals. */
export interface Container {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Db;
  readonly storage: StorageBackend;
  readonly files: FileStore;
  /** Resized copies of stored images, drawn on request and cached in storage. */
  readonly renditions: Renditions;
  /** Collects leaked bytes (periodically in processes that run jobs; on demand by `assetd fsck`). */
  readonly collector: Collector;
  readonly keys: KeyService;
  readonly idempotency: IdempotencyStore;
  /** Free space on the data folder's disk, and the reserve that keeps deletes working when it is full. */
  readonly room: DiskRoom;
  /** Prometheus metrics (metrics/metrics.ts); served only when ASSETD_METRICS_PORT or ASSETD_METRICS_TOKEN is set. */
  readonly metrics: Metrics;
  readonly assets: AssetService;
  /** Per-project quotas: usage counters, reservations of unfinished uploads, limits. */
  readonly quotas: QuotaService;
  readonly collections: CollectionService;
  readonly uploads: UploadService;
  readonly jobs: JobQueue;
  /** The event outbox (events/event-log.ts): every change's event, for the live stream and webhooks. */
  readonly events: EventLog;
  /** Wakes this process's event streams when an event is recorded (PostgreSQL LISTEN; polling on SQLite). */
  readonly eventWakeup: EventWakeup;
  readonly webhooks: WebhookService;
  /** Runs queued jobs in this process; started by `serve` (unless ASSETD_RUN_JOBS=false) and `worker`. */
  readonly runner: JobRunner;
  readonly signer: UrlSigner;
  /** The secret behind `signer`, for the part-receiver process this one starts. */
  readonly signingSecret: string;
  close(): Promise<void>;
}

export interface ContainerOptions extends OpenOptions {
  readonly log?: Logger;
  readonly runner?: Partial<RunnerOptions>;
  /** Replaces the URL/hub importer (tests). */
  readonly importer?: Importer;
}

/** A staging file untouched this long was left by a process that died (a live one writes or reads it within a job step). */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

/** Signed links are capabilities: keep their signatures out of the logs. */
const redactUrl = (url: string) => url.replace(/([?&]signature=)[^&]*/g, '$1[redacted]');

export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: ['req.headers.authorization'],
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
    },
  });
}

export async function createStorage(config: Config): Promise<StorageBackend> {
  const storage = config.storage;
  switch (storage.kind) {
    case 'local':
      return new LocalStorage(storage.root);
    case 's3': {
      // Loaded only here: the AWS SDK is a few MB of heap a process on local storage never needs.
      const { S3Storage } = await import('./storage/s3/s3-storage.ts');
      return S3Storage.open({ ...storage, tmpDir: path.join(config.dataDir, 'tmp') });
    }
  }
}

export async function createContainer(config: Config, options: ContainerOptions = {}): Promise<Container> {
  const log = options.log ?? createLogger(config.logLevel);
  const db = openDatabase(config.databaseUrl, config.database, {
    ...options,
    // A restart, a failover, an idle timeout in a proxy or pg_terminate_backend: the pool
    // replaces the connection on the next query; it is worth a line in the log, not the process.
    onConnectionError: (error) => log.warn({ err: error }, 'database connection lost; it will be replaced'),
  });
  try {
    await migrate(db);
    const storage = await createStorage(config);
    await storage.ping();
    const room = new DiskRoom({ dir: config.dataDir, reserveBytes: config.disk.reserveBytes, minFreeBytes: config.disk.minFreeBytes });
    await room.ensureReserve();
    const files = new FileStore(db.kysely, storage, path.join(config.dataDir, 'tmp'), room);
    await files.sweepTemp(TEMP_MAX_AGE_MS);
    const signingSecret = await loadSigningSecret(db.kysely, config.signingSecret);
    const signer = new UrlSigner(signingSecret);
    const quotas = new QuotaService(db.kysely, config.quotas);
    const events = new EventLog(db.kysely, db.engine);
    const assets = new AssetService(
      db.kysely,
      files,
      { maxSmallImageBytes: config.maxSmallImageBytes, maxPixels: config.maxImagePixels, ffmpeg: config.ffmpeg },
      quotas,
      events,
    );
    const jobs = new JobQueue(db.kysely, db.engine);
    let runner: JobRunner | undefined;
    const webhooks = new WebhookService(db.kysely, jobs, events, { allowedHosts: config.webhooks.allowedHosts }, () => runner?.wake());
    const uploads = new UploadService(
      db.kysely,
      storage,
      jobs,
      assets,
      quotas,
      events,
      { ...config.uploads, allowedImportHosts: config.imports.allowedHosts },
      () => runner?.wake(),
      (work) => files.withRoom(work),
    );
    const downloader = new UploadDownloader(uploads, storage, options.importer ?? createImporter(config, files), log);
    const processor = new UploadProcessor(
      uploads,
      assets,
      storage,
      downloader,
      { maxPixels: config.maxImagePixels, stepTimeoutMs: config.uploads.stepTimeoutSeconds * 1000, ffmpeg: config.ffmpeg },
      log,
    );
    const previews = new PreviewRefresher(
      assets,
      storage,
      { maxPixels: config.maxImagePixels, stepTimeoutMs: config.uploads.stepTimeoutSeconds * 1000, ffmpeg: config.ffmpeg },
      log,
    );
    const metrics = await createMetrics(db.kysely, config.metrics.port !== undefined || config.metrics.token !== undefined);
    // Webhook payloads are the API's objects, their file links signed as each attempt is made, on the server's own origin.
    const renderEvent: EventRenderer = (event) =>
      toWireEvent(event, fileLinker(signer, config.urlTtlSeconds, serverOrigin(config), undefined, { mode: config.fileLinks, storage }));
    const deliverer = new WebhookDeliverer(
      db.kysely,
      jobs,
      events,
      renderEvent,
      {
        timeoutMs: config.webhooks.timeoutSeconds * 1000,
        retryDelaysMs: config.webhooks.retryDelaysMs,
        disableAfterFailures: config.webhooks.disableAfterFailures,
        disableAfterMs: config.webhooks.disableAfterHours * 3600 * 1000,
        allowedHosts: config.webhooks.allowedHosts,
      },
      (outcome) => metrics.webhookAttempt(outcome),
      log.child({ component: 'webhooks' }),
    );
    runner = new JobRunner(
      jobs,
      new Map<string, JobHandler>([
        [DOWNLOAD_UPLOAD_JOB, metrics.timed(DOWNLOAD_UPLOAD_JOB, downloader)],
        [PROCESS_UPLOAD_JOB, metrics.timed(PROCESS_UPLOAD_JOB, processor)],
        [ASSET_PREVIEWS_JOB, metrics.timed(ASSET_PREVIEWS_JOB, previews)],
        [DELIVER_WEBHOOK_JOB, metrics.timed(DELIVER_WEBHOOK_JOB, deliverer)],
      ]),
      {
        concurrency: config.jobs.concurrency,
        // Downloads wait on other servers, for up to ASSETD_IMPORT_TIMEOUT_SECONDS: slots of their own.
        // Webhook deliveries wait on receivers, for up to ASSETD_WEBHOOK_TIMEOUT_SECONDS: slots of their own too.
        pools: [
          { name: 'downloads', types: [DOWNLOAD_UPLOAD_JOB], concurrency: config.jobs.downloadConcurrency },
          { name: 'webhooks', types: [DELIVER_WEBHOOK_JOB], concurrency: config.webhooks.concurrency },
        ],
        leaseMs: config.jobs.leaseSeconds * 1000,
        pollMs: 1000,
        backoffMs: 2000,
        delayMs: config.jobs.testDelayMs,
        ...options.runner,
      },
      log.child({ component: 'jobs' }),
    );
    const started = runner;
    const eventWakeup = db.engine === 'postgres' ? postgresWakeup(config.databaseUrl, db.schema, log) : pollingWakeup();
    return {
      config,
      log,
      metrics,
      db,
      storage,
      files,
      renditions: new Renditions(storage, { maxPixels: config.maxImagePixels, maxPerFile: DEFAULT_MAX_RENDITIONS_PER_FILE }),
      collector: new Collector(db.kysely, storage, files, {
        graceMs: config.collector.graceSeconds * 1000,
        tempMaxAgeMs: TEMP_MAX_AGE_MS,
      }),
      keys: new KeyService(db.kysely),
      idempotency: new IdempotencyStore(db.kysely),
      room,
      assets,
      quotas,
      collections: new CollectionService(db.kysely, events),
      events,
      eventWakeup,
      webhooks,
      uploads,
      jobs,
      runner: started,
      signer,
      signingSecret,
      close: async () => {
        await started.stop();
        await eventWakeup.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
