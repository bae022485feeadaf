/** ITI-8 Patient Identity Feed: Patient Identity Source -> PIX Manager (ITI TF-2 3.8, HL7 v2.3.1). */
import { buildAck, hl7Error } from '@mesh/hl7v2';
import type { Hl7Issue, Hl7Message } from '@mesh/hl7v2';
import { MpiError } from '../model.js';
import type { FeedCommand, FeedResult } from '../model.js';
import { issueOf } from './context.js';
import type { Hl7Deps } from './context.js';
import { demographicsOf, identifiersOf } from './pid.js';

/** What the ITI-8 handler did, for the audit record. */
export interface Iti8Result {
  readonly reply: Hl7Message;
  readonly issues: readonly Hl7Issue[];
  readonly result?: FeedResult;
  readonly action?: FeedCommand['action'];
  /** CX of the patient (and for merges the prior patient) as sent. */
  readonly patientIds: readonly string[];
}

const ACTIONS: Readonly<Record<string, FeedCommand['action']>> = {
  A01: 'add',
  A04: 'add',
  A05: 'add',
  A08: 'revise',
  A40: 'merge',
};

/**
 * Handles an ITI-8 message whose structure was already checked: maps PID (and MRG for A40)
 * to a feed command, runs it, and acknowledges after commit (AA), or with AE and ERR per
 * refused field (101 required field missing, 204 unknown assigning authority / patient).
 */
export async function handleIti8(msg: Hl7Message, deps: Hl7Deps): Promise<Iti8Result> {
  const trigger = msg.messageType.trigger;
  const action = ACTIONS[trigger] as FeedCommand['action'];
  const pid = msg.segment('PID');
  const mrg = msg.segment('MRG');
  const ids = identifiersOf(pid, 3);
  const priors = identifiersOf(mrg, 1);
  const patientIds = [
    pid?.raw(3).split(msg.delimiters.repetition)[0] ?? '',
    ...(mrg ? [mrg.raw(1).split(msg.delimiters.repetition)[0] ?? ''] : []),
  ].filter((x) => x !== '');
  const nak = (issues: Hl7Issue[]): Iti8Result => ({
    reply: buildAck(msg, deps.responder, { issues, version: '2.3.1' }),
    issues,
    action,
    patientIds,
  });
  if (ids.length === 0) return nak([hl7Error('101', 'PID-3 patient identifier list is empty', 'PID-3')]);
  if (action === 'merge' && priors.length === 0)
    return nak([hl7Error('101', 'MRG-1 prior patient identifier list is empty', 'MRG-1')]);
  const demographics = pid ? demographicsOf(pid) : { names: [] };
  if (action !== 'merge' && demographics.names.length === 0)
    return nak([hl7Error('101', 'PID-5 patient name is missing', 'PID-5')]);
  try {
    const result = await deps.mpi.feed({
      action,
      identifiers: ids.map((i) => i.id),
      demographics,
      ...(action === 'merge' ? { priorIdentifiers: priors.map((i) => i.id) } : {}),
      actor: { id: `${msg.msh.get(3)}|${msg.msh.get(4)}`, transaction: 'ITI-8' },
    });
    return {
      reply: buildAck(msg, deps.responder, { issues: [], version: '2.3.1' }),
      issues: [],
      result,
      action,
      patientIds,
    };
  } catch (err) {
    if (!(err instanceof MpiError)) throw err;
    return nak([
      issueOf(err, (t) =>
        t === 'identifiers'
          ? { segment: 'PID', field: 3, repetitions: ids.map((i) => i.repetition) }
          : t === 'priorIdentifiers'
            ? { segment: 'MRG', field: 1, repetitions: priors.map((i) => i.repetition) }
            : t === 'demographics'
              ? { segment: 'PID', field: 5 }
              : undefined,
      ),
    ]);
  }
}
