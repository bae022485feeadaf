/**
 * Runs async tasks one at a time in arrival order. PGlite is a single connection: without
 * this, one service's statements could land inside another service's open transaction.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();

  /** Runs `fn` after every task queued before it has settled; its result or error is passed on. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    // The chain continues whatever `fn` did; errors go to the caller through `result`.
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
