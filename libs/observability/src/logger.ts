/**
 * pino JSON logs to stdout, one line per event, with the central redaction list applied to
 * every record and every child logger's bindings (see `redact.ts`). Kubernetes collects
 * stdout; the fields ops query on are `service`, `transaction`, `traceId`, `wsaMessageId`
 * (or `msh10` for HL7v2) and `requestId`.
 */
import { pino, stdSerializers } from 'pino';
import type { DestinationStream, Logger, LevelWithSilent } from 'pino';
import { REDACT_PATHS, compileRedactor } from './redact.js';
import type { Redactor } from './redact.js';

export type { Logger } from 'pino';

/** Log levels accepted by {@link createLogger} (e.g. from `env.enumOf('LOG_LEVEL', LOG_LEVELS, 'info')`). */
export const LOG_LEVELS: readonly LevelWithSilent[] = Object.freeze([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]);

export interface LoggerOptions {
  /** The mesh service name, e.g. 'registry'; on every line as `service`. */
  readonly service: string;
  readonly level?: LevelWithSilent;
  /**
   * Human-readable single-line output for a developer's terminal instead of JSON. Redaction
   * applies all the same. Never in production: log pipelines expect JSON.
   */
  readonly pretty?: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read the lines back. */
  readonly destination?: DestinationStream;
  /** Extra redaction paths for this process, added to {@link REDACT_PATHS} (same notation). */
  readonly extraRedactPaths?: readonly string[];
}

interface RequestLike {
  readonly method?: string;
  readonly url?: string;
  readonly ip?: string;
  readonly host?: string;
  readonly headers?: Record<string, unknown>;
  readonly socket?: { readonly remoteAddress?: string; readonly remotePort?: number } | null;
}

/**
 * The request as logged: the query string is dropped because query transactions over HTTP
 * (e.g. `?patient.identifier=...`) put patient identifiers there; headers are dropped
 * because they carry credentials and assertions.
 */
function serializeRequest(req: unknown): unknown {
  if (req === null || typeof req !== 'object') return req;
  const r = req as RequestLike;
  const url = typeof r.url === 'string' ? r.url.split('?', 1)[0] : undefined;
  const host = r.host ?? (typeof r.headers?.['host'] === 'string' ? r.headers['host'] : undefined);
  return {
    method: r.method,
    url,
    host,
    remoteAddress: r.ip ?? r.socket?.remoteAddress,
    remotePort: r.socket?.remotePort,
  };
}

function serializeResponse(res: unknown): unknown {
  if (res === null || typeof res !== 'object') return res;
  return { statusCode: (res as { statusCode?: number }).statusCode };
}

/** Errors already turned into plain objects by the redactor pass through unchanged. */
function serializeError(err: unknown): unknown {
  return err instanceof Error ? stdSerializers.err(err) : err;
}

function prettyDestination(out: NodeJS.WritableStream): DestinationStream {
  const skip = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);
  return {
    write(line: string): void {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = typeof rec['time'] === 'string' ? rec['time'].slice(11, 23) : '';
      const level = String(rec['level']).toUpperCase().padEnd(5);
      const rest = Object.entries(rec)
        .filter(([k]) => !skip.has(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      out.write(
        `${time} ${level} [${String(rec['service'])}] ${typeof rec['msg'] === 'string' ? rec['msg'] : ''} ${rest}\n`,
      );
    },
  };
}

/**
 * Creates the process's root logger for one service. Every record and every child's
 * bindings go through the central redaction list.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const redactor = compileRedactor([...REDACT_PATHS, ...(opts.extraRedactPaths ?? [])]);
  const destination = opts.destination ?? (opts.pretty ? prettyDestination(process.stdout) : undefined);
  const logger = pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactor.scrub(obj),
        bindings: (b) => redactor.scrub(b),
      },
      serializers: {
        req: serializeRequest,
        res: serializeResponse,
        err: serializeError,
        error: serializeError,
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
  scrubChildBindings(logger, redactor);
  return logger;
}

/**
 * pino applies `formatters.bindings` to the root logger only (children get an identity
 * formatter), so a `log.child({ patientId })` would bypass redaction. Every pino child is
 * `Object.create(parent)`, so one own `child` on the root covers all descendants,
 * including those Fastify creates per request.
 */
function scrubChildBindings(logger: Logger, redactor: Redactor): void {
  type ChildFn = (this: Logger, bindings: Record<string, unknown>, options?: unknown) => Logger;
  const inherited = (Object.getPrototypeOf(logger) as { child: ChildFn }).child;
  const child: ChildFn = function (this: Logger, bindings, options) {
    return inherited.call(this, redactor.scrub(bindings), options);
  };
  Object.defineProperty(logger, 'child', { value: child, writable: true, configurable: true });
}

/** Fields of one unit of work (an HTTP request, an MLLP message, a bus message). */
export interface RequestLogFields {
  /** IHE transaction id exactly as the TF writes it, e.g. 'ITI-41'. */
  readonly transaction?: string;
  /** W3C trace id (32 hex). */
  readonly traceId?: string;
  /** WS-Addressing MessageID of a SOAP request; logged as `wsaMessageId`. */
  readonly messageId?: string;
  /** HL7v2 MSH-10 message control id; logged as `msh10`. */
  readonly msh10?: string;
  /** The `x-request-id` correlation id. */
  readonly requestId?: string;
}

/** A child logger carrying the correlation fields of one request; undefined fields are left out. */
export function requestLogger(base: Logger, fields: RequestLogFields): Logger {
  const b: Record<string, string> = {};
  if (fields.transaction !== undefined) b['transaction'] = fields.transaction;
  if (fields.traceId !== undefined) b['traceId'] = fields.traceId;
  if (fields.messageId !== undefined) b['wsaMessageId'] = fields.messageId;
  if (fields.msh10 !== undefined) b['msh10'] = fields.msh10;
  if (fields.requestId !== undefined) b['requestId'] = fields.requestId;
  return base.child(b);
}
