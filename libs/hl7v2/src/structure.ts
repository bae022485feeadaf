/**
 * Message structure checks of the IHE HL7v2 transactions (ITI TF-2 3.8.4, 3.9.4, 3.10.4,
 * 3.21.4): accepted MSH-9 message type / trigger / structure, the HL7 version each
 * transaction is defined in (see {@link PROFILES}), and the required segments in order. Segments a profile does not name
 * (Z-segments, NK1, OBX...) are tolerated.
 */
import { hl7Error } from './errors.js';
import type { Hl7Issue } from './errors.js';
import type { Hl7Message } from './message.js';

/** A segment of a message grammar: required or optional, repeating or not. */
export interface SegmentRule {
  readonly name: string;
  readonly required: boolean;
}

/** One accepted event of a transaction. */
export interface EventRule {
  readonly code: string;
  readonly trigger: string;
  /** MSH-9.3 message structure; required in v2.5, optional in v2.3.1 (must match when sent). */
  readonly structure: string;
  readonly segments: readonly SegmentRule[];
}

/** What a transaction accepts. */
export interface MessageProfile {
  readonly transaction: 'ITI-8' | 'ITI-9' | 'ITI-10' | 'ITI-21';
  /** MSH-12 values accepted. */
  readonly versions: readonly string[];
  /** The version replies are written in. */
  readonly replyVersion: string;
  readonly events: readonly EventRule[];
}

const req = (name: string): SegmentRule => ({ name, required: true });
const opt = (name: string): SegmentRule => ({ name, required: false });

const ADT_A01 = [req('MSH'), req('EVN'), req('PID'), opt('PD1'), req('PV1')];

/**
 * ITI-8 Patient Identity Feed is HL7 v2.3.1 (ITI TF-2 3.8.4: A01, A04, A05, A08, A40);
 * ITI-9 PIX Query and ITI-21 PDQ are HL7 v2.5 (ITI TF-2 3.9.4, 3.21.4; v2.5.1 is
 * accepted as a compatible revision); ITI-10 PIX Update Notification is HL7 v2.5 ADT^A31.
 */
export const PROFILES: Readonly<Record<MessageProfile['transaction'], MessageProfile>> = Object.freeze({
  'ITI-8': {
    transaction: 'ITI-8',
    versions: ['2.3.1'],
    replyVersion: '2.3.1',
    events: [
      { code: 'ADT', trigger: 'A01', structure: 'ADT_A01', segments: ADT_A01 },
      { code: 'ADT', trigger: 'A04', structure: 'ADT_A01', segments: ADT_A01 },
      { code: 'ADT', trigger: 'A05', structure: 'ADT_A05', segments: ADT_A01 },
      { code: 'ADT', trigger: 'A08', structure: 'ADT_A01', segments: ADT_A01 },
      {
        code: 'ADT',
        trigger: 'A40',
        structure: 'ADT_A39',
        segments: [req('MSH'), req('EVN'), req('PID'), opt('PD1'), req('MRG'), opt('PV1')],
      },
    ],
  },
  'ITI-9': {
    transaction: 'ITI-9',
    versions: ['2.5', '2.5.1'],
    replyVersion: '2.5',
    events: [
      { code: 'QBP', trigger: 'Q23', structure: 'QBP_Q21', segments: [req('MSH'), req('QPD'), req('RCP')] },
    ],
  },
  'ITI-21': {
    transaction: 'ITI-21',
    versions: ['2.5', '2.5.1'],
    replyVersion: '2.5',
    events: [
      {
        code: 'QBP',
        trigger: 'Q22',
        structure: 'QBP_Q21',
        segments: [req('MSH'), req('QPD'), req('RCP'), opt('DSC')],
      },
      // ITI TF-2 3.21.4.3: Cancel Query.
      { code: 'QCN', trigger: 'J01', structure: 'QCN_J01', segments: [req('MSH'), req('QID')] },
    ],
  },
  'ITI-10': {
    transaction: 'ITI-10',
    versions: ['2.5', '2.5.1'],
    replyVersion: '2.5',
    events: [
      {
        code: 'ADT',
        trigger: 'A31',
        structure: 'ADT_A05',
        segments: [req('MSH'), req('EVN'), req('PID'), req('PV1')],
      },
    ],
  },
});

/** Which transaction an incoming message belongs to, from MSH-9 (undefined: none of ours). */
export function transactionOf(msg: Hl7Message): MessageProfile['transaction'] | undefined {
  const { code, trigger } = msg.messageType;
  if (code === 'ADT' && trigger === 'A31') return 'ITI-10';
  if (code === 'ADT') return 'ITI-8';
  if (code === 'QBP' && trigger === 'Q23') return 'ITI-9';
  if ((code === 'QBP' && trigger === 'Q22') || code === 'QCN') return 'ITI-21';
  return undefined;
}

/**
 * Checks a message against a profile: MSH-9 (200 unsupported message type, 201 unsupported
 * event code), MSH-12 (203 unsupported version id), MSH-10 present (101), then required
 * segments in order (100 segment sequence error). Returns no issue when it conforms.
 */
export function checkStructure(msg: Hl7Message, profile: MessageProfile): Hl7Issue[] {
  const { code, trigger, structure } = msg.messageType;
  if (msg.controlId === '') return [hl7Error('101', 'MSH-10 message control id is missing', 'MSH-10')];
  const sameCode = profile.events.filter((e) => e.code === code);
  if (sameCode.length === 0)
    return [hl7Error('200', `message type ${code} is not supported by ${profile.transaction}`, 'MSH-9.1')];
  const event = sameCode.find((e) => e.trigger === trigger);
  if (!event)
    return [
      hl7Error('201', `event ${code}^${trigger} is not supported by ${profile.transaction}`, 'MSH-9.2'),
    ];
  if (structure !== '' && structure !== event.structure)
    return [
      hl7Error(
        '200',
        `message structure ${structure} does not match ${code}^${trigger} (${event.structure})`,
        'MSH-9.3',
      ),
    ];
  if (!profile.versions.includes(msg.version))
    return [
      hl7Error(
        '203',
        `version ${msg.version || '(none)'} is not supported by ${profile.transaction}`,
        'MSH-12',
      ),
    ];
  const pid = msg.msh.get(11);
  if (pid !== '' && !['P', 'T', 'D'].includes(pid))
    return [hl7Error('202', `processing id ${pid} is not supported`, 'MSH-11')];
  let at = 0;
  const names = msg.segments.map((s) => s.name);
  for (const rule of event.segments) {
    const idx = names.indexOf(rule.name, at);
    if (idx < 0) {
      if (rule.required)
        return [hl7Error('100', `required segment ${rule.name} is missing or out of order`, rule.name)];
      continue;
    }
    at = idx + 1;
  }
  return [];
}
