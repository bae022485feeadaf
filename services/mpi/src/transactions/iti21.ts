/**
 * ITI-21 Patient Demographics Query: PDQ Consumer -> PDQ Supplier (ITI TF-2 3.21, QBP^Q22 /
 * RSP^K22, HL7 v2.5), with incremental responses (RCP-2 quantity limit, DSC continuation
 * pointer) and cancel (QCN^J01, ITI TF-2 3.21.4.3).
 */
import { buildAck, buildQueryResponse, hl7Error, segment } from '@mesh/hl7v2';
import type { Hl7Issue, Hl7Message } from '@mesh/hl7v2';
import type { PatientIdentifier } from '@mesh/bus';
import { MpiError } from '../model.js';
import type { PdqCriteria, SourceIdentifier } from '../model.js';
import { issueOf } from './context.js';
import type { Hl7Deps } from './context.js';
import { hl7Date, pidSegment } from './pid.js';

export interface Iti21Result {
  readonly reply: Hl7Message;
  readonly issues: readonly Hl7Issue[];
  readonly patientIds: readonly string[];
}

const K22 = ['RSP', 'K22', 'RSP_K21'] as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * QPD-3 query parameters (QIP: `@PID.5.1.1^MOORE`) to criteria. Returns the index (0-based)
 * of the first parameter the supplier does not support, so the answer can point at it.
 */
export function criteriaOf(msg: Hl7Message): {
  criteria: PdqCriteria;
  unsupported?: { index: number; name: string };
} {
  const c: Mutable<PdqCriteria> = {};
  const id: { id?: string; assigningAuthority?: string; namespaceId?: string } = {};
  const reps = msg.segment('QPD')?.repetitions(3) ?? [];
  for (let i = 0; i < reps.length; i++) {
    const r = reps[i];
    if (!r) continue;
    const name = r.get(1).replace(/^@/, '');
    const value = r.get(2);
    switch (name) {
      case 'PID.3.1':
        id.id = value;
        break;
      case 'PID.3.4.1':
        id.namespaceId = value;
        break;
      case 'PID.3.4.2':
        id.assigningAuthority = value;
        break;
      case 'PID.3.4.3':
      case 'PID.3.5':
        break;
      case 'PID.5.1':
      case 'PID.5.1.1':
        c.family = value;
        break;
      case 'PID.5.2':
        c.given = value;
        break;
      case 'PID.6.1':
      case 'PID.6.1.1':
        c.mothersMaidenName = value;
        break;
      case 'PID.7':
      case 'PID.7.1': {
        const d = hl7Date(value);
        if (d) c.birthDate = d;
        else return { criteria: c, unsupported: { index: i, name } };
        break;
      }
      case 'PID.8':
        c.sex = value;
        break;
      case 'PID.11.1':
      case 'PID.11.1.1':
        c.street = value;
        break;
      case 'PID.11.3':
        c.city = value;
        break;
      case 'PID.11.5':
        c.postalCode = value;
        break;
      case 'PID.11.6':
        c.country = value;
        break;
      default:
        return { criteria: c, unsupported: { index: i, name } };
    }
  }
  if (id.id) c.identifier = id as SourceIdentifier;
  return { criteria: c };
}

/** Handles QBP^Q22 (query or continuation) and QCN^J01 (cancel). */
export async function handleIti21(msg: Hl7Message, deps: Hl7Deps): Promise<Iti21Result> {
  if (msg.messageType.code === 'QCN') {
    const tag = msg.segment('QID')?.get(1) ?? '';
    if (tag === '') {
      const issues = [hl7Error('101', 'QID-1 query tag is missing', 'QID-1')];
      return { reply: buildAck(msg, deps.responder, { issues, version: '2.5' }), issues, patientIds: [] };
    }
    await deps.mpi.cancelQuery(tag);
    return {
      reply: buildAck(msg, deps.responder, { issues: [], version: '2.5' }),
      issues: [],
      patientIds: [],
    };
  }
  const qpd = msg.segment('QPD');
  const fail = (issues: Hl7Issue[], status: 'AE' | 'AR' = 'AE'): Iti21Result => ({
    reply: buildQueryResponse(msg, deps.responder, { messageType: K22, issues, status, body: [] }),
    issues,
    patientIds: [],
  });
  const tag = qpd?.get(2) ?? '';
  if (tag === '') return fail([hl7Error('101', 'QPD-2 query tag is missing', 'QPD-2')]);
  const { criteria, unsupported } = criteriaOf(msg);
  if (unsupported)
    return fail([
      hl7Error('103', `query parameter @${unsupported.name} is not supported`, {
        segment: 'QPD',
        sequence: 1,
        field: 3,
        repetition: unsupported.index + 1,
        component: 1,
      }),
    ]);
  const domains: SourceIdentifier[] = (qpd?.repetitions(8) ?? []).map((r) => ({
    id: '',
    ...(r.get(4, 2) ? { assigningAuthority: r.get(4, 2) } : {}),
    ...(r.get(4, 1) ? { namespaceId: r.get(4, 1) } : {}),
  }));
  const rcp = msg.segment('RCP');
  const qty = Number(rcp?.get(2, 1) ?? '');
  const unit = rcp?.get(2, 2) || 'RD';
  const limit = Number.isInteger(qty) && qty > 0 && unit === 'RD' ? qty : undefined;
  const pointer = msg.segment('DSC')?.get(1) || undefined;
  try {
    const r = await deps.mpi.pdqQuery(criteria, {
      targetDomains: domains,
      ...(limit === undefined ? {} : { limit }),
      ...(pointer === undefined ? {} : { continuation: pointer }),
      queryTag: tag,
    });
    const cx = (i: PatientIdentifier): string => `${i.id}^^^&${i.assigningAuthority}&ISO`;
    const body = r.patients.map((p, i) => pidSegment(i + 1, p.identifiers, p.demographics, deps.namespaceOf));
    if (r.continuation) body.push(segment('DSC', r.continuation, 'I'));
    return {
      reply: buildQueryResponse(msg, deps.responder, {
        messageType: K22,
        issues: [],
        status: r.patients.length === 0 ? 'NF' : 'OK',
        body,
        counts: {
          total: r.patients.length + r.remaining,
          payload: r.patients.length,
          remaining: r.remaining,
        },
      }),
      issues: [],
      patientIds: r.patients.flatMap((p) => p.identifiers.map(cx)),
    };
  } catch (err) {
    if (!(err instanceof MpiError)) throw err;
    return fail([
      issueOf(err, (t) =>
        t === 'targetDomains'
          ? { segment: 'QPD', field: 8 }
          : t === 'criteria' && pointer
            ? { segment: 'DSC', field: 1 }
            : { segment: 'QPD', field: 3 },
      ),
    ]);
  }
}
