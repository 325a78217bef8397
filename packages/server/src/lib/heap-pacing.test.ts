import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { bodyBytesRead, settleHeap } from './heap-pacing.ts';

const newSpaceBytes = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;

describe('heap pacing', () => {
  it('gives the young generation back when settling, without leaving gc() to later contexts', () => {
    // Grow the young generation the way loading a server does: many objects that survive a while.
    let kept: unknown[] = [];
    for (let round = 0; round < 40; round++) {
      kept = Array.from({ length: 20_000 }, (_, i) => ({ i, text: `item ${i}` }));
    }
    expect(kept.length).toBe(20_000);
    kept = [];
    settleHeap();
    expect(newSpaceBytes()).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(vm.runInNewContext('typeof gc')).toBe('undefined');
  });

  it('collects the young generation once every 16 MiB of body bytes read', async () => {
    const minor: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
        if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor.push(entry.startTime);
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    const delivered = () => new Promise((resolve) => setTimeout(resolve, 50));
    try {
      // Whatever an earlier test left counted: this passes the pace and starts from zero.
      bodyBytesRead(16 * 1024 * 1024);
      await delivered();
      const start = minor.length;
      bodyBytesRead(8 * 1024 * 1024);
      await delivered();
      expect(minor.length).toBe(start);
      bodyBytesRead(8 * 1024 * 1024);
      await delivered();
      expect(minor.length).toBe(start + 1);
    } finally {
      observer.disconnect();
    }
  });
});
