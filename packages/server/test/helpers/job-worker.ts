/**
 * A worker process for the job tests: what `assetd worker` runs, with a test importer in place
 * of downloads. TEST_IMPORTER=crash kills the process the moment a job fetches (a handler that
 * takes its process down); TEST_IMPORTER=refuse fails the upload for good (a permanent error),
 * so a worker that ran the job after losing its lease would show in the upload's state.
 * TEST_SCHEMA names the PostgreSQL schema of the test environment.
 */
import { loadConfig } from '../../src/config.ts';
import { createContainer } from '../../src/container.ts';
import { startBackground } from '../../src/jobs/background.ts';
import { ImportError } from '../../src/uploads/import/import-error.ts';
import type { Importer } from '../../src/uploads/importer.ts';

const mode = process.env.TEST_IMPORTER;
const importer: Importer = {
  async fetch() {
    if (mode === 'crash') process.kill(process.pid, 'SIGKILL');
    throw new ImportError('IMPORT_URL_FORBIDDEN', 'refused by the test importer', { retryable: false });
  },
};

const schema = process.env.TEST_SCHEMA;
const container = await createContainer(loadConfig(process.env), { importer, ...(schema ? { schema } : {}) });
const background = startBackground(container);
container.log.warn({ worker: container.runner.workerId }, 'test worker started');
process.once('SIGTERM', () => {
  void background
    .stop()
    .then(() => container.close())
    .then(() => process.exit(0));
});
