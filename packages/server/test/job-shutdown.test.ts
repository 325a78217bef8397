import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../src/jobs/job-queue.ts';
import { type JobHandler, JobRunner } from '../src/jobs/job-runner.ts';
import { announceSkips, createTestEnvironment, DATABASES, type TestEnvironment } from './helpers/databases.ts';
import { waitFor } from './helpers/processes.ts';

announceSkips();

const OPTIONS = { concurrency: 2, leaseMs: 5000, pollMs: 20, backoffMs: 50 };

/** Polls until `probe` holds (bounded: it fails the test after 10 s). */
const until = (what: string, probe: () => boolean | Promise<boolean>) =>
  waitFor(what, async () => ((await probe()) ? true : undefined), 10_000);

describe.each(DATABASES)('a job runner that stops (shutdown) on $name', (target) => {
  let env: TestEnvironment;
  beforeAll(async () => {
    if (!target.skipReason) env = await createTestEnvironment(target);
  });
  afterAll(async () => env?.dispose());
  const test = it.skipIf(target.skipReason);

  const row = (id: string) =>
    env.container.db.kysely
      .selectFrom('jobs')
      .select(['status', 'attempts', 'locked_by', 'last_error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  test('stops a running job at once and gives it back to the queue, uncounted, even on its last attempt', async () => {
    const { jobs, db, log } = env.container;
    const id = await jobs.enqueue(db.kysely, 'test.long', {}, { maxAttempts: 1 });
    const started: string[] = [];
    const stoppedBy: unknown[] = [];
    const dead: string[] = [];
    // A step that runs until it is told to stop, as ffmpeg on a long video or a large download does.
    const long: JobHandler = {
      run: (job: Job, signal: AbortSignal) =>
        new Promise((_resolve, reject) => {
          started.push(job.id);
          signal.addEventListener(
            'abort',
            () => {
              stoppedBy.push(signal.reason);
              reject(signal.reason);
            },
            { once: true },
          );
        }),
      onDead: async (job) => {
        dead.push(job.id);
      },
    };
    const runner = new JobRunner(jobs, new Map([['test.long', long]]), OPTIONS, log);
    runner.start();
    await until('the job to start', () => started.includes(id));
    // The step ends only when it is aborted: stop() returns (within the test's timeout) only if it aborts it.
    await runner.stop();
    expect(stoppedBy).toEqual([new Error('this worker is shutting down')]);
    expect(await row(id)).toEqual({ status: 'queued', attempts: 0, locked_by: null, last_error: null });
    expect(dead).toEqual([]);

    // The next process runs it, as a first attempt.
    const attempts: number[] = [];
    const quick: JobHandler = {
      run: async (job) => {
        attempts.push(job.attempts);
      },
    };
    const next = new JobRunner(jobs, new Map([['test.long', quick]]), OPTIONS, log);
    next.start();
    await until('the job to be done', async () => (await row(id)).status === 'done');
    await next.stop();
    expect(attempts).toEqual([1]);
  });

  test('records a job that finishes although the runner was asked to stop', async () => {
    const { jobs, db, log } = env.container;
    const id = await jobs.enqueue(db.kysely, 'test.finishes', {});
    let running = false;
    const finishes: JobHandler = {
      run: async () => {
        running = true;
        // Its last step ignores the signal (a database write): it completes.
        await sleep(100);
      },
    };
    const runner = new JobRunner(jobs, new Map([['test.finishes', finishes]]), OPTIONS, log);
    runner.start();
    await until('the job to start', () => running);
    await runner.stop();
    expect((await row(id)).status).toBe('done');
  });
});
