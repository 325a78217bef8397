/** Help text for the environment variables the commands read (the server's config.ts is the source of truth). */
export const DATABASE_ENVIRONMENT = `
Environment:
  ASSETD_DATA_DIR        data folder (default ./data); the default SQLite database lives in it
  ASSETD_DATABASE_URL    sqlite:<file> or postgres://user@host:port/db (default sqlite:<data dir>/assetd.db)`;

export const SERVER_ENVIRONMENT = `${DATABASE_ENVIRONMENT}
  PORT, HOST             where to listen (default 8080 on 127.0.0.1)
  ASSETD_RUN_JOBS        whether this process also runs jobs (default true; false with separate workers)
  ASSETD_SIGNING_SECRET  secret for signed URLs (32+ characters); all processes of a deployment share it
  ASSETD_LOG_LEVEL       fatal, error, warn, info (default), debug, trace or silent
  … and the rest of the configuration table in the README (limits, signing, imports).`;

export const WORKER_ENVIRONMENT = `${DATABASE_ENVIRONMENT}
  ASSETD_JOB_CONCURRENCY jobs run at once in this process (default 2)
  ASSETD_LOG_LEVEL       fatal, error, warn, info (default), debug, trace or silent`;
