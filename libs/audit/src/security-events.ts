/**
 * The audit messages a Secure Node records about itself rather than about a transaction
 * (ITI TF-2 3.20.4.1.1.1 "Audit Record Trigger Events": actor start/stop, user login/logout,
 * node-authentication failure), in the DICOM PS3.15 A.5.3 shapes they use.
 */
import { activeParticipant as active, base64 } from './builders.js';
import type { Party } from './builders.js';
import {
  EVENT_ID,
  EVENT_TYPE,
  OBJECT_DETAIL_TYPE,
  OBJECT_ID_TYPE,
  OBJECT_ROLE,
  OBJECT_TYPE,
  ROLE_ID,
} from './codes.js';
import type { AuditMessage, AuditSourceIdentification, EventOutcomeIndicator } from './model.js';

const when = (t: Date | string): string => (typeof t === 'string' ? t : t.toISOString());

export interface ApplicationActivityInput {
  readonly activity: 'start' | 'stop';
  readonly eventDateTime: Date | string;
  /** Default 0: the start or stop succeeded. */
  readonly outcome?: EventOutcomeIndicator;
  /** The application started or stopped: UserID its name, altUserId its process id. */
  readonly application: Party;
  /** Who or what launched it (an operator, the orchestrator), when known. */
  readonly launchers?: readonly Party[];
  readonly auditSource: AuditSourceIdentification;
}

/**
 * Application Activity (DICOM PS3.15 A.5.3.1; ITI TF-2 3.20.4.1.1.1 "Actor-start-stop"):
 * EventID 110100, EventActionCode E, EventTypeCode 110120 Application Start or 110121
 * Application Stop; the application (RoleIDCode 110150, not the requestor) and any
 * launchers (110151, requestors).
 */
export function applicationActivityAudit(input: ApplicationActivityInput): AuditMessage {
  return {
    eventIdentification: {
      eventId: EVENT_ID.applicationActivity,
      eventActionCode: 'E',
      eventDateTime: when(input.eventDateTime),
      eventOutcomeIndicator: input.outcome ?? 0,
      eventTypeCodes: [input.activity === 'start' ? EVENT_TYPE.applicationStart : EVENT_TYPE.applicationStop],
    },
    activeParticipants: [
      active(input.application, false, [ROLE_ID.application]),
      ...(input.launchers ?? []).map((l) => active(l, true, [ROLE_ID.applicationLauncher])),
    ],
    auditSourceIdentification: input.auditSource,
    participantObjects: [],
  };
}

export interface NodeAuthenticationFailureInput {
  readonly eventDateTime: Date | string;
  /** Default 4 (minor failure): the connection was refused, the node keeps working. */
  readonly outcome?: EventOutcomeIndicator;
  /** This node, reporting the failure. */
  readonly reporter: Party;
  /** The peer that failed to authenticate (its address; its certificate subject as userName if any). */
  readonly peer?: Party;
  /** The alert subject: the peer's URI or node id, e.g. `tls://10.1.2.3:6514`. */
  readonly subject?: { readonly id: string; readonly kind: 'uri' | 'node' };
  /** Why it failed, e.g. "certificate expired"; recorded as the Alert Description. */
  readonly description?: string;
  readonly auditSource: AuditSourceIdentification;
}

/**
 * Security Alert for a node-authentication failure (DICOM PS3.15 A.5.3 "Security Alert"; ITI TF-2
 * 3.20.4.1.1.1 "Node-Authentication-failure"): EventID 110113, EventActionCode E,
 * EventTypeCode 110126 Node Authentication. The reporting process is the requestor; the
 * failing peer is a performing participant; the alert subject is a security resource
 * (ParticipantObjectTypeCode 2, role 13).
 */
export function nodeAuthenticationFailureAudit(input: NodeAuthenticationFailureInput): AuditMessage {
  const details =
    input.description === undefined
      ? []
      : [{ type: OBJECT_DETAIL_TYPE.alertDescription, value: base64(input.description) }];
  return {
    eventIdentification: {
      eventId: EVENT_ID.securityAlert,
      eventActionCode: 'E',
      eventDateTime: when(input.eventDateTime),
      eventOutcomeIndicator: input.outcome ?? 4,
      eventTypeCodes: [EVENT_TYPE.nodeAuthentication],
      ...(input.description !== undefined && { eventOutcomeDescription: input.description }),
    },
    activeParticipants: [
      active(input.reporter, true, []),
      ...(input.peer ? [active(input.peer, false, [])] : []),
    ],
    auditSourceIdentification: input.auditSource,
    participantObjects: input.subject
      ? [
          {
            participantObjectId: input.subject.id,
            participantObjectTypeCode: OBJECT_TYPE.systemObject,
            participantObjectTypeCodeRole: OBJECT_ROLE.securityResource,
            participantObjectIdTypeCode:
              input.subject.kind === 'uri' ? OBJECT_ID_TYPE.uri : OBJECT_ID_TYPE.nodeId,
            participantObjectDetails: details,
          },
        ]
      : [],
  };
}

export interface UserAuthenticationInput {
  readonly activity: 'login' | 'logout';
  readonly eventDateTime: Date | string;
  /** 0 for a successful login/logout, 4 (or more) for a failed one. */
  readonly outcome: EventOutcomeIndicator;
  /** The person authenticated (or who tried to be). */
  readonly user: Party;
  /** The node that authenticated them, when it is not the audit source itself. */
  readonly authenticatingNode?: Party;
  readonly auditSource: AuditSourceIdentification;
}

/**
 * User Authentication (DICOM PS3.15 A.5.3 "User Authentication"; ITI TF-2 3.20.4.1.1.1 "User-authentication"):
 * EventID 110114, EventActionCode E, EventTypeCode 110122 Login or 110123 Logout; the
 * person is the requestor.
 */
export function userAuthenticationAudit(input: UserAuthenticationInput): AuditMessage {
  return {
    eventIdentification: {
      eventId: EVENT_ID.userAuthenticated,
      eventActionCode: 'E',
      eventDateTime: when(input.eventDateTime),
      eventOutcomeIndicator: input.outcome,
      eventTypeCodes: [input.activity === 'login' ? EVENT_TYPE.login : EVENT_TYPE.logout],
    },
    activeParticipants: [
      active(input.user, true, []),
      ...(input.authenticatingNode ? [active(input.authenticatingNode, false, [])] : []),
    ],
    auditSourceIdentification: input.auditSource,
    participantObjects: [],
  };
}
