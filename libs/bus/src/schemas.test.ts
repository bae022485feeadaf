/**
 * schemas/bus/ holds one JSON Schema per payload of the subject catalogue. This keeps the
 * two in step (every subject has its schemas and only those; titles name the catalogue's
 * types) and checks that real payloads validate and malformed ones do not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { SUBJECTS } from './subjects.js';
import type { EventOf, EventSubject, ReplyOf, RequestOf, RequestSubject, Subject } from './subjects.js';

const DIR = fileURLToPath(new URL('../../../schemas/bus/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.schema.json'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const schemas = new Map(
  files.map((f) => [f, JSON.parse(readFileSync(`${DIR}${f}`, 'utf8')) as { title: string }]),
);

function expectedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [subject, spec] of Object.entries(SUBJECTS) as [Subject, (typeof SUBJECTS)[Subject]][]) {
    if (spec.kind === 'request') {
      out.set(`${subject}.request.schema.json`, spec.payloadType);
      out.set(`${subject}.reply.schema.json`, spec.replyType);
    } else {
      out.set(`${subject}.schema.json`, spec.payloadType);
    }
  }
  return out;
}

const ctx = {
  transaction: 'ITI-42',
  principal: { kind: 'system', service: 'repository' },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  messageId: 'urn:uuid:2f0f8d0e-7c38-4c7e-9f6e-0a8b0a1f1c11',
} as const;
const pid = { id: '8735512', assigningAuthority: '1.3.6.1.4.1.21367.2005.3.7' };
const ev = { eventId: 'a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f607', occurredAt: '2026-11-25T10:00:00.000Z' };

const requests: { [S in RequestSubject]: { request: RequestOf<S>; reply: ReplyOf<S> } } = {
  'registry.register': {
    request: { submission: '<lcm:SubmitObjectsRequest/>', context: ctx },
    reply: { responseXml: '<rs:RegistryResponse/>', status: 'Success' },
  },
  'mpi.resolve': {
    request: { patientId: '8735512^^^&1.3.6.1.4.1.21367.2005.3.7&ISO' },
    reply: { found: true, enterpriseId: pid, merged: false, crossReferences: [pid] },
  },
};

const events: { [S in EventSubject]: EventOf<S> } = {
  'mpi.patient-created': { ...ev, enterpriseId: pid, identifiers: [pid], transaction: 'ITI-8' },
  'mpi.patient-updated': { ...ev, enterpriseId: pid, identifiers: [], transaction: 'ITI-44' },
  'mpi.patient-linked': { ...ev, enterpriseId: pid, linked: [pid], unlinked: [] },
  'mpi.patient-merged': { ...ev, survivingId: pid, mergedIds: [pid], transaction: 'ITI-8' },
  'xds.document-registered': {
    ...ev,
    patientId: '8735512^^^&1.3.6.1.4.1.21367.2005.3.7&ISO',
    submissionSetUniqueId: '1.2.3.4',
    submissionSetEntryUUID: 'urn:uuid:1d4e1f7a-0c2b-4f7e-9b1a-3c5d7e9f1a2b',
    sourceId: '1.2.3',
    documents: [
      { entryUUID: 'urn:uuid:x', uniqueId: '1.2.3.4.5', classCode: { code: 'X', codeSystem: '1.2' } },
    ],
  },
  'xds.document-removed': {
    ...ev,
    patientId: 'p',
    documents: [{ entryUUID: 'e', uniqueId: 'u' }],
    transaction: 'ITI-62',
  },
  'audit.record-submitted': {
    messageId: 'c0ffee00-1234-4abc-9def-0123456789ab',
    xml: '<AuditMessage/>',
    sourceId: 'registry',
    receivedAt: '2026-11-25T10:00:00.000Z',
  },
  'audit.records-submitted': {
    records: [
      {
        messageId: 'c0ffee00-1234-4abc-9def-0123456789ab',
        xml: '<AuditMessage/>',
        sourceId: 'registry',
        receivedAt: '2026-11-25T10:00:00.000Z',
      },
      {
        messageId: 'c0ffee00-1234-4abc-9def-0123456789ac',
        xml: '<AuditMessage/>',
        sourceId: 'registry',
        receivedAt: '2026-11-25T10:00:00.001Z',
      },
    ],
  },
};

function validate(file: string, payload: unknown): boolean {
  const schema = schemas.get(file);
  if (!schema) throw new Error(`missing ${file}`);
  return ajv.validate(schema, payload);
}

describe('schemas/bus', () => {
  it('has exactly one schema per catalogue payload, titled with its type name', () => {
    const expected = expectedFiles();
    expect([...schemas.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [file, type] of expected) expect(schemas.get(file)?.title, file).toBe(type);
  });

  it('accepts the payloads the catalogue types describe', () => {
    for (const [subject, p] of Object.entries(requests)) {
      expect(validate(`${subject}.request.schema.json`, p.request), ajv.errorsText()).toBe(true);
      expect(validate(`${subject}.reply.schema.json`, p.reply), ajv.errorsText()).toBe(true);
    }
    expect(validate('mpi.resolve.reply.schema.json', { found: false })).toBe(true);
    for (const [subject, payload] of Object.entries(events)) {
      expect(validate(`${subject}.schema.json`, payload), `${subject}: ${ajv.errorsText()}`).toBe(true);
    }
  });

  it('rejects malformed payloads', () => {
    expect(
      validate('mpi.patient-merged.schema.json', {
        ...events['mpi.patient-merged'],
        survivingId: { id: 'x' },
      }),
    ).toBe(false);
    expect(
      validate('audit.record-submitted.schema.json', { ...events['audit.record-submitted'], extra: 1 }),
    ).toBe(false);
    expect(validate('audit.records-submitted.schema.json', { records: [] })).toBe(false);
    expect(
      validate('audit.records-submitted.schema.json', {
        records: [{ ...events['audit.record-submitted'], xml: '' }],
      }),
    ).toBe(false);
    expect(validate('registry.register.reply.schema.json', { responseXml: '<x/>', status: 'Done' })).toBe(
      false,
    );
    expect(validate('mpi.resolve.reply.schema.json', { found: true })).toBe(false);
  });
});
