/**
 * The patient-facing view "who accessed my record": for each stored audit message naming the
 * patient, when, who (the user, and the organisation or system acting), what (the documents,
 * submission set or query concerned) and why (the XUA purpose of use). Pure.
 */
import { OBJECT_ROLE, OBJECT_TYPE, ROLE_ID } from '@mesh/audit';
import type { ActiveParticipant, AuditMessage, Coded } from '@mesh/audit';

export interface AccessEntry {
  readonly id: string;
  /** EventDateTime as recorded. */
  readonly when: string;
  /** C create, R read, U update, D delete, E execute (query). */
  readonly action?: string;
  readonly event: { readonly code: string; readonly display?: string };
  /** The IHE transaction (EventTypeCode), e.g. ITI-43 Retrieve Document Set. */
  readonly transaction?: { readonly code: string; readonly display?: string };
  readonly outcome: number;
  readonly who: {
    readonly userId: string;
    readonly userName?: string;
    readonly roles: readonly { code: string; system: string; display?: string }[];
  };
  /** The organisation, or failing that the system, the user acted through. */
  readonly organisation: {
    readonly id: string;
    readonly name?: string;
    readonly kind: 'organisation' | 'system';
  };
  readonly what: readonly {
    readonly type: string;
    readonly id?: string;
    readonly repositoryUniqueId?: string;
  }[];
  readonly why: readonly { code: string; system: string; display?: string }[];
  /** AuditSourceID of the node that recorded the event. */
  readonly recordedBy: string;
}

const plain = (c: Coded): { code: string; system: string; display?: string } => ({
  code: c.csdCode,
  system: c.codeSystemName,
  ...(c.originalText === undefined ? {} : { display: c.originalText }),
});

const isMachineRole = (p: ActiveParticipant): boolean =>
  p.roleIdCodes.some(
    (r) =>
      r.codeSystemName === 'DCM' &&
      [ROLE_ID.source.csdCode, ROLE_ID.destination.csdCode, ROLE_ID.application.csdCode].includes(r.csdCode),
  );

/** XSPA organization attributes, as XUA-aware senders label an organisation participant. */
const isOrganisation = (p: ActiveParticipant): boolean =>
  p.roleIdCodes.some((r) => /organi[sz]ation/i.test(`${r.csdCode} ${r.codeSystemName}`));

const decode = (v: string): string => Buffer.from(v, 'base64').toString('utf8');

export function toAccessEntry(id: string, m: AuditMessage): AccessEntry {
  const e = m.eventIdentification;
  const people = m.activeParticipants.filter((p) => !isMachineRole(p) && !isOrganisation(p));
  const human = people.find((p) => p.userIsRequestor) ?? people[0];
  const requestor = human ?? m.activeParticipants.find((p) => p.userIsRequestor) ?? m.activeParticipants[0]!;
  const org = m.activeParticipants.find(isOrganisation);
  const source = m.activeParticipants.find((p) =>
    p.roleIdCodes.some((r) => r.csdCode === ROLE_ID.source.csdCode),
  );
  const organisation = org
    ? {
        id: org.userId,
        ...(org.userName === undefined ? {} : { name: org.userName }),
        kind: 'organisation' as const,
      }
    : {
        id: (source ?? requestor).userId,
        ...((source ?? requestor).networkAccessPointId === undefined
          ? {}
          : { name: (source ?? requestor).networkAccessPointId }),
        kind: 'system' as const,
      };
  const what = m.participantObjects
    .filter(
      (o) =>
        !(
          o.participantObjectTypeCode === OBJECT_TYPE.person &&
          o.participantObjectTypeCodeRole === OBJECT_ROLE.patient
        ),
    )
    .map((o) => {
      const repo = o.participantObjectDetails.find((d) => d.type === 'Repository Unique Id');
      const type =
        o.participantObjectTypeCodeRole === OBJECT_ROLE.report
          ? 'document'
          : o.participantObjectTypeCodeRole === OBJECT_ROLE.query
            ? 'query'
            : o.participantObjectTypeCodeRole === OBJECT_ROLE.job
              ? 'submission-set'
              : (o.participantObjectIdTypeCode.originalText ?? o.participantObjectIdTypeCode.csdCode);
      return {
        type,
        ...(o.participantObjectId === undefined ? {} : { id: o.participantObjectId }),
        ...(repo === undefined ? {} : { repositoryUniqueId: decode(repo.value) }),
      };
    });
  const subtype = e.eventTypeCodes[0];
  return {
    id,
    when: e.eventDateTime,
    ...(e.eventActionCode === undefined ? {} : { action: e.eventActionCode }),
    event: {
      code: e.eventId.csdCode,
      ...(e.eventId.originalText === undefined ? {} : { display: e.eventId.originalText }),
    },
    ...(subtype === undefined
      ? {}
      : {
          transaction: {
            code: subtype.csdCode,
            ...(subtype.originalText === undefined ? {} : { display: subtype.originalText }),
          },
        }),
    outcome: e.eventOutcomeIndicator,
    who: {
      userId: requestor.userId,
      ...(requestor.userName === undefined ? {} : { userName: requestor.userName }),
      roles: human ? human.roleIdCodes.map(plain) : [],
    },
    organisation,
    what,
    why: (e.purposesOfUse ?? []).map(plain),
    recordedBy: m.auditSourceIdentification.auditSourceId,
  };
}
