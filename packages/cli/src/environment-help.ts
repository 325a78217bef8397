/** Help text for the environment variables the commands read (the server's config.ts is the source of truth). */
export const DATABASE_ENVIRONMENT = `
Environment:
  ASSETD_DATA_DIR        data folder (default ./data); the default SQLite database lives in it
  ASSETD_DATABASE_URL    sqlite:<file> or postgres://user@host:port/db (default sqlite:<data dir>/assetd.db)`;

export const SERVER_ENVIRONMENT = `${DATABASE_ENVIRONMENT}
  PORT, HOST             where to listen (default 8080 on 127.0.0.1)
  ASSETD_PUBLIC_URL      base URL clients reach the server at; signed file links are built on it
  ASSETD_SIGNING_SECRET  secret for signed URLs (32+ characters); all processes of a deployment share it
  ASSETD_URL_TTL_SECONDS lifetime of signed URLs (default 3600)
  ASSETD_API_KEY, ASSETD_API_SECRET
                         an API key to create or update at start (secret: 16+ characters)
  ASSETD_MAX_IMAGE_BYTES images this large or larger must use /v1/uploads (default 6000000)
  ASSETD_MAX_IMAGE_PIXELS
                         images with more pixels are refused (default 268402689)
  ASSETD_LOG_LEVEL       fatal, error, warn, info (default), debug, trace or silent`;
