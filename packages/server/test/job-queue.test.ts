import { sql } from 'kysely';
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
    // Three projects, so the fair order (running jobs per project) is computed under contention too.
    for (let i = 0; i < 30; i++) ids.add(await jobs.enqueue(db.kysely, 'test.claim', { i }, { projectId: `proj_${i % 3}` }));
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

  test('shares workers between projects: with one of A running, the next claim takes B, though A queued first', async () => {
    const { jobs, db } = env.container;
    const at = (secondsAgo: number) => ({ runAt: new Date(Date.now() - secondsAgo * 1000) });
    const a = [
      await jobs.enqueue(db.kysely, 'test.fair', {}, { projectId: 'proj_A', ...at(30) }),
      await jobs.enqueue(db.kysely, 'test.fair', {}, { projectId: 'proj_A', ...at(29) }),
      await jobs.enqueue(db.kysely, 'test.fair', {}, { projectId: 'proj_A', ...at(28) }),
    ];
    const b = [
      await jobs.enqueue(db.kysely, 'test.fair', {}, { projectId: 'proj_B', ...at(20) }),
      await jobs.enqueue(db.kysely, 'test.fair', {}, { projectId: 'proj_B', ...at(19) }),
    ];
    const order: string[] = [];
    const claimed = [];
    for (let i = 0; i < 5; i++) {
      const job = await jobs.claim(`worker-${i}`, 60_000);
      if (!job) break;
      order.push(job.id);
      claimed.push(job);
    }
    // Nothing running: the oldest (A). Then B has none running: B. Then one each: the oldest (A), …
    expect(order).toEqual([a[0], b[0], a[1], b[1], a[2]]);
    expect(await jobs.claim('worker-5', 60_000)).toBeUndefined();
    for (const job of claimed) expect(await jobs.succeed(job)).toBe(true);
  });

  test('counts only live leases, and only jobs of the types the claim takes, as running', async () => {
    const { jobs, db } = env.container;
    const at = (secondsAgo: number) => ({ runAt: new Date(Date.now() - secondsAgo * 1000) });
    // A's download runs; A's and B's validations wait, A's the older.
    const download = await jobs.enqueue(db.kysely, 'test.download', {}, { projectId: 'proj_A', ...at(40) });
    const validateA = await jobs.enqueue(db.kysely, 'test.validate', {}, { projectId: 'proj_A', ...at(30) });
    const validateB = await jobs.enqueue(db.kysely, 'test.validate', {}, { projectId: 'proj_B', ...at(20) });
    const downloading = await jobs.claim('downloader', 60_000, { only: ['test.download'] });
    expect(downloading?.id).toBe(download);
    // A download pool finds nothing else; the other pool does not count A's download against A.
    expect(await jobs.claim('downloader', 60_000, { only: ['test.download'] })).toBeUndefined();
    const first = await jobs.claim('validator', 100, { except: ['test.download'] });
    expect(first?.id).toBe(validateA);
    // A's validation dies (its lease runs out): it no longer counts, and being the oldest it is taken again before B's.
    await pause(200);
    const again = await jobs.claim('validator', 60_000, { except: ['test.download'] });
    expect(again).toMatchObject({ id: validateA, attempts: 2 });
    const next = await jobs.claim('validator', 60_000, { except: ['test.download'] });
    expect(next?.id).toBe(validateB);
    expect(await jobs.claim('anyone', 60_000, { only: [] })).toBeUndefined();
    for (const job of [downloading, again, next]) if (job) expect(await jobs.succeed(job)).toBe(true);
  });

  it.skipIf(target.skipReason || target.name !== 'postgres')(
    "takes another project's job when every ready job of the fairest one is held by a claim under way",
    async () => {
      const { jobs, db } = env.container;
      const at = (secondsAgo: number) => ({ runAt: new Date(Date.now() - secondsAgo * 1000) });
      const a = [
        await jobs.enqueue(db.kysely, 'test.held', {}, { projectId: 'proj_A', ...at(30) }),
        await jobs.enqueue(db.kysely, 'test.held', {}, { projectId: 'proj_A', ...at(29) }),
      ];
      const b = await jobs.enqueue(db.kysely, 'test.held', {}, { projectId: 'proj_B', ...at(20) });
      const first = await jobs.claim('w1', 60_000);
      expect(first?.id).toBe(a[0]);
      // B is the fairest (none running), but another worker's claim holds its only job's row.
      const second = await db.kysely.transaction().execute(async (trx) => {
        await sql`select id from jobs where id = ${b} for update`.execute(trx);
        return jobs.claim('w2', 60_000);
      });
      expect(second?.id).toBe(a[1]);
      const third = await jobs.claim('w3', 60_000);
      expect(third?.id).toBe(b);
      for (const job of [first, second, third]) if (job) expect(await jobs.succeed(job)).toBe(true);
    },
  );

  const row = (id: string) =>
    env.container.db.kysely
      .selectFrom('jobs')
      .select(['status', 'attempts', 'locked_by', 'lease_token', 'last_error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
