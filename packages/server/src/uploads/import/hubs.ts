import { sanitizeFileName } from './file-name.ts';
import { ImportError, importFailed, invalidImportUrl } from './import-error.ts';
import { type SafeRequestOptions, safeGet } from './safe-request.ts';

/** GETs a URL and parses its JSON body; failures are ImportErrors (HTTP errors carry `details.status`). */
export type FetchJson = (url: string) => Promise<unknown>;

export interface HubOptions {
  /** The hub's base URL, such as https://huggingface.co or https://civitai.com. */
  readonly baseUrl: string;
  readonly fetchJson: FetchJson;
}

/** What to download for a model reference, and what to call it. */
export interface HubDownload {
  readonly url: string;
  readonly fileName: string;
}

export type JsonFetcherOptions = Omit<SafeRequestOptions, 'maxBytes' | 'timeoutMs' | 'minRate'> &
  Partial<Pick<SafeRequestOptions, 'maxBytes' | 'timeoutMs' | 'minRate'>>;

const JSON_MAX_BYTES = 1024 * 1024;
const JSON_TIMEOUT_MS = 30_000;
/** A hub's answer is small: it may be slow, but not silent for 15 s. */
const JSON_MIN_RATE = { bytesPerSecond: 0, windowMs: 15_000 };

/** A FetchJson under the same rules as downloads (public addresses, checked redirects), capped at 1 MiB and 30 s. */
export function createJsonFetcher(options: JsonFetcherOptions = {}): FetchJson {
  return async (url) => {
    const response = await safeGet(url, {
      ...options,
      maxBytes: options.maxBytes ?? JSON_MAX_BYTES,
      timeoutMs: options.timeoutMs ?? JSON_TIMEOUT_MS,
      minRate: options.minRate ?? JSON_MIN_RATE,
      headers: { accept: 'application/json', ...options.headers },
    });
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
    } finally {
      response.close();
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      throw importFailed(`${response.url.host} did not answer with JSON`, false, { host: response.url.host }, error);
    }
  };
}

// Hugging Face

// In order of preference: the safe format first, pickle-based ones after.
const WEIGHT_EXTENSIONS = ['.safetensors', '.ckpt', '.bin', '.pt', '.gguf', '.onnx'];
const MAIN_WEIGHT_NAMES = ['model', 'diffusion_pytorch_model', 'pytorch_model'];
// Trainer leftovers that share the weights' extensions but are not models.
const NOT_WEIGHTS = /^(training_args|optimizer|scheduler|rng_state)([._-]|$)/;
const SHARD = /-\d+-of-\d+\.[^.]+$/;
const HF_NAME_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;

/** Splits and checks an `owner/name` model id the way Hugging Face names repositories. */
export function parseHuggingFaceName(modelName: string): { owner: string; name: string } {
  const parts = modelName.trim().split('/');
  const [owner, name] = parts;
  const valid = (part: string | undefined): part is string => part !== undefined && HF_NAME_PART.test(part) && !/\.\.|--/.test(part);
  if (parts.length !== 2 || !valid(owner) || !valid(name)) {
    throw invalidImportUrl(
      `"${modelName.slice(0, 200)}" is not a Hugging Face model id: use owner/name, with letters, digits, '-', '_' and '.' only`,
    );
  }
  return { owner, name };
}

/**
 * The main weights file of a Hugging Face model: `GET {baseUrl}/api/models/{owner}/{name}`
 * lists the files, and the best one (see pickWeightsFile) is downloaded from the main branch.
 */
export async function resolveHuggingFace(modelName: string, options: HubOptions): Promise<HubDownload> {
  const { owner, name } = parseHuggingFaceName(modelName);
  const base = trimBase(options.baseUrl);
  const what = `Hugging Face model "${owner}/${name}"`;
  const info = record(await callHub(options.fetchJson, `${base}/api/models/${owner}/${name}`, what), what);
  const siblings = Array.isArray(info.siblings) ? info.siblings : undefined;
  if (!siblings) throw unexpectedAnswer(what);
  const paths = siblings.flatMap((entry) => {
    const path = (entry as { rfilename?: unknown } | null)?.rfilename;
    return typeof path === 'string' ? [path] : [];
  });
  const file = pickWeightsFile(paths);
  if (!file) {
    const sharded = paths.some((path) => SHARD.test(path) && weightRank(path) >= 0);
    const message = sharded
      ? `The ${what} is split into several weight files (shards), which cannot be imported as one file`
      : `The ${what} has no weights file (${WEIGHT_EXTENSIONS.join(', ')})`;
    throw new ImportError('IMPORT_NO_MODEL_FILE', message, { retryable: false, details: { model: `${owner}/${name}` } });
  }
  const encodedPath = file.split('/').map(encodeURIComponent).join('/');
  return { url: `${base}/${owner}/${name}/resolve/main/${encodedPath}`, fileName: sanitizeFileName(file) };
}

/**
 * The file that most likely holds the model: the preferred extension first; among files with
 * it, root-level ones before those in folders, the usual main names (model,
 * diffusion_pytorch_model, pytorch_model, with variants such as model.fp16) before others,
 * then sorted order. Shards and trainer state are never picked.
 */
export function pickWeightsFile(paths: ReadonlyArray<string>): string | undefined {
  const candidates = paths
    .filter((path) => isPlainRepoPath(path) && weightRank(path) >= 0 && !SHARD.test(path) && !NOT_WEIGHTS.test(baseName(path)))
    .map((path) => ({ path, key: [weightRank(path), path.includes('/') ? 1 : 0, isMainName(path) ? 0 : 1] }));
  candidates.sort((a, b) => compareKeys(a.key, b.key) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return candidates[0]?.path;
}

const weightRank = (path: string) => WEIGHT_EXTENSIONS.findIndex((extension) => path.toLowerCase().endsWith(extension));

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function isMainName(path: string): boolean {
  const stem = baseName(path).replace(/\.[^.]+$/, '');
  return MAIN_WEIGHT_NAMES.some((name) => stem === name || stem.startsWith(`${name}.`));
}

function compareKeys(a: ReadonlyArray<number>, b: ReadonlyArray<number>): number {
  for (let i = 0; i < a.length; i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** A relative path that stays inside the repository once put in a URL. */
function isPlainRepoPath(path: string): boolean {
  if (path === '' || path.length > 1000 || path.includes('\\')) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters make a path unusable
  if (/[\u0000-\u001f\u007f]/.test(path)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

// Civitai

/** What a Civitai URL points at: a model (and maybe one of its versions), or just a version. */
export type CivitaiReference = { readonly modelId: string; readonly versionId?: string } | { readonly versionId: string };

/**
 * Reads `https://civitai.com/models/{id}[/{slug}][?modelVersionId={v}]` or
 * `https://civitai.com/api/download/models/{versionId}`. Any host is accepted, so links to
 * mirrors work; the API calls always go to the configured base URL.
 */
export function parseCivitaiUrl(modelUrl: string): CivitaiReference {
  const usage = 'use https://civitai.com/models/<id> or https://civitai.com/api/download/models/<versionId>';
  let url: URL;
  try {
    url = new URL(modelUrl.trim());
  } catch {
    throw invalidImportUrl(`"${modelUrl.slice(0, 200)}" is not a Civitai model URL: ${usage}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidImportUrl(`Not a Civitai model URL: ${usage}`);
  const download = /^\/api\/download\/models\/(\d{1,18})\/?$/.exec(url.pathname);
  if (download?.[1]) return { versionId: download[1] };
  const model = /^\/models\/(\d{1,18})(?:\/[^/]*)?\/?$/.exec(url.pathname);
  if (!model?.[1]) throw invalidImportUrl(`Not a Civitai model URL: ${usage}`);
  const versionId = url.searchParams.get('modelVersionId');
  if (versionId === null) return { modelId: model[1] };
  if (!/^\d{1,18}$/.test(versionId)) throw invalidImportUrl(`modelVersionId must be a number, got "${versionId.slice(0, 40)}"`);
  return { modelId: model[1], versionId };
}

/**
 * The primary file of a Civitai model version. Model links are looked up with
 * `GET {baseUrl}/api/v1/models/{id}` (the requested version, else the first); download links,
 * which carry only a version id, with `GET {baseUrl}/api/v1/model-versions/{versionId}`.
 */
export async function resolveCivitai(modelUrl: string, options: HubOptions): Promise<HubDownload> {
  const reference = parseCivitaiUrl(modelUrl);
  const base = trimBase(options.baseUrl);
  if (!('modelId' in reference)) {
    const what = `Civitai model version ${reference.versionId}`;
    const version = record(await callHub(options.fetchJson, `${base}/api/v1/model-versions/${reference.versionId}`, what), what);
    return primaryFile(version, what);
  }
  const what = `Civitai model ${reference.modelId}`;
  const model = record(await callHub(options.fetchJson, `${base}/api/v1/models/${reference.modelId}`, what), what);
  if (!Array.isArray(model.modelVersions)) throw unexpectedAnswer(what);
  const versions = model.modelVersions.filter((entry): entry is Record<string, unknown> => isRecord(entry));
  const version = reference.versionId === undefined ? versions[0] : versions.find((entry) => String(entry.id) === reference.versionId);
  if (!version) {
    const missing = reference.versionId === undefined ? 'has no versions' : `has no version ${reference.versionId}`;
    throw importFailed(`The ${what} ${missing}`, false, { modelId: reference.modelId, versionId: reference.versionId });
  }
  return primaryFile(version, `${what} version ${String(version.id)}`);
}

function primaryFile(version: Record<string, unknown>, what: string): HubDownload {
  if (!Array.isArray(version.files)) throw unexpectedAnswer(what);
  const files = version.files.filter((entry): entry is Record<string, unknown> => isRecord(entry));
  const file = files.find((entry) => entry.primary === true) ?? files.find((entry) => entry.type === 'Model');
  if (!file) throw new ImportError('IMPORT_NO_MODEL_FILE', `The ${what} has no model file to download`, { retryable: false });
  if (typeof file.downloadUrl !== 'string' || !URL.canParse(file.downloadUrl)) throw unexpectedAnswer(what);
  return { url: file.downloadUrl, fileName: sanitizeFileName(typeof file.name === 'string' ? file.name : undefined) };
}

// Shared

/** Calls a hub API, turning "not there" statuses into a message about the model rather than the URL. */
async function callHub(fetchJson: FetchJson, url: string, what: string): Promise<unknown> {
  try {
    return await fetchJson(url);
  } catch (error) {
    const status = error instanceof ImportError ? error.details?.status : undefined;
    if (status === 401 || status === 403 || status === 404 || status === 410) {
      throw importFailed(`The ${what} was not found, or is private or gated and needs a token (HTTP ${status})`, false, { status }, error);
    }
    throw error;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw unexpectedAnswer(what);
  return value;
}

const unexpectedAnswer = (what: string) => importFailed(`The hub answered with an unexpected document for the ${what}`, false);

const trimBase = (baseUrl: string) => baseUrl.replace(/\/+$/, '');
