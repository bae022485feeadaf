/**
 * Liveness and readiness as Kubernetes probes read them: liveness says only that the event
 * loop turns (a failing dependency must not get the pod restarted), readiness says whether
 * this replica should get traffic now: every registered check passes and it is not
 * shutting down.
 */

/** A readiness check: passes when it resolves to anything but `false`; fails when it throws, rejects or times out. */
export type HealthCheckFn = () => unknown;

export type CheckState = 'pass' | 'fail' | 'timeout';

export interface CheckResult {
  readonly state: CheckState;
  readonly durationMs: number;
}

export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready' | 'shutting_down';
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export interface HealthOptions {
  /**
   * Per-check timeout when `addCheck` gives none; default 800 ms, so that the probe answers
   * within Kubernetes' default probe `timeoutSeconds` of 1 (checks run concurrently).
   */
  readonly defaultTimeoutMs?: number;
  /** Told about every failing check, with the error; the probe's body names the check only. */
  readonly onCheckFailure?: (name: string, state: Exclude<CheckState, 'pass'>, error: unknown) => void;
}

export interface Health {
  /** Registers a readiness check, e.g. `health.addCheck('db.ping', () => db.ping(), { timeoutMs: 1000 })`. */
  addCheck(name: string, fn: HealthCheckFn, opts?: { timeoutMs?: number }): void;
  removeCheck(name: string): void;
  /** From now on readiness fails, whatever the checks say (graceful shutdown, step one). */
  markShuttingDown(): void;
  readonly shuttingDown: boolean;
  /** Runs every check concurrently. */
  readiness(): Promise<ReadinessReport>;
}

interface Registered {
  readonly fn: HealthCheckFn;
  readonly timeoutMs: number;
}

const TIMED_OUT = Symbol('timeout');

/** Creates the health registry of one process (shared by all apps in the embedded mesh). */
export function createHealth(opts: HealthOptions = {}): Health {
  const checks = new Map<string, Registered>();
  const defaultTimeoutMs = opts.defaultTimeoutMs ?? 800;
  let shuttingDown = false;

  async function run(name: string, c: Registered): Promise<CheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), c.timeoutMs);
    });
    let state: CheckState;
    let error: unknown;
    try {
      const r = await Promise.race([Promise.resolve().then(c.fn), timeout]);
      state = r === TIMED_OUT ? 'timeout' : r === false ? 'fail' : 'pass';
      if (r === false) error = new Error('check returned false');
    } catch (e) {
      state = 'fail';
      error = e;
    } finally {
      clearTimeout(timer);
    }
    if (state !== 'pass') opts.onCheckFailure?.(name, state, error);
    return { state, durationMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  return {
    addCheck(name, fn, o = {}) {
      if (checks.has(name)) throw new Error(`health check ${name} is already registered`);
      checks.set(name, { fn, timeoutMs: o.timeoutMs ?? defaultTimeoutMs });
    },
    removeCheck(name) {
      checks.delete(name);
    },
    markShuttingDown() {
      shuttingDown = true;
    },
    get shuttingDown() {
      return shuttingDown;
    },
    async readiness() {
      if (shuttingDown) return { status: 'shutting_down', checks: {} };
      const entries = await Promise.all([...checks].map(async ([n, c]) => [n, await run(n, c)] as const));
      const results = Object.fromEntries(entries);
      // A shutdown that began while the checks ran wins: traffic must stop now.
      if (shuttingDown) return { status: 'shutting_down', checks: results };
      const ok = entries.every(([, r]) => r.state === 'pass');
      return { status: ok ? 'ready' : 'not_ready', checks: results };
    },
  };
}
