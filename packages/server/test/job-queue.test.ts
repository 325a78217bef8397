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

  test('takes a job again once its lease ran out, and no longer lets the first worker renew or finish it', async () => {
    const { jobs, db } = env.container;
    const id = await jobs.enqueue(db.kysely, 'test.lease', {});
    const first = await jobs.claim('dead-worker', 200);
    expect(first?.id).toBe(id);
    // Held: nobody else gets it while the lease runs.
    expect(await jobs.claim('other-worker', 60_000)).toBeUndefined();
    expect(await jobs.renew(id, 'dead-worker', 200)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await jobs.claim('other-worker', 60_000);
    expect(again).toMatchObject({ id, attempts: 2 });
    expect(await jobs.renew(id, 'dead-worker', 200)).toBe(false);
    await jobs.succeed(id, 'dead-worker');
    const row = await db.kysely.selectFrom('jobs').select(['status', 'locked_by']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'running', locked_by: 'other-worker' });
    await jobs.succeed(id, 'other-worker');
    expect((await jobs.counts()).done).toBe(1);
  });
});
