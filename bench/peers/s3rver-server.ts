import S3rver from 's3rver';

/**
 * A peer of the upload benchmark: the s3rver S3 emulator (its multipart API) on loopback,
 * with one bucket, `bench`, kept under S3RVER_DIR. Requests are anonymous (no SigV4 to sign
 * or check), which spares both sides the signing work. `GET /bench` answers readiness.
 */
const server = new S3rver({
  port: Number(process.env.S3RVER_PORT),
  address: '127.0.0.1',
  silent: true,
  directory: process.env.S3RVER_DIR as string,
  configureBuckets: [{ name: 'bench', configs: [] }],
});
await server.run();
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
