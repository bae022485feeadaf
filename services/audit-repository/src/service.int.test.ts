/**
 * The audit repository as the mesh runs it (PGlite + in-process bus, or PostgreSQL + NATS when
 * DATABASE_URL / NATS_URL are set): syslog over mutual TLS and UDP on their ports, the AUDIT
 * stream, search at /api/audit, metrics at /metrics; hostile input on each port.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSource, buildTransactionAudit, toAuditXml } from '@mesh/audit';
import { connectNats } from '@mesh/bus';
import { createLogger } from '@mesh/observability';
import { loadRuntimeConfig, startMeshProcess } from '@mesh/runtime';
import type { MeshProcess } from '@mesh/runtime';
import { encodeOctetCountingFrame, formatSyslog, sendSyslogTls, sendSyslogUdp } from '@mesh/syslog';
import { createTestPki } from '@mesh/test-support';
import type { TestPki } from '@mesh/test-support';
import { auditRepositoryService } from './service.js';
import { physician } from './testing/physician.js';

const distributed = process.env.DATABASE_URL !== undefined && process.env.NATS_URL !== undefined;
const CONFORMANCE = fileURLToPath(new URL('../../../../shared/conformance/05-atna/', import.meta.url));
const IPF_DIR = join(CONFORMANCE, 'ipf/audit');
const ipf = readdirSync(IPF_DIR)
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((f) => ({ file: f, xml: readFileSync(join(IPF_DIR, f), 'utf8') }));
const parseCases = JSON.parse(
  readFileSync(join(CONFORMANCE, 'ipf-syslog/rfc5424-parse-cases.json'), 'utf8'),
) as {
  name: string;
  frame: string;
  expect: 'ok' | 'fail';
}[];

const syslogLine = (xml: string): string =>
  formatSyslog({ hostname: 'sender.example', appName: 'test', procId: '1', msgId: 'IHE+DICOM', msg: xml });

function accessXml(patient: string, user: string): string {
  return toAuditXml(
    buildTransactionAudit({
      transaction: 'ITI-43',
      side: 'responder',
      outcome: 'Success',
      eventDateTime: new Date(),
      initiator: { userId: 'http://www.w3.org/2005/08/addressing/anonymous', networkAccessPoint: '10.0.0.9' },
      responder: { userId: 'https://mesh.example/xds/repository', networkAccessPoint: 'mesh.example' },
      principal: physician(`Dr ${user}`, user),
      auditSource: auditSource('mesh-repository', 'LU'),
      patientId: patient,
      documents: [{ uniqueId: `1.2.3.${Date.now()}`, repositoryUniqueId: '1.2.3.100' }],
    }),
  );
}

/** The parts of the JSON answers the tests read. */
interface SearchJson {
  resourceType: string;
  entry: { resource: { id: string; recorded: string; type: { code: string } } }[];
  link: { relation: string; url: string }[];
}
interface AccessesJson {
  accesses?: Record<string, unknown>[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`audit-repository service (${distributed ? 'PostgreSQL + NATS' : 'PGlite + in-process bus'})`, () => {
  let dir: string;
  let pki: TestPki;
  let mesh: MeshProcess;
  let tlsPort: number;
  let udpPort: number;
  const HOST = '127.0.0.1';
  const prefix = `audsvc${randomUUID().replace(/-/g, '').slice(0, 10)}.`;

  /** A `mesh_audit_records_*` counter's value for the given labels (0 when absent). */
  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const text = await (await fetch(`${mesh.url}/metrics`)).text();
    const want = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .sort();
    for (const line of text.split('\n')) {
      const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const got = m[2]!.split(',').sort();
      if (want.every((w) => got.includes(w))) return Number(m[3]);
    }
    return 0;
  }
  async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }
  const clientTls = () => ({
    ca: pki.ca,
    cert: pki.client.cert,
    key: pki.client.key,
    servername: 'localhost',
  });
  const search = async (qs: string) => {
    const res = await fetch(`${mesh.url}/api/audit/AuditEvent?${qs}`);
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as SearchJson,
    };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-audit-svc-'));
    pki = createTestPki();
    await writeFile(join(dir, 'server.crt'), pki.server.cert);
    await writeFile(join(dir, 'server.key'), pki.server.key);
    await writeFile(join(dir, 'ca.crt'), pki.ca);
    const env = {
      DATA_DIR: dir,
      PORT: '0',
      SYSLOG_TLS_PORT: '0',
      SYSLOG_UDP_PORT: '0',
      SYSLOG_TLS_CERT_FILE: join(dir, 'server.crt'),
      SYSLOG_TLS_KEY_FILE: join(dir, 'server.key'),
      SYSLOG_TLS_CA_FILE: join(dir, 'ca.crt'),
      SYSLOG_TLS_CLIENT_AUTH: 'require',
      AUDIT_SYSLOG_MAX_MESSAGE_BYTES: '65536',
      AUDIT_BUS_IN_FLIGHT: '64',
      ...(distributed
        ? {
            DATABASE_URL: process.env.DATABASE_URL,
            NATS_URL: process.env.NATS_URL,
            MESH_SERVICE: 'audit-repository',
            // Own streams: the shared AUDIT stream may hold a backlog from other runs.
            NATS_SUBJECT_PREFIX: prefix,
          }
        : {}),
    };
    mesh = await startMeshProcess({
      config: loadRuntimeConfig(env),
      modules: { 'audit-repository': auditRepositoryService },
      env,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    const port = (kind: string) =>
      Number(
        mesh.served
          .find((s) => s.service === 'audit-repository' && s.kind === kind)
          ?.where.split(':')
          .pop(),
      );
    tlsPort = port('syslog-tls');
    udpPort = port('syslog-udp');
  }, 180_000);

  afterAll(async () => {
    await mesh?.close();
    if (distributed) {
      const admin = await connectNats({
        servers: process.env.NATS_URL!,
        name: 'audit-test-cleanup',
        subjectPrefix: prefix,
      });
      await admin.deleteStreams();
      await admin.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('reports its listeners and search path as implemented', () => {
    const mine = mesh.served.filter((s) => s.service === 'audit-repository');
    expect(mine.map((s) => [s.kind, s.implemented])).toEqual([
      ['http', true],
      ['syslog-tls', true],
      ['syslog-udp', true],
    ]);
    expect(tlsPort).toBeGreaterThan(0);
    expect(udpPort).toBeGreaterThan(0);
  });

  it('stores the 18 IPF DICOM messages sent over mutual TLS, and finds each by search', async () => {
    const before = await metric('mesh_audit_records_stored_total', { transport: 'tls' });
    await sendSyslogTls(
      HOST,
      tlsPort,
      ipf.map((m) => syslogLine(m.xml)),
      { tls: clientTls() },
    );
    await until(
      '18 stored',
      async () => (await metric('mesh_audit_records_stored_total', { transport: 'tls' })) >= before + 18,
    );
    expect(await metric('mesh_audit_records_stored_total', { transport: 'tls' })).toBe(before + 18);
    for (const m of ipf) {
      const source = /AuditSourceID="([^"]+)"/.exec(m.xml)![1]!;
      const code = /<EventID csd-code="([^"]+)"/.exec(m.xml)![1]!;
      const recorded = /EventDateTime="([^"]+)"/.exec(m.xml)![1]!;
      const r = await search(
        `source=${encodeURIComponent(source)}&type=${code}&date=eq${recorded.slice(0, 10)}&_count=200`,
      );
      expect(r.status, m.file).toBe(200);
      expect(r.type).toMatch(/application\/fhir\+json/);
      expect(r.body.resourceType).toBe('Bundle');
      const hit = r.body.entry.find((e) => e.resource.recorded === recorded);
      expect(hit, m.file).toBeDefined();
      expect(hit?.resource.type.code).toBe(code);
    }
  });

  it('parses the RFC 5424 cases over UDP: the ok ones reach the audit parser, the others are rejected as syslog', async () => {
    const ok = parseCases.filter((c) => c.expect === 'ok');
    const bad = parseCases.filter((c) => c.expect === 'fail');
    expect(ok.length).toBeGreaterThan(0);
    expect(bad.length).toBeGreaterThan(0);
    const syslogBefore = await metric('mesh_audit_records_rejected_total', {
      transport: 'udp',
      reason: 'parse-error',
    });
    const receivedBefore = await metric('mesh_audit_records_received_total', { transport: 'udp' });
    await sendSyslogUdp(
      HOST,
      udpPort,
      parseCases.map((c) => Buffer.from(c.frame, 'utf8')),
    );
    await until('udp verdicts', async () => {
      const s = await metric('mesh_audit_records_rejected_total', {
        transport: 'udp',
        reason: 'parse-error',
      });
      const r = await metric('mesh_audit_records_received_total', { transport: 'udp' });
      return s - syslogBefore === bad.length && r - receivedBefore === ok.length;
    });
    // None of those frames carries an audit message: none is stored.
    expect(await metric('mesh_audit_records_stored_total', { transport: 'udp' })).toBe(0);
  });

  it('stores records from the AUDIT stream once, whatever the redeliveries, and shows who accessed the record', async () => {
    const patient = `bus-${randomUUID().slice(0, 8)}`;
    const cx = `${patient}^^^&1.3.6.1.4.1.99999.1.1&ISO`;
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const publish = (id: string, i: number, natsId = id) =>
      mesh.bus.publish(
        'audit.record-submitted',
        {
          messageId: id,
          xml: accessXml(cx, i % 2 ? 'alice' : 'bob'),
          sourceId: 'test-node',
          receivedAt: new Date().toISOString(),
        },
        { msgId: natsId },
      );
    await Promise.all(ids.map((id, i) => publish(id, i)));
    // A Secure Node re-send beyond the stream's window: another Nats-Msg-Id, same messageId.
    await Promise.all(ids.slice(0, 5).map((id, i) => publish(id, i, randomUUID())));
    let body: AccessesJson = {};
    await until('20 accesses', async () => {
      const res = await fetch(`${mesh.url}/api/audit/patients/${encodeURIComponent(cx)}/accesses?_count=200`);
      body = (await res.json()) as AccessesJson;
      return (body.accesses?.length ?? 0) >= 20;
    });
    await sleep(300);
    const res = await fetch(
      `${mesh.url}/api/audit/patients/${encodeURIComponent(`urn:oid:1.3.6.1.4.1.99999.1.1|${patient}`)}/accesses?_count=200`,
    );
    body = (await res.json()) as AccessesJson;
    expect(body.accesses).toHaveLength(20);
    expect(body.accesses?.[0]).toMatchObject({
      action: 'R',
      transaction: { code: 'ITI-43' },
      who: { roles: [{ code: '158965000' }] },
      why: [{ code: 'TREATMENT' }],
      what: [{ type: 'document', repositoryUniqueId: '1.2.3.100' }],
      recordedBy: 'mesh-repository',
    });
    // FHIR search by patient and user, paged.
    const first = await search(`patient=${encodeURIComponent(cx)}&user=alice&_count=4`);
    expect(first.body.entry).toHaveLength(4);
    const next = first.body.link.find((l) => l.relation === 'next')?.url ?? '';
    expect(next).toContain('_cursor=');
    const second = (await (await fetch(next.replace(/^https?:\/\/[^/]+/, mesh.url))).json()) as SearchJson;
    expect(second.entry).toHaveLength(4);
    const all = await search(`patient=${encodeURIComponent(cx)}&user=alice&_count=50`);
    expect(all.body.entry).toHaveLength(10);
    const one = all.body.entry[0]?.resource.id ?? '';
    const read = await fetch(`${mesh.url}/api/audit/AuditEvent/${one}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { id: string }).id).toBe(one);
  });

  it('stores batch messages record by record: redelivered batches add nothing, a bad record does not block the others', async () => {
    const patient = `batch-${randomUUID().slice(0, 8)}`;
    const cx = `${patient}^^^&1.3.6.1.4.1.99999.1.1&ISO`;
    const record = (user: string) => ({
      messageId: randomUUID(),
      xml: accessXml(cx, user),
      sourceId: 'test-node',
      receivedAt: new Date().toISOString(),
    });
    const good = Array.from({ length: 30 }, (_, i) => record(`user${i}`));
    const invalid0 = await metric('mesh_audit_records_rejected_total', {
      transport: 'bus',
      reason: 'invalid-payload',
    });
    const notAudit0 = await metric('mesh_audit_records_rejected_total', {
      transport: 'bus',
      reason: 'not-audit-message',
    });
    const dup0 = await metric('mesh_audit_records_duplicate_total', { transport: 'bus' });
    // Two batches, one with a record without XML and one that is not an audit message.
    await mesh.bus.publish(
      'audit.records-submitted',
      {
        records: [
          ...good.slice(0, 10),
          { messageId: randomUUID(), sourceId: 'x', receivedAt: '' } as never,
          { ...record('x'), xml: '<Envelope/>' },
          ...good.slice(10, 20),
        ],
      },
      { msgId: randomUUID() },
    );
    await mesh.bus.publish('audit.records-submitted', { records: good.slice(20) }, { msgId: randomUUID() });
    // The same records again, grouped otherwise and under new Nats-Msg-Ids (a spool re-send),
    // and one of them as a single-record message.
    await mesh.bus.publish(
      'audit.records-submitted',
      { records: good.slice(5, 25) },
      { msgId: randomUUID() },
    );
    await mesh.bus.publish('audit.record-submitted', good[0]!, { msgId: randomUUID() });
    await until(
      '21 duplicates',
      async () => (await metric('mesh_audit_records_duplicate_total', { transport: 'bus' })) >= dup0 + 21,
    );
    const res = await fetch(`${mesh.url}/api/audit/patients/${encodeURIComponent(cx)}/accesses?_count=200`);
    const body = (await res.json()) as AccessesJson;
    expect(body.accesses).toHaveLength(30);
    expect(await metric('mesh_audit_records_duplicate_total', { transport: 'bus' })).toBe(dup0 + 21);
    expect(
      await metric('mesh_audit_records_rejected_total', { transport: 'bus', reason: 'invalid-payload' }),
    ).toBe(invalid0 + 1);
    expect(
      await metric('mesh_audit_records_rejected_total', { transport: 'bus', reason: 'not-audit-message' }),
    ).toBe(notAudit0 + 1);
  });

  it('hostile input on the TLS port: untrusted client, bad framing, XML bombs, oversized; good records still stored', async () => {
    const rejected = (reason: string) =>
      metric('mesh_audit_records_rejected_total', { transport: 'tls', reason });
    const handshake0 = await rejected('tls-handshake');
    await sendSyslogTls(HOST, tlsPort, [syslogLine(ipf[0]!.xml)], {
      tls: { ca: pki.ca, cert: pki.rogueClient.cert, key: pki.rogueClient.key, servername: 'localhost' },
      timeoutMs: 5_000,
    }).catch(() => undefined);
    await until('handshake rejection', async () => (await rejected('tls-handshake')) > handshake0);

    // A DOCTYPE with entities, an external entity, a non-audit root, invalid UTF-8: each refused, the connection goes on.
    const bomb = `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><AuditMessage>&y;</AuditMessage>`;
    const xxe = `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><AuditMessage>&e;</AuditMessage>`;
    const notAudit = '<Envelope/>';
    const malformed0 = await rejected('malformed-xml');
    const notAudit0 = await rejected('not-audit-message');
    const stored0 = await metric('mesh_audit_records_stored_total', { transport: 'tls' });
    // No BOM, so the syslog layer passes the bytes on; the audit parser refuses invalid UTF-8.
    const badUtf8 = Buffer.concat([
      Buffer.from('<85>1 - sender app - IHE+DICOM - <AuditMessage>', 'utf8'),
      Buffer.from([0xc3, 0x28]),
    ]);
    await sendSyslogTls(
      HOST,
      tlsPort,
      [syslogLine(bomb), syslogLine(xxe), syslogLine(notAudit), badUtf8, syslogLine(ipf[1]!.xml)],
      {
        tls: clientTls(),
      },
    );
    await until(
      'stored after hostile',
      async () => (await metric('mesh_audit_records_stored_total', { transport: 'tls' })) > stored0,
    );
    expect((await rejected('malformed-xml')) - malformed0).toBe(3);
    expect((await rejected('not-audit-message')) - notAudit0).toBe(1);

    // Bad octet-counting framing and an oversized frame close that connection; nothing stored from it.
    const frame0 = await rejected('malformed-frame');
    const large0 = await rejected('message-too-large');
    await new Promise<void>((resolve) => {
      const s = tls.connect({ ...clientTls(), host: HOST, port: tlsPort }, () =>
        s.end('abc <34>1 - - - - - -'),
      );
      s.on('data', () => undefined);
      s.on('close', () => resolve());
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => {
      const s = tls.connect({ ...clientTls(), host: HOST, port: tlsPort }, () =>
        s.end(encodeOctetCountingFrame(syslogLine(`<AuditMessage>${'x'.repeat(70_000)}</AuditMessage>`))),
      );
      s.on('data', () => undefined);
      s.on('close', () => resolve());
      s.on('error', () => undefined);
    });
    await until(
      'framing rejections',
      async () =>
        (await rejected('malformed-frame')) > frame0 && (await rejected('message-too-large')) > large0,
    );
  });

  it('hostile input on the UDP port and the bus: refused, counted, not stored', async () => {
    const rejected = (transport: string, reason: string) =>
      metric('mesh_audit_records_rejected_total', { transport, reason });
    const u0 = await rejected('udp', 'malformed-xml');
    const big0 = await rejected('udp', 'not-audit-message');
    await sendSyslogUdp(HOST, udpPort, [
      syslogLine(`<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><AuditMessage>&e;</AuditMessage>`),
      syslogLine('<a><b><c/></b></a>'),
    ]);
    await until(
      'udp rejections',
      async () =>
        (await rejected('udp', 'malformed-xml')) > u0 && (await rejected('udp', 'not-audit-message')) > big0,
    );

    const b0 = await rejected('bus', 'invalid-payload');
    const m0 = await rejected('bus', 'missing-element');
    await mesh.bus.publish('audit.record-submitted', { messageId: randomUUID(), xml: 42 } as never, {
      msgId: randomUUID(),
    });
    await mesh.bus.publish(
      'audit.record-submitted',
      {
        messageId: randomUUID(),
        xml: '<AuditMessage/>',
        sourceId: 'x',
        receivedAt: new Date().toISOString(),
      },
      { msgId: randomUUID() },
    );
    await until(
      'bus rejections',
      async () =>
        (await rejected('bus', 'invalid-payload')) > b0 && (await rejected('bus', 'missing-element')) > m0,
    );
  });

  it('refuses bad search parameters with an OperationOutcome, and unknown ids with 404', async () => {
    for (const qs of [
      'patinet=1',
      'date=notadate',
      '_count=0',
      '_count=99999',
      'outcome=5',
      '_cursor=%00%01',
    ]) {
      const r = await search(qs);
      expect(r.status, qs).toBe(400);
      expect(r.body.resourceType).toBe('OperationOutcome');
    }
    const missing = await fetch(`${mesh.url}/api/audit/AuditEvent/999-999999`);
    expect(missing.status).toBe(404);
    const odd = await fetch(`${mesh.url}/api/audit/AuditEvent/${encodeURIComponent("1' OR '1'='1")}`);
    expect(odd.status).toBe(404);
    const accesses = await fetch(`${mesh.url}/api/audit/patients/x/accesses?_count=abc`);
    expect(accesses.status).toBe(400);
  });
});
