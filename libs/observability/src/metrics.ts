/**
 * Prometheus metrics: one prom-client Registry per process (in the embedded mesh every
 * service shares it, which is why `service` is a label and not a registry default), Node's
 * default metrics, the HTTP RED metrics, and `mesh_`-prefixed metrics that services add.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Labels of the HTTP metrics. `route` is the route pattern, never the raw URL (bounded cardinality). */
export const HTTP_LABELS = ['service', 'route', 'method', 'status', 'transaction'] as const;
export type HttpLabel = (typeof HTTP_LABELS)[number];
export type HttpLabels = Record<HttpLabel, string>;

/**
 * Seconds. From 5 ms (a cached registry query) to 30 s (a large ITI-41 MTOM upload or an
 * XCA fan-out to slow communities).
 */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/** The prefix of every metric a service adds. */
export const METRIC_PREFIX = 'mesh_';

export interface MetricDefinition<L extends string> {
  /** snake_case; `mesh_` is prepended when missing. Counters must end in `_total` (OpenMetrics). */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export interface HistogramDefinition<L extends string> extends MetricDefinition<L> {
  readonly buckets?: readonly number[];
}

export interface MeshMetrics {
  readonly registry: Registry;
  readonly httpRequestsTotal: Counter<HttpLabel>;
  readonly httpRequestDuration: Histogram<HttpLabel>;
  /** Counts one finished HTTP request and observes its duration. */
  observeHttp(labels: HttpLabels, seconds: number): void;
  /** Gets or creates a `mesh_` counter; asking twice with the same definition returns the same one. */
  counter<L extends string = never>(def: MetricDefinition<L>): Counter<L>;
  /** Gets or creates a `mesh_` histogram. */
  histogram<L extends string = never>(def: HistogramDefinition<L>): Histogram<L>;
  /** Gets or creates a `mesh_` gauge. */
  gauge<L extends string = never>(def: MetricDefinition<L>): Gauge<L>;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** Content-Type of {@link render}'s output. */
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Node process metrics (event loop lag, GC, heap, handles); default true. */
  readonly defaultMetrics?: boolean;
}

const NAME = /^[a-z_][a-z0-9_]*$/;

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** Creates the process's metrics registry. Call once per process and pass it to every app. */
export function createMetrics(opts: MetricsOptions = {}): MeshMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const httpRequestsTotal = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by service, route pattern, method, status code and IHE transaction.',
    labelNames: HTTP_LABELS,
    registers: [registry],
  });
  const httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, from request received to response sent.',
    labelNames: HTTP_LABELS,
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [registry],
  });

  function prepare(kind: 'counter' | 'gauge' | 'histogram', def: MetricDefinition<string>): string {
    const name = def.name.startsWith(METRIC_PREFIX) ? def.name : `${METRIC_PREFIX}${def.name}`;
    if (!NAME.test(name)) throw new Error(`metric name ${JSON.stringify(name)} is not snake_case`);
    if (kind === 'counter' && !name.endsWith('_total')) {
      throw new Error(`counter ${name} must end in _total`);
    }
    return name;
  }

  function existing<M extends AnyMetric>(
    name: string,
    type: new (...args: never[]) => M,
    labelNames: readonly string[],
  ): M | undefined {
    const found = registry.getSingleMetric(name);
    if (found === undefined) return undefined;
    const foundLabels = (found as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    if (!(found instanceof type) || foundLabels.join(',') !== [...labelNames].join(',')) {
      throw new Error(`metric ${name} is already registered with another type or label set`);
    }
    return found;
  }

  return {
    registry,
    httpRequestsTotal,
    httpRequestDuration,
    observeHttp(labels, seconds) {
      httpRequestsTotal.inc(labels);
      httpRequestDuration.observe(labels, seconds);
    },
    counter<L extends string = never>(def: MetricDefinition<L>): Counter<L> {
      const name = prepare('counter', def);
      const labelNames = def.labelNames ?? [];
      return (
        (existing(name, Counter, labelNames) as Counter<L> | undefined) ??
        new Counter<L>({ name, help: def.help, labelNames, registers: [registry] })
      );
    },
    histogram<L extends string = never>(def: HistogramDefinition<L>): Histogram<L> {
      const name = prepare('histogram', def);
      const labelNames = def.labelNames ?? [];
      return (
        (existing(name, Histogram, labelNames) as Histogram<L> | undefined) ??
        new Histogram<L>({
          name,
          help: def.help,
          labelNames,
          ...(def.buckets ? { buckets: [...def.buckets] } : {}),
          registers: [registry],
        })
      );
    },
    gauge<L extends string = never>(def: MetricDefinition<L>): Gauge<L> {
      const name = prepare('gauge', def);
      const labelNames = def.labelNames ?? [];
      return (
        (existing(name, Gauge, labelNames) as Gauge<L> | undefined) ??
        new Gauge<L>({ name, help: def.help, labelNames, registers: [registry] })
      );
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
