/**
 * A broad, deterministic set of audit inputs for the differential test
 * (differential.test.ts): every transaction the builders know, both sides, every outcome,
 * optional fields present and absent, strings that need escaping or replacing (markup
 * characters, quotes, TAB/LF/CR, C0 controls, lone surrogates, U+FFFE, non-ASCII and
 * astral characters), raw and base64 queries, invalid models; plus hand-built models with
 * the parts no builder writes (DICOM object descriptions, MediaType, displayName) and the
 * Secure Node's own events. Test support only (not exported by the package).
 */
import type { Coded as CoreCoded, Principal } from '@mesh/core';
import { auditSource, buildTransactionAudit, TRANSACTION_AUDITS } from './builders.js';
import type { AuditedTransaction, DocumentRef, Party, TransactionAuditInput } from './builders.js';
import { AUDIT_SOURCE_TYPE } from './codes.js';
import type { AuditMessage, Coded, ParticipantObjectIdentification } from './model.js';
import {
  applicationActivityAudit,
  nodeAuthenticationFailureAudit,
  userAuthenticationAudit,
} from './security-events.js';

/** mulberry32: a small seeded PRNG, so the cases are the same on every run and Node version. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings an audit field may carry, from plain to hostile. */
export const AWKWARD_STRINGS: readonly string[] = [
  'plain',
  '',
  ' ',
  'a"b<c>&d',
  'it\'s <b>&amp;</b> "quoted"',
  '&&&<<<>>>"""',
  'tab\there',
  'line\nfeed',
  'carriage\rreturn\r\n',
  ']]>',
  '<![CDATA[x]]>',
  'nul\u0000bell\u0007esc\u001b',
  'vt\u000bff\u000c',
  'lone high \ud800 end',
  'lone low \udc00 start',
  'pair \ud83d\ude00 ok',
  '\ud800',
  '\udfff',
  'noncharacters \ufffe \uffff',
  'Müller-Lüdenscheidt Ærø',
  '李小龙',
  'Ω≈ç√∫',
  'del\u007f and c1 \u0085\u009f',
  'x'.repeat(300),
  '&'.repeat(40),
  'mixed &\t<\n>\r"\u0001\ud800é',
];

const CX_IDS: readonly string[] = [
  '1234567890^^^&1.2.442.0.1&ISO',
  'P000123^^^HOSPITAL_A&1.2.442.0.1.1&ISO',
  'A&B<C>^^^&1.2.3&ISO',
];

const ADDRESSES: readonly string[] = [
  '10.1.2.3',
  '::1',
  '[fe80::1%eth0]',
  'mpi-7d9f6c5b8-x2x4q',
  'https://registry.mesh.example/xds/iti18',
  'urn:not-a-url',
  '999.1.1.1',
  'host"name&',
];

const DATES: readonly (Date | string)[] = [
  new Date('2026-11-25T20:15:00.123Z'),
  new Date(0),
  new Date('1999-12-31T23:59:59.999Z'),
  '2026-11-25T21:15:00+01:00',
  '2026-11-25T20:15:00Z',
  '2026-11-25T20:15:00.1234567Z',
  '2026-11-25T20:15:00',
];

type Rand = () => number;

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const maybe = (r: Rand, p = 0.5): boolean => r() < p;
const str = (r: Rand): string => pick(r, AWKWARD_STRINGS);

function coreCoded(r: Rand): CoreCoded {
  const c: { code: string; codeSystem: string; displayName?: string } = {
    code: maybe(r) ? 'TREATMENT' : str(r),
    codeSystem: maybe(r) ? '2.16.840.1.113883.3.18.7.1' : str(r),
  };
  if (maybe(r, 0.7)) c.displayName = str(r);
  return c;
}

function principal(r: Rand): Principal | undefined {
  switch (Math.floor(r() * 5)) {
    case 0:
      return undefined;
    case 1:
      return maybe(r) ? { kind: 'anonymous' } : { kind: 'anonymous', peer: str(r) };
    case 2:
      return { kind: 'system', service: str(r) };
    default: {
      const nameId = maybe(r) ? 'anne.muller@hospital.example' : str(r);
      const roles = Array.from({ length: Math.floor(r() * 3) }, () => coreCoded(r));
      return {
        kind: 'user',
        subjectId: maybe(r, 0.3) ? nameId : str(r),
        nameId,
        roles,
        ...(maybe(r) && { purposeOfUse: coreCoded(r) }),
        assertionId: '_a1',
      };
    }
  }
}

function party(r: Rand): Party {
  return {
    userId: maybe(r) ? 'PIXCONSUMER|HOSPITAL_A' : str(r),
    ...(maybe(r) && { altUserId: maybe(r) ? '4711' : str(r) }),
    ...(maybe(r, 0.3) && { userName: str(r) }),
    ...(maybe(r, 0.7) && { networkAccessPoint: maybe(r, 0.8) ? pick(r, ADDRESSES) : str(r) }),
  };
}

function documents(r: Rand): DocumentRef[] {
  return Array.from({ length: Math.floor(r() * 4) }, (_, i) => ({
    uniqueId: maybe(r, 0.8) ? `1.2.442.0.9.2.${i}` : str(r),
    repositoryUniqueId: maybe(r, 0.8) ? '1.2.442.0.9.1' : str(r),
    ...(maybe(r) && { homeCommunityId: maybe(r) ? 'urn:oid:1.2.442.0.9' : str(r) }),
  }));
}

function queryText(r: Rand): string | Uint8Array {
  const text = maybe(r) ? `<query:AdhocQueryRequest id="${str(r)}"/>` : str(r);
  return maybe(r, 0.3) ? new TextEncoder().encode(text) : text;
}

const TRANSACTIONS = Object.keys(TRANSACTION_AUDITS) as AuditedTransaction[];
const OUTCOMES = ['Success', 'PartialSuccess', 'Failure', 0, 4, 8, 12] as const;

function transactionInput(r: Rand, transaction: AuditedTransaction): TransactionAuditInput {
  const outcome = maybe(r, 0.6) ? 'Success' : pick(r, OUTCOMES);
  return {
    transaction,
    side: maybe(r) ? 'responder' : 'initiator',
    outcome,
    ...(maybe(r, 0.3) && { outcomeDescription: str(r) }),
    eventDateTime: pick(r, DATES),
    initiator: party(r),
    responder: party(r),
    ...((p) => (p === undefined ? {} : { principal: p }))(principal(r)),
    auditSource: maybe(r)
      ? auditSource('ihe-mesh', maybe(r) ? 'LU' : undefined)
      : auditSource(str(r), maybe(r) ? str(r) : undefined, pick(r, Object.values(AUDIT_SOURCE_TYPE))),
    ...(maybe(r, 0.15) && { action: pick(r, ['C', 'R', 'U', 'D', 'E'] as const) }),
    ...(maybe(r, 0.8) && { patientId: maybe(r, 0.8) ? pick(r, CX_IDS) : str(r) }),
    ...(maybe(r, 0.3) && {
      patientIds: Array.from({ length: Math.floor(r() * 3) }, () => pick(r, CX_IDS)),
    }),
    ...(maybe(r, 0.7) && { submissionSetUniqueId: maybe(r) ? '1.2.442.0.9.3.1' : str(r) }),
    ...(maybe(r, 0.7) && { documents: documents(r) }),
    ...(maybe(r, 0.7) && {
      query: {
        storedQueryId: maybe(r) ? 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d' : str(r),
        ...(maybe(r, 0.3) && { homeCommunityId: str(r) }),
        ...(maybe(r, 0.3) && { encoding: maybe(r) ? 'ISO-8859-1' : str(r) }),
        ...(maybe(r, 0.3) && { transaction: pick(r, ['ITI-18', 'ITI-38'] as const) }),
        ...(maybe(r, 0.3) ? { queryBase64: maybe(r) ? 'PHEvPg==' : str(r) } : { query: queryText(r) }),
      },
    }),
    ...(maybe(r, 0.7) && {
      hl7Query: {
        ...(maybe(r) && { queryId: maybe(r) ? 'Q-20261125-42' : str(r) }),
        ...(maybe(r, 0.3) ? { queryBase64: maybe(r) ? 'UVBEfA==' : str(r) } : { query: queryText(r) }),
      },
    }),
    ...(maybe(r, 0.6) && { messageId: maybe(r) ? 'MSG-000042' : str(r) }),
    ...(maybe(r, 0.4) && {
      removedObjectIds: Array.from({ length: Math.floor(r() * 3) }, () =>
        maybe(r) ? 'urn:uuid:0b8c8f2e-1e0a-4b8f-9a4c-1d2e3f405162' : str(r),
      ),
    }),
  };
}

/** One case: a name and the function whose result (or error) the test fingerprints. */
export interface DifferentialCase {
  readonly name: string;
  readonly run: () => AuditMessage;
}

/** buildTransactionAudit inputs: `perTransaction` random ones for every transaction. */
export function transactionCases(perTransaction = 40): DifferentialCase[] {
  const cases: DifferentialCase[] = [];
  for (const [t, transaction] of TRANSACTIONS.entries()) {
    const r = prng(0x5eed + t);
    for (let i = 0; i < perTransaction; i++) {
      const input = transactionInput(r, transaction);
      cases.push({ name: `${transaction}#${i}`, run: () => buildTransactionAudit(input) });
    }
  }
  return cases;
}

function coded(r: Rand): Coded {
  return {
    csdCode: str(r),
    codeSystemName: str(r),
    ...(maybe(r) && { originalText: str(r) }),
    ...(maybe(r) && { displayName: str(r) }),
  };
}

function object(r: Rand): ParticipantObjectIdentification {
  const nameOrQuery = Math.floor(r() * 4);
  return {
    ...(maybe(r, 0.8) && { participantObjectId: str(r) }),
    ...(maybe(r) && { participantObjectTypeCode: pick(r, [1, 2, 3, 4] as const) }),
    ...(maybe(r) && { participantObjectTypeCodeRole: pick(r, [1, 3, 20, 24, 0, 25, 2.5]) }),
    ...(maybe(r, 0.3) && { participantObjectDataLifeCycle: pick(r, [1, 14, 15, 16]) }),
    participantObjectIdTypeCode: coded(r),
    ...(maybe(r, 0.3) && { participantObjectSensitivity: str(r) }),
    ...(nameOrQuery === 1 && { participantObjectName: str(r) }),
    ...(nameOrQuery === 2 && { participantObjectQuery: str(r) }),
    ...(nameOrQuery === 3 &&
      maybe(r, 0.2) && { participantObjectName: str(r), participantObjectQuery: str(r) }),
    participantObjectDetails: Array.from({ length: Math.floor(r() * 3) }, () => ({
      type: str(r),
      value: str(r),
    })),
    ...(maybe(r, 0.4) && {
      participantObjectDescriptions: Array.from({ length: 1 + Math.floor(r() * 2) }, () => ({
        mppsUids: Array.from({ length: Math.floor(r() * 2) }, () => str(r)),
        accessionNumbers: Array.from({ length: Math.floor(r() * 2) }, () => str(r)),
        sopClasses: Array.from({ length: Math.floor(r() * 3) }, () => ({
          ...(maybe(r) && { uid: str(r) }),
          numberOfInstances: Math.floor(r() * 5),
          instanceUids: Array.from({ length: Math.floor(r() * 3) }, () => str(r)),
        })),
        ...(maybe(r) && { studyUids: Array.from({ length: Math.floor(r() * 3) }, () => str(r)) }),
        ...(maybe(r) && { encrypted: maybe(r) }),
        ...(maybe(r) && { anonymized: maybe(r) }),
      })),
    }),
  };
}

/** Hand-built models: every element and attribute toAuditXml can write, and invalid ones. */
export function modelCases(count = 200): DifferentialCase[] {
  const r = prng(0xa0d17);
  const cases: DifferentialCase[] = [];
  for (let i = 0; i < count; i++) {
    const message: AuditMessage = {
      eventIdentification: {
        eventId: coded(r),
        ...(maybe(r, 0.8) && { eventActionCode: pick(r, ['C', 'R', 'U', 'D', 'E'] as const) }),
        eventDateTime: maybe(r, 0.9) ? '2026-11-25T20:15:00.123Z' : str(r),
        eventOutcomeIndicator: maybe(r, 0.9) ? pick(r, [0, 4, 8, 12] as const) : (pick(r, [1, 13]) as 0),
        eventTypeCodes: Array.from({ length: Math.floor(r() * 3) }, () => coded(r)),
        ...(maybe(r, 0.3) && { eventOutcomeDescription: str(r) }),
        ...(maybe(r, 0.3) && { purposesOfUse: Array.from({ length: Math.floor(r() * 3) }, () => coded(r)) }),
      },
      activeParticipants: Array.from({ length: maybe(r, 0.05) ? 0 : 1 + Math.floor(r() * 3) }, () => ({
        userId: str(r),
        ...(maybe(r) && { alternativeUserId: str(r) }),
        ...(maybe(r) && { userName: str(r) }),
        userIsRequestor: maybe(r),
        roleIdCodes: Array.from({ length: Math.floor(r() * 3) }, () => coded(r)),
        ...(maybe(r) && { networkAccessPointId: str(r) }),
        ...(maybe(r) && { networkAccessPointTypeCode: pick(r, [1, 2, 3, 4, 5] as const) }),
        ...(maybe(r, 0.2) && { mediaType: coded(r) }),
      })),
      auditSourceIdentification: {
        auditSourceId: str(r),
        ...(maybe(r) && { auditEnterpriseSiteId: str(r) }),
        ...(maybe(r, 0.7) && {
          auditSourceTypeCodes: Array.from({ length: Math.floor(r() * 3) }, () => ({
            csdCode: str(r),
            ...(maybe(r) && { codeSystemName: str(r) }),
            ...(maybe(r) && { originalText: str(r) }),
            ...(maybe(r) && { displayName: str(r) }),
          })),
        }),
      },
      participantObjects: Array.from({ length: Math.floor(r() * 4) }, () => object(r)),
    };
    cases.push({ name: `model#${i}`, run: () => message });
  }
  return cases;
}

/** The Secure Node's own events (security-events.ts), which share the builders' participants. */
export function securityEventCases(count = 30): DifferentialCase[] {
  const r = prng(0x5ec);
  const cases: DifferentialCase[] = [];
  for (let i = 0; i < count; i++) {
    const source = auditSource(str(r), maybe(r) ? str(r) : undefined);
    const when = pick(r, DATES);
    const outcome = pick(r, [0, 4, 8, 12] as const);
    const a = party(r);
    const b = party(r);
    const flag = maybe(r);
    const withB = maybe(r);
    switch (i % 3) {
      case 0:
        cases.push({
          name: `application-activity#${i}`,
          run: () =>
            applicationActivityAudit({
              activity: flag ? 'start' : 'stop',
              eventDateTime: when,
              outcome,
              application: a,
              ...(withB && { launchers: [b] }),
              auditSource: source,
            }),
        });
        break;
      case 1: {
        const subject = maybe(r)
          ? { id: str(r), kind: maybe(r) ? ('uri' as const) : ('node' as const) }
          : undefined;
        const description = maybe(r) ? str(r) : undefined;
        cases.push({
          name: `node-authentication#${i}`,
          run: () =>
            nodeAuthenticationFailureAudit({
              eventDateTime: when,
              outcome,
              reporter: a,
              ...(withB && { peer: b }),
              ...(subject && { subject }),
              ...(description !== undefined && { description }),
              auditSource: source,
            }),
        });
        break;
      }
      default:
        cases.push({
          name: `user-authentication#${i}`,
          run: () =>
            userAuthenticationAudit({
              activity: flag ? 'login' : 'logout',
              eventDateTime: when,
              outcome,
              user: a,
              ...(withB && { authenticatingNode: b }),
              auditSource: source,
            }),
        });
    }
  }
  return cases;
}
