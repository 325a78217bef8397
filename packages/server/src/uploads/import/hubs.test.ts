import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileStore } from '../../files/file-store.ts';
import { createJsonFetcher, type FetchJson, parseCivitaiUrl, pickWeightsFile, resolveCivitai, resolveHuggingFace } from './hubs.ts';
import { ImportError, type ImportErrorCode } from './import-error.ts';
import { downloadToStaging } from './safe-download.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const WEIGHTS = Buffer.from('pretend these are weights');

const HF_MODELS: Record<string, string[]> = {
  'acme/sd-model': [
    '.gitattributes',
    'README.md',
    'model_index.json',
    'unet/diffusion_pytorch_model.safetensors',
    'vae/diffusion_pytorch_model.safetensors',
    'v1-5-pruned.ckpt',
    'v1-5-pruned-emaonly.safetensors',
    'v1-5-pruned.safetensors',
  ],
  'acme/text-model': ['config.json', 'training_args.bin', 'pytorch_model.bin', 'onnx/model.onnx'],
  'acme/nested': ['weights/my model #1.safetensors', 'README.md'],
  'acme/no-weights': ['README.md', 'config.json', 'tokenizer.json'],
  'acme/sharded': ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json'],
};

const CIVITAI_MODELS: Record<string, unknown> = {
  '4201': {
    id: 4201,
    modelVersions: [
      {
        id: 501,
        files: [
          { name: 'vae.pt', type: 'VAE', downloadUrl: 'https://civitai.example/api/download/models/501?type=VAE' },
          {
            name: 'realistic_v6.safetensors',
            type: 'Model',
            primary: true,
            downloadUrl: 'https://civitai.example/api/download/models/501',
          },
        ],
      },
      {
        id: 400,
        files: [{ name: 'realistic_v5.safetensors', type: 'Model', downloadUrl: 'https://civitai.example/api/download/models/400' }],
      },
    ],
  },
  '77': { id: 77, modelVersions: [{ id: 78, files: [{ name: 'notes.zip', type: 'Training Data', downloadUrl: 'https://x/y' }] }] },
  '88': { id: 88, modelVersions: 'nope' },
};

let hub: TestServer;
let fetchJson: FetchJson;

beforeAll(async () => {
  hub = await startTestServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://hub');
    const hf = /^\/api\/models\/([^/]+\/[^/]+)$/.exec(url.pathname);
    const civitai = /^\/api\/v1\/models\/(\d+)$/.exec(url.pathname);
    const json = (body: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (hf?.[1] && decodeURIComponent(hf[1]) in HF_MODELS) {
      json({ id: hf[1], siblings: HF_MODELS[decodeURIComponent(hf[1])]?.map((rfilename) => ({ rfilename })) });
    } else if (civitai?.[1] && civitai[1] in CIVITAI_MODELS) {
      json(CIVITAI_MODELS[civitai[1]]);
    } else if (url.pathname === '/api/v1/model-versions/501') {
      json({
        id: 501,
        modelId: 4201,
        files: [{ name: 'realistic_v6.safetensors', primary: true, downloadUrl: `${hub.origin}/files/501` }],
      });
    } else if (url.pathname === '/acme/sd-model/resolve/main/v1-5-pruned-emaonly.safetensors') {
      response.writeHead(200, { 'content-length': WEIGHTS.length }).end(WEIGHTS);
    } else if (url.pathname === '/not-json') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    } else if (url.pathname === '/huge-json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(1024 * 1024 + 10)}"`);
    } else if (url.pathname === '/api/models/acme/broken') {
      json({ siblings: 'nope' });
    } else if (url.pathname === '/api/models/acme/down') {
      response.writeHead(503).end();
    } else {
      response.writeHead(url.pathname.startsWith('/api/models/') ? 401 : 404).end('{}');
    }
  });
  fetchJson = createJsonFetcher({ allowedHosts: [hub.host] });
});

afterAll(async () => {
  await hub.close();
});

async function importFailure(promise: Promise<unknown>, code: ImportErrorCode): Promise<ImportError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ImportError);
  expect((error as ImportError).code).toBe(code);
  return error as ImportError;
}

describe('resolveHuggingFace', () => {
  it('picks the root-level safetensors file and builds its resolve URL', async () => {
    const resolved = await resolveHuggingFace('acme/sd-model', { baseUrl: `${hub.origin}/`, fetchJson });
    expect(resolved).toEqual({
      url: `${hub.origin}/acme/sd-model/resolve/main/v1-5-pruned-emaonly.safetensors`,
      fileName: 'v1-5-pruned-emaonly.safetensors',
    });
  });

  it('resolves to a URL the safe downloader can fetch', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'assetd-hub-'));
    try {
      const store = new FileStore(undefined as never, undefined as never, tmp);
      const resolved = await resolveHuggingFace('acme/sd-model', { baseUrl: hub.origin, fetchJson });
      const download = await downloadToStaging(resolved.url, {
        maxBytes: 1024,
        timeoutMs: 5_000,
        minRate: { bytesPerSecond: 0, windowMs: 5_000 },
        allowedHosts: [hub.host],
        stage: (source, limit) => store.stageStream(source, limit),
      });
      expect(download.staged.sha256).toBe(createHash('sha256').update(WEIGHTS).digest('hex'));
      expect(download.fileName).toBe(resolved.fileName);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('skips trainer state, and encodes nested paths segment by segment', async () => {
    expect((await resolveHuggingFace('acme/text-model', { baseUrl: hub.origin, fetchJson })).fileName).toBe('pytorch_model.bin');
    expect(await resolveHuggingFace('acme/nested', { baseUrl: hub.origin, fetchJson })).toEqual({
      url: `${hub.origin}/acme/nested/resolve/main/weights/my%20model%20%231.safetensors`,
      fileName: 'my model #1.safetensors',
    });
  });

  it('refuses a model without a weights file, and one split into shards', async () => {
    const none = await importFailure(resolveHuggingFace('acme/no-weights', { baseUrl: hub.origin, fetchJson }), 'IMPORT_NO_MODEL_FILE');
    expect(none.message).toContain('"acme/no-weights" has no weights file');
    expect(none.retryable).toBe(false);
    const sharded = await importFailure(resolveHuggingFace('acme/sharded', { baseUrl: hub.origin, fetchJson }), 'IMPORT_NO_MODEL_FILE');
    expect(sharded.message).toContain('shards');
  });

  it('says which model was not found, as a permanent failure', async () => {
    const error = await importFailure(resolveHuggingFace('acme/missing', { baseUrl: hub.origin, fetchJson }), 'IMPORT_FAILED');
    expect(error.message).toContain('"acme/missing" was not found');
    expect(error.retryable).toBe(false);
  });

  it('passes on hub outages as retryable, and odd answers as permanent', async () => {
    const down = await importFailure(resolveHuggingFace('acme/down', { baseUrl: hub.origin, fetchJson }), 'IMPORT_FAILED');
    expect(down.retryable).toBe(true);
    const broken = await importFailure(resolveHuggingFace('acme/broken', { baseUrl: hub.origin, fetchJson }), 'IMPORT_FAILED');
    expect(broken.message).toContain('unexpected document');
    expect(broken.retryable).toBe(false);
  });

  it.each([
    '',
    'acme',
    'acme/',
    '/model',
    'acme/model/extra',
    '../etc/passwd',
    'acme/..',
    'acme/a..b',
    'acme/my model',
    'acme /model',
    'acme/model?x=1',
    'acme/model#x',
    'acme/%2e%2e',
    'acme\\model',
    'acme/-model',
    `acme/${'x'.repeat(97)}`,
  ])('refuses the model name %j without calling the hub', async (name) => {
    const spy = vi.fn(fetchJson);
    const error = await importFailure(resolveHuggingFace(name, { baseUrl: hub.origin, fetchJson: spy }), 'IMPORT_INVALID_URL');
    expect(error.retryable).toBe(false);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('pickWeightsFile', () => {
  it('prefers the extension order, then root level, then the usual main names, then sorted order', () => {
    expect(pickWeightsFile(['b.bin', 'a.ckpt', 'z.safetensors'])).toBe('z.safetensors');
    expect(pickWeightsFile(['unet/diffusion_pytorch_model.safetensors', 'zz.safetensors'])).toBe('zz.safetensors');
    expect(pickWeightsFile(['adapter.safetensors', 'model.safetensors', 'a.safetensors'])).toBe('model.safetensors');
    expect(pickWeightsFile(['x.safetensors', 'diffusion_pytorch_model.fp16.safetensors'])).toBe('diffusion_pytorch_model.fp16.safetensors');
    expect(pickWeightsFile(['text_encoder/model.safetensors', 'unet/weights.safetensors'])).toBe('text_encoder/model.safetensors');
    expect(pickWeightsFile(['b.gguf', 'a.gguf', 'model.onnx'])).toBe('a.gguf');
    expect(pickWeightsFile(['MODEL.SAFETENSORS'])).toBe('MODEL.SAFETENSORS');
  });

  it('ignores paths that would leave the repository or are not weights', () => {
    expect(pickWeightsFile(['../x.safetensors', 'a/../b.safetensors', '/abs.safetensors', 'ok.pt'])).toBe('ok.pt');
    expect(pickWeightsFile(['optimizer.pt', 'scheduler.pt', 'training_args.bin', 'notes.txt'])).toBeUndefined();
  });
});

describe('parseCivitaiUrl', () => {
  it.each([
    ['https://civitai.com/models/4201', { modelId: '4201' }],
    ['https://civitai.com/models/4201/realistic-vision', { modelId: '4201' }],
    ['https://civitai.com/models/4201/realistic-vision?modelVersionId=501', { modelId: '4201', versionId: '501' }],
    ['https://civitai.green/models/4201/', { modelId: '4201' }],
    ['https://civitai.com/api/download/models/501', { versionId: '501' }],
    ['https://civitai.com/api/download/models/501?type=Model&format=SafeTensor', { versionId: '501' }],
  ])('%s', (input, expected) => {
    expect(parseCivitaiUrl(input)).toEqual(expected);
  });

  it.each([
    'civitai.com/models/1',
    'https://civitai.com/images/123',
    'https://civitai.com/models/abc',
    'https://civitai.com/models/1/slug/extra',
    'https://civitai.com/models/1?modelVersionId=abc',
    'ftp://civitai.com/models/1',
    'https://civitai.com/api/download/models/../../admin',
  ])('refuses %s', (input) => {
    expect(() => parseCivitaiUrl(input)).toThrow(expect.objectContaining({ code: 'IMPORT_INVALID_URL', retryable: false }));
  });
});

describe('resolveCivitai', () => {
  it('takes the primary file of the first version', async () => {
    const resolved = await resolveCivitai('https://civitai.com/models/4201/realistic-vision', { baseUrl: hub.origin, fetchJson });
    expect(resolved).toEqual({ url: 'https://civitai.example/api/download/models/501', fileName: 'realistic_v6.safetensors' });
  });

  it('takes the requested version, falling back to its first Model file', async () => {
    const resolved = await resolveCivitai('https://civitai.com/models/4201?modelVersionId=400', { baseUrl: hub.origin, fetchJson });
    expect(resolved).toEqual({ url: 'https://civitai.example/api/download/models/400', fileName: 'realistic_v5.safetensors' });
  });

  it('looks up download links by version', async () => {
    const resolved = await resolveCivitai('https://civitai.com/api/download/models/501', { baseUrl: hub.origin, fetchJson });
    expect(resolved).toEqual({ url: `${hub.origin}/files/501`, fileName: 'realistic_v6.safetensors' });
  });

  it('refuses unknown versions, models without a model file, and unknown models', async () => {
    const version = await importFailure(
      resolveCivitai('https://civitai.com/models/4201?modelVersionId=9', { baseUrl: hub.origin, fetchJson }),
      'IMPORT_FAILED',
    );
    expect(version.message).toContain('has no version 9');
    expect(version.retryable).toBe(false);
    const noFile = await importFailure(
      resolveCivitai('https://civitai.com/models/77', { baseUrl: hub.origin, fetchJson }),
      'IMPORT_NO_MODEL_FILE',
    );
    expect(noFile.retryable).toBe(false);
    const missing = await importFailure(
      resolveCivitai('https://civitai.com/models/999', { baseUrl: hub.origin, fetchJson }),
      'IMPORT_FAILED',
    );
    expect(missing.message).toContain('Civitai model 999 was not found');
    expect(missing.retryable).toBe(false);
    const odd = await importFailure(resolveCivitai('https://civitai.com/models/88', { baseUrl: hub.origin, fetchJson }), 'IMPORT_FAILED');
    expect(odd.retryable).toBe(false);
  });
});

describe('createJsonFetcher', () => {
  it('parses JSON from an allowed host', async () => {
    expect(await fetchJson(`${hub.origin}/api/v1/models/77`)).toMatchObject({ id: 77 });
  });

  it('refuses private addresses unless allowed', async () => {
    const before = hub.requests.length;
    const error = await importFailure(createJsonFetcher()(`${hub.origin}/api/v1/models/77`), 'IMPORT_URL_FORBIDDEN');
    expect(error.retryable).toBe(false);
    expect(hub.requests).toHaveLength(before);
  });

  it('refuses answers that are not JSON or over 1 MiB', async () => {
    await importFailure(fetchJson(`${hub.origin}/not-json`), 'IMPORT_FAILED');
    await importFailure(fetchJson(`${hub.origin}/huge-json`), 'IMPORT_TOO_LARGE');
  });
});
