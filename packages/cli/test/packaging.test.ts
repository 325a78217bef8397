/**
 * What a newcomer gets from npm: the contract, the SDK and the CLI packed as tarballs, installed
 * with `npm install` into an empty project outside this repository, then used the way an app
 * would — imported from `.mjs` on the machine's own Node (20 on CI) and on Node 24, compiled from
 * TypeScript with `tsc --strict`, bundled for the browser with Vite, and `npx assetd` run against
 * a listening server. Nothing here may resolve into the workspace's sources.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES } from '../../server/test/helpers/databases.ts';
import { startTestServer, type TestServer } from '../../server/test/helpers/http.ts';
import { makeImage } from '../../server/test/helpers/images.ts';
import { listen } from '../../server/test/helpers/listen.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const PACKAGES = ['contract', 'sdk', 'cli'];

/** The machine's own Node (the one a newcomer has): the first `node` on PATH outside node_modules. */
function systemNode(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir && !dir.includes('node_modules'));
  for (const dir of dirs) {
    const candidate = path.join(dir, 'node');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** An environment with nothing of this workspace in it: no source condition, no workspace bin on PATH. */
function outsiderEnv(nodeDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  env.PATH = [nodeDir, ...(process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir && !dir.includes('node_modules'))].join(
    path.delimiter,
  );
  return env;
}

const SDK_SCRIPT = `
import { AssetdClient, choosePartPlan, fileTypeFromName, NotFoundError } from '@assetd/sdk';
import { readFile } from 'node:fs/promises';

const client = new AssetdClient();
const file = process.argv[2];
const asset = await client.upload(file);
const again = await client.assets.retrieve(asset.id);
let notFound = '';
try { await client.assets.retrieve('asset_missing'); } catch (error) { if (error instanceof NotFoundError) notFound = error.code; }
const { data, response } = await client.assets.retrieve(asset.id).withResponse();
console.log(JSON.stringify({
  id: again.id,
  kind: again.kind,
  type: fileTypeFromName(file),
  parts: choosePartPlan(20 * 1024 * 1024).partsCount,
  size: (await readFile(file)).length,
  notFound,
  rawStatus: response.status,
  rawId: data.id,
  requestId: response.headers.get('x-request-id') !== null,
}));
`;

const TS_CONSUMER = `
import { type Asset, AssetdClient, APIError, type ErrorCode, type Upload, srcsetOf } from '@assetd/sdk';

const client = new AssetdClient({ baseURL: 'http://127.0.0.1:1', apiKey: 'k', apiSecret: 's' });

export async function firstNames(): Promise<string[]> {
  const page = await client.assets.list({ pageSize: 10, kind: 'image' });
  const names: string[] = page.items.map((asset: Asset) => asset.metadata.name);
  return names;
}

export function codeOf(error: unknown): ErrorCode | 'other' {
  if (error instanceof APIError && error.code !== undefined && !error.code.startsWith('HTTP_')) return error.code as ErrorCode;
  return 'other';
}

export const describeUpload = (upload: Upload): string => \`\${upload.id} \${upload.status} \${upload.entityId ?? '-'}\`;
export const srcset = (asset: Asset): string | undefined => srcsetOf(asset);
`;

const BROWSER_ENTRY = `
import { AssetdClient, fileTypeFromName } from '@assetd/sdk';

const client = new AssetdClient({ baseURL: location.origin, apiKey: 'k', apiSecret: 's' });
const input = document.querySelector('input');
input?.addEventListener('change', async () => {
  const file = input.files?.[0];
  if (file) console.log(fileTypeFromName(file.name), await client.uploads.upload(file));
});
`;

const target = DATABASES[0];

describe.skipIf(!target || target.skipReason)('the SDK and the CLI as npm installs them', () => {
  let work: string;
  let project: string;
  let server: TestServer;
  let baseURL: string;
  let png: string;
  const node20 = systemNode();
  const node24 = process.execPath;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'assetd-packaging-'));
    const tarballs = path.join(work, 'tarballs');
    await mkdir(tarballs);
    // `npm pack` builds each package first (prepack), so the tarballs hold what the sources say now.
    await run('npm', ['pack', '--pack-destination', tarballs, ...PACKAGES.flatMap((name) => ['-w', `packages/${name}`])], {
      cwd: ROOT,
      env: outsiderEnv(path.dirname(node24)),
      maxBuffer: 16 * 1024 * 1024,
    });
    project = path.join(work, 'app');
    await mkdir(project);
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    const files = (await readdir(tarballs)).map((name) => path.join(tarballs, name));
    expect(files).toHaveLength(PACKAGES.length);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...files], {
      cwd: project,
      env: outsiderEnv(path.dirname(node20 ?? node24)),
      maxBuffer: 16 * 1024 * 1024,
    });

    server = await startTestServer(target as NonNullable<typeof target>, {}, { jobs: true });
    baseURL = await listen(server);
    png = path.join(work, 'picture.png');
    await writeFile(png, await makeImage('png', 64, 48));
  }, 240_000);

  afterAll(async () => {
    await server?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const credentials = () => ({ ASSETD_BASE_URL: baseURL, ASSETD_API_KEY: server.key.id, ASSETD_API_SECRET: server.key.secret });

  it('installs only built JavaScript and declarations, none of the workspace', async () => {
    for (const name of PACKAGES) {
      const installed = path.join(project, 'node_modules', '@assetd', name);
      expect(existsSync(path.join(installed, 'src')), `${name} ships its sources`).toBe(false);
      expect(existsSync(path.join(installed, 'dist')), `${name} has no dist`).toBe(true);
    }
    expect(existsSync(path.join(project, 'node_modules', '@assetd', 'server'))).toBe(false);
  });

  for (const [label, node] of [
    ['the machine Node', node20],
    ['Node 24', node24],
  ] as const) {
    it.skipIf(!node)(`imports the SDK from an .mjs file and uploads a file with it on ${label}`, async () => {
      const script = path.join(project, 'upload.mjs');
      await writeFile(script, SDK_SCRIPT);
      const { stdout } = await run(node as string, [script, png], {
        cwd: project,
        env: outsiderEnv(path.dirname(node as string), credentials()),
      });
      const result = JSON.parse(stdout);
      expect(result).toMatchObject({
        kind: 'image',
        type: { kind: 'image', contentType: 'image/png' },
        parts: 2,
        notFound: 'ASSET_NOT_FOUND',
        rawStatus: 200,
        requestId: true,
      });
      expect(result.rawId).toBe(result.id);
    });
  }

  it('type-checks a TypeScript consumer with tsc --strict, with no errors', async () => {
    await writeFile(path.join(project, 'consumer.ts'), TS_CONSUMER);
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], noEmit: true },
        files: ['consumer.ts'],
      }),
    );
    const result = await run(path.join(BIN, 'tsc'), ['-p', project], { cwd: project, env: outsiderEnv(path.dirname(node24)) }).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${result.stdout}${result.stderr}`).toBe('');
  });

  it('bundles the SDK for the browser with Vite, with no warnings', async () => {
    await writeFile(path.join(project, 'index.html'), '<!doctype html><input type="file"><script type="module" src="./main.js"></script>');
    await writeFile(path.join(project, 'main.js'), BROWSER_ENTRY);
    const { stdout, stderr } = await run(path.join(BIN, 'vite'), ['build', '--logLevel', 'warn', '--outDir', 'web-dist'], {
      cwd: project,
      env: outsiderEnv(path.dirname(node24)),
    });
    expect(`${stdout}${stderr}`.trim()).toBe('');
    const bundle = (await readdir(path.join(project, 'web-dist', 'assets'))).filter((name) => name.endsWith('.js'));
    expect(bundle.length).toBeGreaterThan(0);
  });

  it.skipIf(!node20)('runs npx assetd --help and npx assetd upload on the machine Node', async () => {
    const env = outsiderEnv(path.dirname(node20 as string), credentials());
    const help = await run('npx', ['--no-install', 'assetd', '--help'], { cwd: project, env });
    expect(help.stdout).toMatch(/upload/);
    const upload = await run('npx', ['--no-install', 'assetd', 'upload', png, '--json'], { cwd: project, env });
    const [uploaded] = JSON.parse(upload.stdout);
    expect(uploaded).toMatchObject({ kind: 'image' });
    expect(uploaded.assetId).toMatch(/./);
    // The server's own commands say what is missing instead of failing obscurely.
    const serve = await run('npx', ['--no-install', 'assetd', 'serve'], { cwd: project, env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(serve).toMatchObject({ code: 1 });
    expect((serve as { stderr: string }).stderr).toMatch(/not installed with this CLI.*npm start/);
  });
});
