import { afterEach, describe, expect, it } from 'vitest';
import type { Scope } from '../src/assets/asset.ts';
import type { Upload } from '../src/uploads/upload.ts';
import { announceSkips, createTestEnvironment, DATABASES, type TestEnvironment } from './helpers/databases.ts';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.ts';

announceSkips();

/**
 * Jobs that never give up, and workers that don't stop (issue #10 item 5), with real worker
 * processes: a handler that kills its process is claimed at most max_attempts times, then the
 * job is dead and its upload failed with a reason; a worker paused past its lease (SIGSTOP)
 * writes nothing once it wakes up, and stops the job.
 */
/** The import URL is never fetched (the test importer stands in); it is loopback all the same. */
const IMPORT_URL = 'http://127.0.0.1:9/never-fetched.png';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const workers = new Set<WorkerProcess>();

/** Kills what a test left running, even a stopped process. */
afterEach(async () => {
  for (const worker of workers) await worker.dispose();
  workers.clear();
});

async function startWorker(env: TestEnvironment, importer: 'crash' | 'refuse', extra: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(env, importer, extra);
  workers.add(worker);
  return worker;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

async function createImport(env: TestEnvironment): Promise<{ scope: Scope; upload: Upload }> {
  const key = await env.container.keys.create({ team: 'jobs', project: 'jobs' });
  const scope = { projectId: key.projectId, authorId: key.id };
  const { upload } = await env.container.uploads.create(scope, { url: IMPORT_URL, kind: 'image' }, async () => '');
  return { scope, upload };
}

const jobRow = (env: TestEnvironment, id: string) =>
  env.container.db.kysely
    .selectFrom('jobs')
    .select(['status', 'attempts', 'max_attempts', 'locked_by', 'lease_token', 'last_error'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

describe.each(DATABASES)('job leases with worker processes on $name', (target) => {
  let env: TestEnvironment | undefined;
  afterEach(async () => {
    await env?.dispose();
    env = undefined;
  });
  const test = it.skipIf(target.skipReason);

  test('a job whose handler kills its process is dead after max_attempts, its upload failed, and the worker lives', {
    timeout: 120_000,
  }, async () => {
    env = await createTestEnvironment(target, { ASSETD_IMPORT_ALLOWED_HOSTS: '127.0.0.1:9' });
    const current = env;
    const { scope, upload } = await createImport(current);
    const jobId = upload.jobId as string;
    const crashes: Array<NodeJS.Signals | null> = [];
    let survivor: WorkerProcess | undefined;
    // Bounded: five crashes are expected, then one worker that buries the job.
    for (let run = 0; run < 8 && !survivor; run++) {
      const worker = await startWorker(current, 'crash');
      const outcome = await waitFor(`worker ${run} to crash or the job to die`, async () => {
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) return 'exited' as const;
        return (await jobRow(current, jobId)).status === 'dead' ? ('dead' as const) : undefined;
      });
      if (outcome === 'exited') crashes.push((await worker.exited).signal);
      else survivor = worker;
    }
    expect(crashes).toEqual(Array(5).fill('SIGKILL'));
    expect(await jobRow(current, jobId)).toMatchObject({
      status: 'dead',
      attempts: 5,
      max_attempts: 5,
      locked_by: null,
      lease_token: null,
      last_error: expect.stringMatching(/attempt 5 of 5 never finished/),
    });
    const failed = await current.container.uploads.get(scope, upload.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorMessage).toMatch(
      /^The download failed after 5 attempts \(attempt 5 of 5 never finished: the process running it died/,
    );
    // No crash loop: the worker that buried the job is still up, and stops cleanly.
    await pause(1500);
    expect(survivor?.child.exitCode).toBeNull();
    survivor?.child.kill('SIGTERM');
    expect(await survivor?.exited).toEqual({ code: 0, signal: null });
  });

  test('a worker paused past its lease writes nothing when it wakes, and stops the job', { timeout: 60_000 }, async () => {
    env = await createTestEnvironment(target, { ASSETD_IMPORT_ALLOWED_HOSTS: '127.0.0.1:9' });
    const current = env;
    const { scope, upload } = await createImport(current);
    const jobId = upload.jobId as string;
    // The job waits 3 s, leased, before it runs: time to stop the worker holding it.
    const worker = await startWorker(current, 'refuse', { ASSETD_TEST_JOB_DELAY_MS: '3000' });
    const holder = await waitFor('the worker to claim the job', async () => {
      const row = await jobRow(current, jobId);
      return row.status === 'running' ? row.locked_by : undefined;
    });
    expect(holder).toContain(`:${worker.child.pid}:`);
    const stoppedAt = Date.now();
    worker.child.kill('SIGSTOP');
    // Past its 1 s lease, another worker takes the job over.
    await pause(1500);
    const thief = await current.container.jobs.claim('thief', 60_000);
    expect(thief).toMatchObject({ id: jobId, attempts: 2, exhausted: false });
    worker.child.kill('SIGCONT');
    // Its next heartbeat finds the lease gone: it stops the job before running it.
    await waitFor('the woken worker to notice', async () => (worker.output.join('').includes('lease lost') ? true : undefined), 10_000);
    // Past the moment it would have run the job (and failed the upload, which the thief holds).
    await pause(Math.max(0, 3500 - (Date.now() - stoppedAt)));
    expect(await jobRow(current, jobId)).toMatchObject({
      status: 'running',
      attempts: 2,
      locked_by: 'thief',
      lease_token: thief?.lease.token,
    });
    expect((await current.container.uploads.get(scope, upload.id)).status).toBe('pending');
    expect(worker.output.join('')).not.toContain('job failed');
    expect(worker.child.exitCode).toBeNull();
    // The thief's lease is intact: its writes still apply.
    if (thief) expect(await current.container.jobs.succeed(thief)).toBe(true);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});
