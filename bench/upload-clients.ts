import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import * as tus from 'tus-js-client';
import { MiB } from './lib.ts';

/** The clients of the upload benchmark: parts PUT at presigned URLs, tus-js-client, S3's multipart API. */

/**
 * Random bytes after a fixed header that no format detector knows: an opaque file, so an
 * import into assetd is the hash and the records only. (A WAV here, as before, made each
 * import draw a waveform over every byte: most of what "imported" then measured.)
 */
export async function makeSource(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w');
  const header = Buffer.from('assetd bench: opaque bytes\0');
  await handle.write(header, 0, Math.min(header.length, size), 0);
  const block = randomBytes(16 * MiB);
  for (let offset = header.length; offset < size; offset += block.length) {
    await handle.write(block, 0, Math.min(block.length, size - offset), offset);
  }
  await handle.close();
}

export interface Part {
  readonly url: string;
  readonly start: number;
  readonly end: number;
}

/** Splits `size` bytes into `count` parts as spec 000 does (every part but the last of ceil(size / count)). */
export function split(size: number, count: number, url: (n: number, start: number) => string): Part[] {
  const partSize = Math.ceil(size / count);
  return Array.from({ length: count }, (_, i) => ({
    url: url(i + 1, i * partSize),
    start: i * partSize,
    end: Math.min(size, (i + 1) * partSize),
  }));
}

/** PUTs each part's byte range of the file, `concurrency` at a time, over keep-alive connections; returns the ETags. */
export async function putParts(file: string, parts: readonly Part[], concurrency: number): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const etags: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < parts.length) {
      const index = next++;
      const part = parts[index] as Part;
      etags[index] = await new Promise<string>((resolve, reject) => {
        const req = request(part.url, { method: 'PUT', agent, headers: { 'content-length': part.end - part.start } }, (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve(String(res.headers.etag ?? '')) : reject(new Error(`PUT ${part.url}: ${res.statusCode}`)),
          );
        });
        req.on('error', reject);
        createReadStream(file, { start: part.start, end: part.end - 1, highWaterMark: MiB }).pipe(req);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return etags;
}

/** One upload with tus-js-client (its Node file source), `chunkSize` bytes a PATCH, one at a time as tus sends them. */
export function tusUpload(endpoint: string, file: string, size: number, chunkSize: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(file), {
      endpoint,
      chunkSize,
      uploadSize: size,
      retryDelays: [],
      metadata: { filename: 'bench.bin' },
      onSuccess: () => resolve(),
      onError: reject,
    });
    upload.start();
  });
}

/** S3's multipart API, unsigned (s3rver takes anonymous requests): start, the parts, complete. */
export class S3Multipart {
  readonly #object: string;

  constructor(bucketUrl: string, key: string) {
    this.#object = `${bucketUrl}/${key}`;
  }

  async start(): Promise<string> {
    const response = await fetch(`${this.#object}?uploads`, { method: 'POST' });
    const text = await response.text();
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
    if (!response.ok || !id) throw new Error(`CreateMultipartUpload: ${response.status} ${text}`);
    return id;
  }

  partUrl(uploadId: string, partNumber: number): string {
    return `${this.#object}?partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`;
  }

  async complete(uploadId: string, etags: readonly string[]): Promise<void> {
    const body = `<CompleteMultipartUpload>${etags
      .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const response = await fetch(`${this.#object}?uploadId=${encodeURIComponent(uploadId)}`, { method: 'POST', body });
    const text = await response.text();
    if (!response.ok || text.includes('<Error>')) throw new Error(`CompleteMultipartUpload: ${response.status} ${text}`);
  }

  async delete(): Promise<void> {
    await fetch(this.#object, { method: 'DELETE' });
  }
}

/** assetd's upload API, as the benchmarks drive it: Basic auth with the bench's key. */
export class AssetdUploads {
  readonly #url: string;
  readonly #auth: string;

  constructor(url: string, key: string, secret: string) {
    this.#url = url;
    this.#auth = `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
  }

  async #json(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.#url}${path}`, {
      ...init,
      headers: { authorization: this.#auth, 'content-type': 'application/json', ...init.headers },
    });
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  }

  /**
   * A multipart upload of `size` bytes in parts of `partSize`: its id and its parts (ranges and URLs).
   * An opaque model file: its import is the hash and the records, not a pass of the pipeline
   * over every byte (a WAV's waveform reads them all; waveform.bench.ts measures that).
   */
  async create(size: number, partSize: number): Promise<{ id: string; parts: Part[] }> {
    const count = Math.ceil(size / partSize);
    const { upload } = (await this.#json('/v1/uploads', {
      method: 'POST',
      body: JSON.stringify({ fileName: 'bench.bin', contentType: 'application/octet-stream', kind: 'model', parts: count, fileSize: size }),
    })) as { upload: { id: string; parts: Array<{ number: number; url: string }> } };
    const urls = new Map(upload.parts.map((part) => [part.number, part.url]));
    return { id: upload.id, parts: split(size, count, (n) => urls.get(n) as string) };
  }

  async complete(id: string): Promise<void> {
    await this.#json(`/v1/uploads/${id}/action`, { method: 'POST', body: JSON.stringify({ action: 'complete' }) });
  }

  /** Polls (every 20 ms, at most 4 minutes) until the upload is imported; returns its asset's id. */
  async imported(id: string): Promise<string> {
    for (let i = 0; i < 12_000; i++) {
      const { upload } = (await this.#json(`/v1/uploads/${id}`)) as {
        upload: { status: string; entityId?: string; errorMessage?: string };
      };
      if (upload.status === 'imported') return upload.entityId ?? '';
      if (upload.status === 'failed') throw new Error(`bench upload failed: ${upload.errorMessage}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the upload was not imported within 4 minutes');
  }

  async deleteAsset(id: string): Promise<void> {
    const response = await fetch(`${this.#url}/v1/assets/${id}`, { method: 'DELETE', headers: { authorization: this.#auth } });
    if (!response.ok) throw new Error(`DELETE asset: ${response.status} ${await response.text()}`);
  }
}
