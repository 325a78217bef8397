import type { TestServer } from './http.ts';
import { basic, json } from './http.ts';

type Credentials = { id: string; secret: string };

export interface MultipartOptions {
  readonly kind: string;
  readonly contentType: string;
  readonly fileName?: string;
  readonly parts?: number;
  readonly key?: { id: string; secret: string };
  readonly assetOptions?: Record<string, unknown>;
}

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

/** POST /v1/uploads; throws unless it answers 200. */
export async function createUpload(server: TestServer, body: Record<string, unknown>, key: Credentials = server.key) {
  const response = await server.app.inject({ method: 'POST', url: '/v1/uploads', headers: { authorization: basic(key) }, payload: body });
  if (response.statusCode !== 200) throw new Error(`create upload failed: ${response.statusCode} ${response.body}`);
  return json(response).upload;
}

/** PUTs bytes to a part URL of the local backend; returns the response. */
export const putPart = (server: TestServer, url: string, bytes: Buffer) =>
  server.app.inject({ method: 'PUT', url: pathOf(url), payload: bytes, headers: { 'content-type': 'application/octet-stream' } });

/**
 * Sends one part where its URL points: this server's part endpoint (local storage), or the S3
 * endpoint itself over the network (S3 storage), as a client would.
 */
export async function sendPart(server: TestServer, url: string, bytes: Buffer): Promise<{ statusCode: number; body: string }> {
  if (new URL(url).pathname.startsWith('/uploads/')) return putPart(server, url, bytes);
  const response = await fetch(url, { method: 'PUT', body: bytes });
  return { statusCode: response.status, body: await response.text() };
}

export const completeUpload = (server: TestServer, uploadId: string, key: Credentials = server.key) =>
  server.app.inject({
    method: 'POST',
    url: `/v1/uploads/${uploadId}/action`,
    headers: { authorization: basic(key) },
    payload: { action: 'complete' },
  });

export async function getUpload(server: TestServer, uploadId: string, key: Credentials = server.key) {
  const response = await server.app.inject({ method: 'GET', url: `/v1/uploads/${uploadId}`, headers: { authorization: basic(key) } });
  return json(response).upload;
}

/** Polls until the upload is imported or failed (the runner must be started), noting every status seen. */
export async function waitForUpload(server: TestServer, uploadId: string, key: Credentials = server.key, timeoutMs = 20_000) {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const upload = await getUpload(server, uploadId, key);
    if (seen.at(-1) !== upload.status) seen.push(upload.status);
    if (upload.status === 'imported' || upload.status === 'failed') return { upload, seen };
    if (Date.now() > deadline) throw new Error(`upload ${uploadId} still ${upload.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The whole multipart flow of spec 000 through HTTP: create, PUT the parts split as the spec
 * example does, complete, and wait for the end state. Returns the final upload and, when
 * imported, the asset.
 */
export async function uploadMultipart(server: TestServer, bytes: Buffer, options: MultipartOptions) {
  const key = options.key ?? server.key;
  const parts = options.parts ?? 1;
  const upload = await createUpload(
    server,
    {
      fileName: options.fileName ?? `file.${options.contentType.split('/')[1]}`,
      contentType: options.contentType,
      kind: options.kind,
      parts,
      fileSize: bytes.length,
      ...(options.assetOptions ? { assetOptions: options.assetOptions } : {}),
    },
    key,
  );
  const partSize = Math.ceil(bytes.length / parts);
  for (const part of upload.parts as Array<{ number: number; url: string }>) {
    const response = await sendPart(server, part.url, bytes.subarray((part.number - 1) * partSize, part.number * partSize));
    if (response.statusCode !== 200) throw new Error(`part ${part.number} failed: ${response.statusCode} ${response.body}`);
  }
  const completed = await completeUpload(server, upload.id, key);
  if (completed.statusCode !== 200) throw new Error(`complete failed: ${completed.statusCode} ${completed.body}`);
  const { upload: final, seen } = await waitForUpload(server, upload.id, key);
  let asset: Record<string, unknown> | undefined;
  if (final.status === 'imported') {
    const response = await server.app.inject({
      method: 'GET',
      url: `/v1/assets/${final.entityId}`,
      headers: { authorization: basic(key) },
    });
    asset = json(response).asset;
  }
  return { upload: final, asset, seen };
}

/**
 * Waits until no job is queued or running. An upload reads `imported` as soon as its
 * transaction commits; the job goes on to delete the copy of bytes that were already stored,
 * so counting stored objects must wait for the job itself to end.
 */
export async function jobsSettled(server: TestServer, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await server.container.jobs.counts();
    if (!counts.queued && !counts.running) return;
    if (Date.now() > deadline) throw new Error(`jobs still busy after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
