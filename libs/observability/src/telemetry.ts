/**
 * OpenTelemetry SDK start-up. Propagation of W3C Trace Context and the async context
 * manager are always installed, so `traceparent` flows from inbound SOAP/HTTP through the
 * handlers to NATS headers and outbound calls even where no collector exists; spans are
 * exported (OTLP over HTTP) only when an OTLP endpoint is configured.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { readEnv } from './config.js';
import type { EnvSource } from './config.js';

export interface TelemetryOptions {
  /** `service.name` of the resource, e.g. 'registry' (or 'mesh' for the embedded process). */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** Read for OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_TRACES_EXPORTER, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, HOSTNAME. */
  readonly env: EnvSource;
}

export interface Telemetry {
  /** Where spans go, or undefined when they are not exported. */
  readonly exportUrl: string | undefined;
  /** Flushes pending spans and unregisters the global providers. Idempotent. */
  shutdown(): Promise<void>;
}

let running: Telemetry | 'starting' | undefined;

/**
 * The OTLP/HTTP traces URL: the signal-specific variable is used as is, the generic one
 * gets `/v1/traces` appended (OTel specification, "OTLP Exporter Configuration").
 * `OTEL_TRACES_EXPORTER=none` turns export off. Throws ConfigError on a malformed URL.
 */
export function otlpTracesUrl(source: EnvSource): string | undefined {
  const env = readEnv(source);
  const protocols = ['http:', 'https:'];
  const specific = env.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', { protocols });
  const generic = env.url('OTEL_EXPORTER_OTLP_ENDPOINT', { protocols });
  const exporters = env.list('OTEL_TRACES_EXPORTER');
  env.done({});
  if (exporters.includes('none')) return undefined;
  if (specific !== undefined) return specific;
  if (generic !== undefined) return `${generic.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/** OTEL_RESOURCE_ATTRIBUTES: `k=v,k2=v2`, values percent-encoded (OTel resource SDK spec). */
function resourceAttributesFrom(source: EnvSource): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (source['OTEL_RESOURCE_ATTRIBUTES'] ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) continue;
    try {
      out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
    } catch {
      // A malformed pair is skipped, as the spec lets the SDK do, rather than failing start-up.
    }
  }
  const name = source['OTEL_SERVICE_NAME'];
  if (name) out['service.name'] = name;
  return out;
}

/**
 * Starts the OpenTelemetry NodeSDK once per process. Resource detection is limited to the
 * given environment: the SDK's default detectors (host, process) and cloud detectors read
 * files, spawn or reach metadata endpoints at start-up, which a pod has no use for.
 * Metrics and logs stay with prom-client and pino, so the SDK gets no readers or log
 * processors (otherwise it would build OTLP log exporters from defaults).
 *
 * Asynchronous because the SDK is loaded on demand: `@opentelemetry/sdk-node` takes over a
 * second to import (it pulls in every exporter), which tests and tools that only need
 * logging or metrics from this package should not pay.
 */
export async function initTelemetry(opts: TelemetryOptions): Promise<Telemetry> {
  if (running) throw new Error('initTelemetry: telemetry is already running in this process');
  const exportUrl = otlpTracesUrl(opts.env);
  running = 'starting';
  try {
    const handle = await start(opts, exportUrl);
    running = handle;
    return handle;
  } catch (e) {
    running = undefined;
    throw e;
  }
}

async function start(opts: TelemetryOptions, exportUrl: string | undefined): Promise<Telemetry> {
  const [{ NodeSDK, core, resources, tracing }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const hostname = opts.env['HOSTNAME'];
  const resource = resources
    .defaultResource()
    .merge(
      resources.resourceFromAttributes({
        'service.name': opts.serviceName,
        'service.namespace': 'mesh',
        ...(opts.serviceVersion ? { 'service.version': opts.serviceVersion } : {}),
        // In Kubernetes HOSTNAME is the pod name: one instance id per replica.
        ...(hostname ? { 'service.instance.id': hostname } : {}),
      }),
    )
    .merge(resources.resourceFromAttributes(resourceAttributesFrom(opts.env)));

  const sdk = new NodeSDK({
    autoDetectResources: false,
    resource,
    // Trace Context only: `baggage` from outside could carry anything into our logs/spans.
    textMapPropagator: new core.W3CTraceContextPropagator(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    // A tracer provider is registered in both cases so server spans get their own span
    // ids and outbound calls carry a child traceparent. Without a collector nothing would read
    // a recorded span: a trace is recorded only when the caller sampled it (so the sampled flag
    // it sent travels on), and a trace that starts here is not (a span's attributes, events and
    // timing are a few percent of a small request's CPU).
    ...(exportUrl
      ? { traceExporter: new OTLPTraceExporter({ url: exportUrl }) }
      : {
          spanProcessors: [new tracing.NoopSpanProcessor()],
          sampler: new tracing.ParentBasedSampler({ root: new tracing.AlwaysOffSampler() }),
        }),
  });
  sdk.start();

  let stopped: Promise<void> | undefined;
  const handle: Telemetry = {
    exportUrl,
    shutdown() {
      stopped ??= (async () => {
        try {
          await sdk.shutdown();
        } finally {
          trace.disable();
          propagation.disable();
          context.disable();
          if (running === handle) running = undefined;
        }
      })();
      return stopped;
    },
  };
  return handle;
}
