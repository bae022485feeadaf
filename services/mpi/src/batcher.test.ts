import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.js';

/** A lookup whose batches stay open until the test releases them. */
function controlled() {
  const batches: { keys: readonly number[]; done: (v: string[] | Error) => void }[] = [];
  const run = (keys: readonly number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ keys, done: (v) => (v instanceof Error ? reject(v) : resolve(v)) });
    });
  return { run, batches };
}

describe('batcher', () => {
  it('runs a lone call at once, and groups the calls that arrive while batches are running', async () => {
    const { run, batches } = controlled();
    const lookup = createBatcher({ run, maxConcurrent: 1 });
    const a = lookup(1);
    expect(batches.map((b) => b.keys)).toEqual([[1]]);
    const b = lookup(2);
    const c = lookup(3);
    expect(batches).toHaveLength(1);
    batches[0]?.done(['one']);
    expect(await a).toBe('one');
    expect(batches.map((x) => x.keys)).toEqual([[1], [2, 3]]);
    batches[1]?.done(['two', 'three']);
    expect([await b, await c]).toEqual(['two', 'three']);
  });

  it('keeps at most maxBatch keys per batch', async () => {
    const { run, batches } = controlled();
    const lookup = createBatcher({ run, maxConcurrent: 1, maxBatch: 2 });
    const calls = [1, 2, 3, 4].map((k) => lookup(k));
    batches[0]?.done(['1']);
    await calls[0];
    expect(batches[1]?.keys).toEqual([2, 3]);
    batches[1]?.done(['2', '3']);
    await calls[2];
    expect(batches[2]?.keys).toEqual([4]);
    batches[2]?.done(['4']);
    expect(await calls[3]).toBe('4');
  });

  it('rejects every call of a failed batch, and the next batch still runs', async () => {
    const { run, batches } = controlled();
    const lookup = createBatcher({ run, maxConcurrent: 1 });
    const a = lookup(1);
    const b = lookup(2);
    batches[0]?.done(new Error('connection lost'));
    await expect(a).rejects.toThrow('connection lost');
    batches[1]?.done(['two']);
    expect(await b).toBe('two');
  });

  it('rejects the calls of a batch that returned the wrong number of results', async () => {
    const { run, batches } = controlled();
    const lookup = createBatcher({ run });
    const a = lookup(1);
    batches[0]?.done([]);
    await expect(a).rejects.toThrow(/0 results for 1 keys/);
  });
});
