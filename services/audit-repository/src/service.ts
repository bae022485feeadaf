/**
 * The ATNA Audit Record Repository as a mesh service: ITI-20 Record Audit Event received over
 * syslog TLS (RFC 5425) and UDP (RFC 5426) and from the AUDIT stream the Secure Nodes publish
 * to; PostgreSQL as the system of record (hash-chained, partitioned by month); ITI-81 style
 * search at /api/audit and the patient's "who accessed my record" view.
 */
import { parseAuditXml } from '@mesh/audit';
import type { Subscription } from '@mesh/bus';
import { createMetrics } from '@mesh/observability';
import type { ListenerBinding, ServiceContext, ServiceInstance, ServiceModule } from '@mesh/runtime';
import { createSyslogTlsServer, createSyslogUdpServer } from '@mesh/syslog';
import type { SyslogHandler, SyslogServer } from '@mesh/syslog';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toAccessEntry } from './accesses.js';
import { consumeAuditRecords } from './bus-ingest.js';
import { loadAuditRepositoryConfig } from './config.js';
import { operationOutcome, searchsetBundle, toAuditEvent } from './fhir.js';
import { createIngest } from './ingest.js';
import { AUDIT_MIGRATIONS } from './migrations.js';
import type { IngestInput, Transport } from './record.js';
import { createParsePool } from './parse-pool.js';
import { canonicalPatientId } from './record.js';
import { decodeCursor, parseAuditQuery, readRecord, searchAudit, SearchParamError } from './search.js';
import { createAuditStore } from './store.js';
import { createAuditWriter } from './writer.js';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const HOUR = 3_600_000;

async function create(ctx: ServiceContext): Promise<ServiceInstance> {
  const config = loadAuditRepositoryConfig(ctx.env);
  const metrics = ctx.metrics ?? createMetrics({ defaultMetrics: false });
  const received = metrics.counter<'transport'>({
    name: 'mesh_audit_records_received_total',
    help: 'ITI-20 payloads received by the audit repository, by transport (bus, tls, udp).',
    labelNames: ['transport'],
  });
  const stored = metrics.counter<'transport'>({
    name: 'mesh_audit_records_stored_total',
    help: 'Audit records committed to PostgreSQL, by transport.',
    labelNames: ['transport'],
  });
  const duplicates = metrics.counter<'transport'>({
    name: 'mesh_audit_records_duplicate_total',
    help: 'Audit records not stored again because their message id was already stored.',
    labelNames: ['transport'],
  });
  const rejected = metrics.counter<'transport' | 'reason'>({
    name: 'mesh_audit_records_rejected_total',
    help: 'ITI-20 payloads rejected (not a DICOM PS3.15 / RFC 3881 audit message, bad syslog framing), by transport and reason.',
    labelNames: ['transport', 'reason'],
  });
  const batchSeconds = metrics.histogram({
    name: 'mesh_audit_batch_seconds',
    help: 'Time to append one batch of audit records to its hash chain (one transaction).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });
  const batchSize = metrics.histogram({
    name: 'mesh_audit_batch_records',
    help: 'Records per committed batch.',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
  });

  const store = createAuditStore(ctx.db);
  await store.initChains(config.chains);
  await store.ensurePartitions(ctx.clock(), config.partitionsAhead);
  const writer = createAuditWriter({
    store,
    chains: config.chains,
    maxBatch: config.batchMax,
    clock: ctx.clock,
    logger: ctx.logger,
    onBatch: (size, seconds) => {
      batchSeconds.observe(seconds);
      batchSize.observe(size);
    },
  });
  const pool = config.parseWorkers > 0 ? createParsePool(config.parseWorkers) : undefined;
  const ingest = createIngest({
    writer,
    ...(pool ? { prepare: (input: IngestInput) => pool.prepare(input) } : {}),
    logger: ctx.logger,
    counters: {
      received: (transport) => received.inc({ transport }),
      stored: (transport) => stored.inc({ transport }),
      duplicate: (transport) => duplicates.inc({ transport }),
      rejected: (transport, reason) => rejected.inc({ transport, reason }),
    },
  });

  // Housekeeping: partitions ahead and retention, hourly (and once now for retention).
  const maintain = async (): Promise<void> => {
    try {
      await store.ensurePartitions(ctx.clock(), config.partitionsAhead);
      const dropped = await store.applyRetention(ctx.clock(), config.retentionMonths, config.exportDir);
      if (dropped.length > 0) ctx.logger.info({ dropped }, 'audit retention dropped partitions');
    } catch (err) {
      ctx.logger.error({ err }, 'audit partition maintenance failed');
    }
  };
  await maintain();
  const timer = setInterval(() => void maintain(), HOUR);
  timer.unref();

  // The bus: parallel subscriptions of a durable consumer per subject (single records and
  // batches), so many records are in flight and commit together; each message is acked by the
  // bus only after its handler resolved, i.e. after COMMIT of every record in it.
  const subscriptions: Subscription[] = consumeAuditRecords({
    bus: ctx.bus,
    ingest,
    durable: config.busDurable,
    subscriptions: config.busSubscriptions,
    concurrency: Math.ceil(config.busInFlight / config.busSubscriptions),
    batchConcurrency: Math.ceil(config.busBatchesInFlight / config.busSubscriptions),
    onInvalid: (meta, index) => {
      rejected.inc({ transport: 'bus', reason: 'invalid-payload' });
      ctx.logger.warn(
        { transport: 'bus', subject: meta.subject, seq: meta.seq, msgId: meta.msgId, index },
        index === undefined
          ? 'audit event without xml rejected'
          : 'audit record without xml in a batch rejected',
      );
    },
  });
  await Promise.all(subscriptions.map((s) => s.ready));

  const servers: SyslogServer[] = [];
  const handler =
    (transport: Transport): SyslogHandler =>
    async (message, info) => {
      await ingest.ingest({ xml: message.msg, transport, peer: info.remoteAddress });
    };
  const onReject =
    (transport: Transport) =>
    (reason: string, info: { remoteAddress: string; detail?: string }): void => {
      rejected.inc({ transport, reason });
      ctx.logger.warn(
        { transport, reason, peer: info.remoteAddress, detail: info.detail },
        'ITI-20 syslog input rejected',
      );
    };
  // Listen where HTTP does: loopback in the embedded mesh, every interface in a container.
  const host = ctx.env['HOST'] ?? (ctx.env['DATABASE_URL'] ? '0.0.0.0' : '127.0.0.1');

  const api = ctx.spec.api ?? '/api/audit';
  const base = (req: FastifyRequest): string => `${req.protocol}://${req.host}${api}`;
  const fail = (reply: FastifyReply, status: number, code: string, text: string) =>
    reply.code(status).type(FHIR_JSON).send(operationOutcome(code, text));

  return {
    async startListeners(ports) {
      const bound: ListenerBinding[] = [];
      const udp = createSyslogUdpServer({
        onMessage: handler('udp'),
        onReject: onReject('udp'),
        logger: ctx.logger,
      });
      const u = await udp.listen(ports['syslog-udp'], host);
      servers.push(udp);
      bound.push({ kind: 'syslog-udp', port: u.port, tls: false });
      if (config.syslogTls) {
        const tls = createSyslogTlsServer({
          tls: { ...config.syslogTls },
          onMessage: handler('tls'),
          onReject: onReject('tls'),
          maxMessageBytes: config.syslogMaxMessageBytes,
          maxInFlightPerConnection: config.syslogMaxInFlight,
          logger: ctx.logger,
        });
        const t = await tls.listen(ports['syslog-tls'], host);
        servers.push(tls);
        bound.push({ kind: 'syslog-tls', port: t.port, tls: true });
      } else {
        ctx.logger.warn({}, 'syslog over TLS not opened: SYSLOG_TLS_CERT_FILE is not set');
      }
      return bound;
    },

    registerRoutes(app: FastifyInstance) {
      app.get(`${api}/AuditEvent`, async (req, reply) => {
        let q;
        try {
          q = parseAuditQuery(req.query as Record<string, string | string[]>, config.searchMaxCount);
        } catch (err) {
          if (err instanceof SearchParamError) return fail(reply, 400, 'invalid', err.message);
          throw err;
        }
        const page = await searchAudit(ctx.db, q);
        const self = `${base(req)}/AuditEvent${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`;
        const next =
          page.next === undefined
            ? undefined
            : `${base(req)}/AuditEvent?${nextQuery(req.query as Record<string, string | string[]>, page.next)}`;
        return reply.type(FHIR_JSON).send(
          searchsetBundle({
            selfUrl: self,
            ...(next === undefined ? {} : { nextUrl: next }),
            baseUrl: base(req),
            resources: page.records.map((r) => toAuditEvent(r.id, parseAuditXml(r.xml))),
          }),
        );
      });

      app.get<{ Params: { id: string } }>(`${api}/AuditEvent/:id`, async (req, reply) => {
        const r = await readRecord(ctx.db, req.params.id);
        if (!r) return fail(reply, 404, 'not-found', `AuditEvent/${req.params.id.slice(0, 40)} is not known`);
        return reply.type(FHIR_JSON).send(toAuditEvent(r.id, parseAuditXml(r.xml)));
      });

      app.get<{ Params: { id: string }; Querystring: { _count?: string; _cursor?: string } }>(
        `${api}/patients/:id/accesses`,
        async (req, reply) => {
          const count = req.query._count === undefined ? 50 : Number(req.query._count);
          if (!Number.isInteger(count) || count < 1 || count > config.searchMaxCount)
            return fail(reply, 400, 'invalid', `_count is 1..${config.searchMaxCount}`);
          const patient = canonicalPatientId(req.params.id);
          let cursor;
          try {
            cursor = req.query._cursor === undefined ? undefined : decodeCursor(req.query._cursor);
          } catch (err) {
            if (err instanceof SearchParamError) return fail(reply, 400, 'invalid', err.message);
            throw err;
          }
          const page = await searchAudit(ctx.db, {
            date: [],
            keys: [{ kind: 'P', value: patient }],
            count,
            ...(cursor === undefined ? {} : { cursor }),
          });
          return {
            patient,
            accesses: page.records.map((r) => toAccessEntry(r.id, parseAuditXml(r.xml))),
            ...(page.next === undefined
              ? {}
              : {
                  next: `${api}/patients/${encodeURIComponent(req.params.id)}/accesses?_count=${count}&_cursor=${page.next}`,
                }),
          };
        },
      );
    },

    async close() {
      clearInterval(timer);
      await Promise.all(servers.map((s) => s.close({ timeoutMs: 10_000 })));
      await Promise.all(subscriptions.map((s) => s.close({ timeoutMs: 10_000 })));
      await writer.drain();
      await pool?.close();
    },
  };
}

/** The query string of the next page: the same parameters with the new cursor. */
function nextQuery(query: Readonly<Record<string, string | string[]>>, cursor: string): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === '_cursor') continue;
    for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  }
  qs.append('_cursor', cursor);
  return qs.toString();
}

/** The audit repository service module, for the launcher. */
export const auditRepositoryService: ServiceModule = {
  name: 'audit-repository',
  migrations: AUDIT_MIGRATIONS,
  create,
};
