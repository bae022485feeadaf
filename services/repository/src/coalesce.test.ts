import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.js';

describe('coalesce', () => {
  it('runs a lone call at once and gives the calls made meanwhile one batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const double = coalesce<number, number>(
      async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await gate;
        return items.map((i) => i * 2);
      },
      { maxBatch: 3 },
    );
    const first = double(1);
    await new Promise((r) => setTimeout(r, 1));
    expect(batches).toEqual([[1]]);
    // While the first statement is in flight: five calls, at most three per batch.
    const rest = [2, 3, 4, 5, 6].map((i) => double(i));
    release();
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8, 10, 12]);
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('retries the items of a failed batch alone, so only the bad one fails', async () => {
    const runs: number[][] = [];
    const check = coalesce<number, string>(
      async (items) => {
        runs.push([...items]);
        await Promise.resolve();
        if (items.includes(13)) throw new Error('13 refused');
        return items.map(String);
      },
      { maxBatch: 10 },
    );
    const results = await Promise.allSettled([check(12), check(13), check(14)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      '12',
      '13 refused',
      '14',
    ]);
    expect(runs[0]).toEqual([12, 13, 14]);
    expect(runs.slice(1).sort()).toEqual([[12], [13], [14]]);
  });

  it('refuses a batch that answers for the wrong number of items', async () => {
    const broken = coalesce<number, number>(() => Promise.resolve([]), { maxBatch: 5 });
    await expect(broken(1)).rejects.toThrow('batch returned 0 results for 1 items');
  });
});
