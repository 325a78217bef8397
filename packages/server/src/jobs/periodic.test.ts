import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { every } from './periodic.ts';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('every', () => {
  it('logs a failing round and runs the next one', async () => {
    let rounds = 0;
    const periodic = every(
      20,
      'test task',
      async () => {
        rounds++;
        throw new Error('the database is down');
      },
      pino({ level: 'silent' }),
    );
    await pause(150);
    periodic.stop();
    expect(rounds).toBeGreaterThan(2);
  });

  it('does not start a round while the last one is still running', async () => {
    let running = 0;
    let most = 0;
    let rounds = 0;
    const periodic = every(
      10,
      'slow task',
      async () => {
        running++;
        rounds++;
        most = Math.max(most, running);
        await pause(60);
        running--;
      },
      pino({ level: 'silent' }),
    );
    await pause(200);
    periodic.stop();
    expect(most).toBe(1);
    expect(rounds).toBeGreaterThan(1);
  });
});
