/**
 * Group commit for the document index: calls made while a statement is in flight wait for it
 * to finish and then go together in the next one. Under concurrent submissions one statement
 * (one round trip, one transaction, one WAL flush) serves many of them; a lone call runs at
 * once, so nothing waits when there is no concurrency. Each caller is answered only after the
 * statement that carried its item has completed (for a write: committed), as if it had run alone.
 */

/** Runs many items in one statement; returns one result per item, in order. */
export type BatchRunner<I, O> = (items: readonly I[]) => Promise<readonly O[]>;

export interface CoalesceOptions {
  /** Items per statement at most (the rest wait for the next one). */
  readonly maxBatch: number;
}

interface Waiter<I, O> {
  readonly item: I;
  resolve(o: O): void;
  reject(e: unknown): void;
}

/**
 * Wraps `run` so that concurrent calls share statements. If a statement of several items
 * fails, each item is retried alone, so that one bad item fails only its own caller.
 */
export function coalesce<I, O>(run: BatchRunner<I, O>, opts: CoalesceOptions): (item: I) => Promise<O> {
  let queue: Waiter<I, O>[] = [];
  let running = false;

  const settle = async (batch: readonly Waiter<I, O>[]): Promise<void> => {
    try {
      const out = await run(batch.map((w) => w.item));
      if (out.length !== batch.length)
        throw new Error(`batch returned ${out.length} results for ${batch.length} items`);
      batch.forEach((w, i) => w.resolve(out[i] as O));
    } catch (e) {
      if (batch.length === 1) {
        batch[0]?.reject(e);
        return;
      }
      await Promise.all(batch.map((w) => settle([w])));
    }
  };

  const drain = async (): Promise<void> => {
    running = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, opts.maxBatch);
        queue = queue.slice(batch.length);
        await settle(batch);
      }
    } finally {
      running = false;
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // Started after the current synchronous work, so calls made together share the first statement.
      if (queue.length === 1 && !running) queueMicrotask(() => void drain());
    });
}
