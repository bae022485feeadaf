/**
 * Graceful shutdown (MESH_BRIEF "Graceful shutdown drains in-flight work"). On SIGTERM
 * Kubernetes stops routing to the pod only after the readiness probe fails or the
 * endpoint is removed, and kills it after `terminationGracePeriodSeconds` (30 s by
 * default). The sequence is therefore:
 *
 * 1. mark not ready (`/readyz` answers 503), optionally wait `drainDelayMs` so load
 *    balancers notice;
 * 2. run the registered closers in reverse order of registration. Services register their
 *    resources as they create them (database, bus, then the HTTP app), so the app closes
 *    first: Fastify's `close()` stops accepting connections and waits for in-flight
 *    requests; then the bus and the database they used close;
 * 3. exit 0 (1 when a closer failed).
 *
 * A second signal, or the deadline, forces exit 1 with a log line saying which closer was
 * still running.
 */
import type { Logger } from 'pino';
import type { Health } from './health.js';

/** Closes one resource; may return a promise. */
export type Closer = () => unknown;

/** Where signals come from; `process` by default, an EventEmitter in tests. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface LifecycleOptions {
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Deadline for the whole shutdown; default 25 s, inside Kubernetes' default 30 s grace period. */
  readonly timeoutMs?: number;
  /** Marked shutting down first, so readiness fails before anything closes. */
  readonly health?: Health;
  /** Pause between failing readiness and closing, for endpoint removal to propagate; default 0. */
  readonly drainDelayMs?: number;
  /** How to end the process; default `process.exit`. Tests inject a recorder. */
  readonly exit?: (code: number) => void;
  readonly signals?: SignalSource;
}

export type LifecycleState = 'running' | 'stopping' | 'stopped';

export interface Lifecycle {
  /** Registers a closer; closers run in reverse order of registration. */
  onShutdown(name: string, fn: Closer): void;
  /** Runs the shutdown sequence once (later calls return the same promise); resolves with the exit code. */
  shutdown(reason: string): Promise<number>;
  /** Shuts down on SIGTERM/SIGINT (or the given signals); a second signal forces exit 1. Returns an uninstaller. */
  installSignalHandlers(signals?: readonly NodeJS.Signals[]): () => void;
  readonly state: LifecycleState;
}

/** Creates the process lifecycle. One per process. */
export function createLifecycle(opts: LifecycleOptions): Lifecycle {
  const { logger } = opts;
  const timeoutMs = opts.timeoutMs ?? 25_000;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const signals: SignalSource = opts.signals ?? process;
  const closers: { name: string; fn: Closer }[] = [];
  let state: LifecycleState = 'running';
  let current: string | undefined;
  let result: Promise<number> | undefined;
  let finish: ((code: number) => void) | undefined;

  function shutdown(reason: string): Promise<number> {
    if (result) return result;
    state = 'stopping';
    const started = performance.now();
    let exited = false;
    const timers: { deadline?: NodeJS.Timeout } = {};
    result = new Promise<number>((resolve) => {
      finish = (code: number) => {
        if (exited) return;
        exited = true;
        clearTimeout(timers.deadline);
        state = 'stopped';
        resolve(code);
        exit(code);
      };
    });
    const end = finish as (code: number) => void;
    logger.info({ reason, closers: closers.length, timeoutMs }, 'shutdown started');
    opts.health?.markShuttingDown();
    timers.deadline = setTimeout(() => {
      logger.error({ closer: current, timeoutMs }, 'shutdown deadline exceeded; forcing exit');
      end(1);
    }, timeoutMs);

    void (async () => {
      if (opts.drainDelayMs) await new Promise((r) => setTimeout(r, opts.drainDelayMs));
      let failed = false;
      for (const c of [...closers].reverse()) {
        if (exited) return;
        current = c.name;
        try {
          await c.fn();
          logger.info({ closer: c.name }, 'closed');
        } catch (err) {
          failed = true;
          logger.error({ closer: c.name, err }, 'closer failed');
        }
      }
      current = undefined;
      if (exited) return;
      logger.info({ durationMs: Math.round(performance.now() - started), failed }, 'shutdown complete');
      end(failed ? 1 : 0);
    })();
    return result;
  }

  return {
    onShutdown(name, fn) {
      if (state !== 'running') throw new Error(`onShutdown(${name}) after shutdown began`);
      closers.push({ name, fn });
    },
    shutdown,
    installSignalHandlers(list = ['SIGTERM', 'SIGINT']) {
      const handler = (signal: NodeJS.Signals) => {
        if (state === 'running') {
          void shutdown(signal);
          return;
        }
        if (state === 'stopping') {
          logger.error({ signal, closer: current }, 'second signal during shutdown; forcing exit');
          finish?.(1);
        }
      };
      for (const s of list) signals.on(s, handler);
      return () => {
        for (const s of list) signals.off(s, handler);
      };
    },
    get state() {
      return state;
    },
  };
}
