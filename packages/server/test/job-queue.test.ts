import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkips, createTestEnvironment, DATABASES, type TestEnvironment } from './helpers/databases.ts';

announceSkips();

describe.each(DATABASES)('the job queue on $name', (target) => {
  let env: TestEnvironment;
  beforeAll(async () => {
    if (!target.skipReason) env = await createTestEnvironment(target);
  });
  afterAll(async () => env?.dispose());
  const test = it.skipIf(target.skipReason);

  test('gives each job to one of many workers claiming at once', async () => {
    const { jobs, db } = env.container;
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add(await jobs.enqueue(db.kysely, 'test.claim', { i }));
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (;;) {
          const job = await jobs.claim(`worker-${w}`, 60_000);
          if (!job) return;
          if (job.type === 'test.claim') claimed.push(job.id);
        }
      }),
    );
    expect(claimed.length).toBe(30);
    expect(new Set(claimed)).toEqual(ids);
  });

  test('takes a job again once its lease ran out, and refuses every write of the worker that lost it', async () => {
    const { jobs, db } = env.container;
    const id = await jobs.enqueue(db.kysely, 'test.lease', {});
    const first = await jobs.claim('dead-worker', 200);
    expect(first).toMatchObject({ id, attempts: 1, exhausted: false });
    if (!first) return;
    // Held: nobody else gets it while the lease runs.
    expect(await jobs.claim('other-worker', 60_000)).toBeUndefined();
    expect(await jobs.renew(first, 200)).toBe(true);
    await pause(300);
    const again = await jobs.claim('other-worker', 60_000);
    expect(again).toMatchObject({ id, attempts: 2 });
    if (!again) return;
    expect(again.lease.token).not.toBe(first.lease.token);
    // The paused worker comes back: renew, done, retry and dead are all refused.
    expect(await jobs.renew(first, 200)).toBe(false);
    expect(await jobs.succeed(first)).toBe(false);
    expect(await jobs.retry(first, 'late failure', 0)).toBe(false);
    expect(await jobs.bury(first, 'late failure')).toBe(false);
    expect(await row(id)).toMatchObject({ status: 'running', locked_by: 'other-worker', lease_token: again.lease.token, last_error: null });
    expect(await jobs.succeed(again)).toBe(true);
    expect(await row(id)).toMatchObject({ status: 'done', locked_by: null, lease_token: null });
  });

  test('fences on the claim, not the worker: the same worker claiming again invalidates its older lease', async () => {
    const { jobs, db } = env.container;
    const id = await jobs.enqueue(db.kysely, 'test.reclaim', {});
    const first = await jobs.claim('same-worker', 100);
    await pause(200);
    const second = await jobs.claim('same-worker', 60_000);
    expect(second).toMatchObject({ id, attempts: 2 });
    if (!first || !second) return;
    expect(await jobs.bury(first, 'stale')).toBe(false);
    expect(await jobs.retry(second, 'try again', 0)).toBe(true);
    expect(await row(id)).toMatchObject({ status: 'queued', attempts: 2, last_error: 'try again', lease_token: null });
    // Leave the queue empty for the next test.
    const third = await jobs.claim('same-worker', 60_000);
    expect(third).toMatchObject({ id, attempts: 3 });
    if (third) expect(await jobs.succeed(third)).toBe(true);
  });

  test('never runs a job past max_attempts: a lapsed last attempt is claimed only to be buried', async () => {
    const { jobs, db } = env.container;
    const id = await jobs.enqueue(db.kysely, 'test.exhaust', {}, { maxAttempts: 2 });
    // Two attempts whose process died (the lease ran out each time).
    expect(await jobs.claim('w1', 50)).toMatchObject({ id, attempts: 1, exhausted: false });
    await pause(100);
    expect(await jobs.claim('w2', 50)).toMatchObject({ id, attempts: 2, exhausted: false });
    await pause(100);
    const last = await jobs.claim('w3', 60_000);
    expect(last).toMatchObject({ id, attempts: 2, exhausted: true });
    if (!last) return;
    expect(await jobs.claim('w4', 60_000)).toBeUndefined();
    expect(await jobs.bury(last, 'died')).toBe(true);
    expect(await row(id)).toMatchObject({ status: 'dead', attempts: 2, last_error: 'died' });
    expect(await jobs.claim('w5', 60_000)).toBeUndefined();
  });

  const row = (id: string) =>
    env.container.db.kysely
      .selectFrom('jobs')
      .select(['status', 'attempts', 'locked_by', 'lease_token', 'last_error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
