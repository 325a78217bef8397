import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createContainer } from '../container.ts';

/** Where the checked-in OpenAPI document lives: the reference clients and the SDK are checked against it. */
export const OPENAPI_FILE = path.resolve(import.meta.dirname, '../../openapi.json');

/**
 * The OpenAPI document of the routes, as text, from a throwaway server on default settings
 * (so it depends on the code only, never on the environment it is generated in).
 */
export async function renderOpenApiDocument(): Promise<string> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'assetd-openapi-'));
  const container = await createContainer(loadConfig({ ASSETD_DATA_DIR: dataDir, ASSETD_LOG_LEVEL: 'silent' }));
  try {
    const app = await buildApp(container, { logger: false });
    await app.ready();
    const document = app.swagger();
    await app.close();
    return `${JSON.stringify(document, null, 2)}\n`;
  } finally {
    await container.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// `npm run openapi` regenerates the checked-in file after a route or schema change.
if (import.meta.main) {
  await writeFile(OPENAPI_FILE, await renderOpenApiDocument());
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
}
