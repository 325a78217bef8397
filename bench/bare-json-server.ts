import Fastify from 'fastify';

/**
 * The baseline of the base64 figures in bodies.bench.ts: a bare Fastify server with its default
 * JSON parser and a body limit big enough, whose one route decodes the `image` field from base64
 * and answers its size — the parse and the decode, nothing else (no auth, no staging, no hash,
 * no image probe, no database).
 */
const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.get('/', async () => 'ok');
app.post('/decode', async (request) => {
  const image = Buffer.from((request.body as { image: string }).image, 'base64');
  return { size: image.length };
});
await app.listen({ port: Number(process.env.BARE_PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
