/** ITI-9 PIX Query: PIX Consumer -> PIX Manager (ITI TF-2 3.9, QBP^Q23 / RSP^K23, HL7 v2.5). */
import { buildQueryResponse, hl7Error } from '@mesh/hl7v2';
import type { Hl7Issue, Hl7Message } from '@mesh/hl7v2';
import type { PatientIdentifier } from '@mesh/bus';
import { MpiError } from '../model.js';
import type { SourceIdentifier } from '../model.js';
import { issueOf } from './context.js';
import type { Hl7Deps } from './context.js';
import { identifiersOf, pidSegment } from './pid.js';

export interface Iti9Result {
  readonly reply: Hl7Message;
  readonly issues: readonly Hl7Issue[];
  /** Every patient id of the query and its result, as CX, for the audit record. */
  readonly patientIds: readonly string[];
}

const K23 = ['RSP', 'K23', 'RSP_K23'] as const;

/**
 * QPD-3 is the queried identifier, QPD-4 the domains to return (ITI TF-2 3.9.4.1.2). Answers
 * (3.9.4.2.2.6): AA + QAK OK with one PID listing the cross-references; AA + NF when there
 * are none in the requested domains; AE + 204 at QPD-3 (unknown patient: component 1,
 * unknown authority: component 4) or at QPD-4 (unknown domain).
 */
export async function handleIti9(msg: Hl7Message, deps: Hl7Deps): Promise<Iti9Result> {
  const qpd = msg.segment('QPD');
  const queried = identifiersOf(qpd, 3)[0];
  const domains: SourceIdentifier[] = (qpd?.repetitions(4) ?? []).map((r) => ({
    id: '',
    ...(r.get(4, 2) ? { assigningAuthority: r.get(4, 2) } : {}),
    ...(r.get(4, 1) ? { namespaceId: r.get(4, 1) } : {}),
  }));
  const fail = (issues: Hl7Issue[]): Iti9Result => ({
    reply: buildQueryResponse(msg, deps.responder, { messageType: K23, issues, status: 'AE', body: [] }),
    issues,
    patientIds: qpd ? [qpd.raw(3)] : [],
  });
  if (qpd?.get(2) === '') return fail([hl7Error('101', 'QPD-2 query tag is missing', 'QPD-2')]);
  if (!queried) return fail([hl7Error('101', 'QPD-3 person identifier is missing', 'QPD-3')]);
  try {
    const r = await deps.mpi.pixQuery(queried.id, domains);
    const cx = (i: PatientIdentifier): string => `${i.id}^^^&${i.assigningAuthority}&ISO`;
    if (r.identifiers.length === 0)
      return {
        reply: buildQueryResponse(msg, deps.responder, {
          messageType: K23,
          issues: [],
          status: 'NF',
          body: [],
        }),
        issues: [],
        patientIds: [qpd?.raw(3) ?? ''],
      };
    return {
      reply: buildQueryResponse(msg, deps.responder, {
        messageType: K23,
        issues: [],
        status: 'OK',
        body: [pidSegment(1, r.identifiers, undefined, deps.namespaceOf)],
      }),
      issues: [],
      patientIds: [qpd?.raw(3) ?? '', ...r.identifiers.map(cx)],
    };
  } catch (err) {
    if (!(err instanceof MpiError)) throw err;
    return fail([
      issueOf(err, (t) =>
        t === 'targetDomains'
          ? { segment: 'QPD', field: 4 }
          : t === 'identifiers'
            ? { segment: 'QPD', field: 3, repetitions: [1] }
            : undefined,
      ),
    ]);
  }
}
