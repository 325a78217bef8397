import type { TestServer } from './http.ts';
import { basic, json } from './http.ts';

/** Uploads an image through POST /v1/assets (base64 JSON) and returns the wire asset. */
export async function uploadImage(
  server: TestServer,
  image: Buffer,
  body: Record<string, unknown> = {},
  options: { key?: { id: string; secret: string }; query?: string } = {},
) {
  const response = await server.app.inject({
    method: 'POST',
    url: `/v1/assets${options.query ?? ''}`,
    headers: { authorization: basic(options.key ?? server.key), 'content-type': 'application/json' },
    payload: { image: image.toString('base64'), name: 'image.png', ...body },
  });
  if (response.statusCode !== 200) throw new Error(`upload failed: ${response.statusCode} ${response.body}`);
  return json(response).asset;
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function formData(fields: Record<string, string>, file?: { name: string; field?: string; data: Buffer; type?: string }) {
  const boundary = `----assetd${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Posts a form built by formData() to POST /v1/assets with the server's first key. */
export const postForm = (server: TestServer, form: ReturnType<typeof formData>) =>
  server.app.inject({
    method: 'POST',
    url: '/v1/assets',
    headers: { authorization: basic(server.key), 'content-type': form.contentType },
    payload: form.payload,
  });

/** Rows and stored objects, to prove a failed request left nothing behind. */
export async function footprint(server: TestServer) {
  const db = server.container.db.kysely;
  const count = async (table: 'assets' | 'files' | 'collection_assets' | 'asset_tags') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const { readdir } = await import('node:fs/promises');
  const path = await import('node:path');
  const objects = async () => {
    const root = path.join(server.dataDir, 'files', 'objects');
    const dirs = await readdir(root).catch(() => [] as string[]);
    let n = 0;
    for (const dir of dirs) n += (await readdir(path.join(root, dir))).length;
    return n;
  };
  const temp = async () => (await readdir(path.join(server.dataDir, 'tmp')).catch(() => [] as string[])).length;
  return { assets: await count('assets'), files: await count('files'), objects: await objects(), temp: await temp() };
}
