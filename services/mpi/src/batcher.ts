/**
 * Groups concurrent lookups into one statement. A call starts a batch at once when fewer
 * than `maxConcurrent` batches are running; otherwise it waits for the next batch, which takes
 * every call queued meanwhile (up to `maxBatch`). Under light load each lookup is its own
 * statement with no added delay; under load, N concurrent PIX queries cost one round trip,
 * one parse and one plan instead of N (PostgreSQL shares the machine's cores with the MPI).
 */

/** Options of {@link createBatcher}. */
export interface BatcherOptions<K, V> {
  /** Looks up every key; returns one result per key, in the same order. */
  readonly run: (keys: readonly K[]) => Promise<readonly V[]>;
  /**
   * Batches in flight at once. Default 1: measured best for PIX queries and feeds with
   * PostgreSQL on the same two cores (bigger batches, fewer statements and commits).
   */
  readonly maxConcurrent?: number;
  /** Keys per batch. Default 256. */
  readonly maxBatch?: number;
}

interface Waiting<K, V> {
  readonly key: K;
  resolve(v: V): void;
  reject(err: unknown): void;
}

/** A batched lookup, with its counters (calls / batches is the mean batch size). */
export interface Batcher<K, V> {
  (key: K): Promise<V>;
  stats(): { readonly calls: number; readonly batches: number };
}

/** Returns the batched lookup. A failed batch rejects each of its calls with the error. */
export function createBatcher<K, V>(o: BatcherOptions<K, V>): Batcher<K, V> {
  const maxConcurrent = o.maxConcurrent ?? 1;
  const maxBatch = o.maxBatch ?? 256;
  let queue: Waiting<K, V>[] = [];
  let running = 0;
  let calls = 0;
  let batches = 0;

  function start(): void {
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = batch === queue ? [] : queue.slice(maxBatch);
    running++;
    batches++;
    const results = (async () => o.run(batch.map((w) => w.key)))();
    const settle = (values: readonly V[] | undefined, err?: unknown): void => {
      // The next batch goes out before this one's callers resume.
      running--;
      if (queue.length > 0 && running < maxConcurrent) start();
      if (values && values.length !== batch.length)
        err = new Error(`batch returned ${values.length} results for ${batch.length} keys`);
      for (let i = 0; i < batch.length; i++) {
        const w = batch[i] as Waiting<K, V>;
        if (values && err === undefined) w.resolve(values[i] as V);
        else w.reject(err);
      }
    };
    results.then(
      (values) => settle(values),
      (err: unknown) => settle(undefined, err),
    );
  }

  const lookup = (key: K): Promise<V> =>
    new Promise<V>((resolve, reject) => {
      calls++;
      queue.push({ key, resolve, reject });
      if (running < maxConcurrent) start();
    });
  return Object.assign(lookup, { stats: () => ({ calls, batches }) });
}
