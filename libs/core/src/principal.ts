/**
 * The request context every handler receives (MESH_BRIEF "Security model"): who is
 * calling and how the request is traced. Until XUA (ITI-40) is enforced the principal is
 * anonymous (external callers) or system (the mesh's own services); afterwards it carries
 * the attributes of the validated SAML assertion.
 */
import type { TransactionId } from './transactions.js';

export interface AnonymousPrincipal {
  readonly kind: 'anonymous';
  /** The TLS client certificate subject when mutual TLS identified the node, else the peer address. */
  readonly peer?: string;
}

export interface SystemPrincipal {
  readonly kind: 'system';
  /** The mesh service acting, e.g. 'repository'. */
  readonly service: string;
}

/** Attributes of a validated XUA assertion (ITI TF-2 3.40.4.1.2). */
export interface UserPrincipal {
  readonly kind: 'user';
  /** urn:oasis:names:tc:xspa:1.0:subject:subject-id, and the NameID. */
  readonly subjectId: string;
  readonly nameId: string;
  readonly organization?: string;
  readonly organizationId?: string;
  /** urn:oasis:names:tc:xacml:2.0:subject:role (coded). */
  readonly roles: readonly Coded[];
  /** The profession recorded for the subject in the HPD directory. */
  readonly profession?: Coded;
  /** urn:oasis:names:tc:xspa:1.0:subject:purposeofuse (coded). */
  readonly purposeOfUse?: Coded;
  /** urn:oasis:names:tc:xacml:2.0:resource:resource-id: the patient the assertion is about. */
  readonly patientResourceId?: string;
  readonly homeCommunityId?: string;
  /** The assertion's ID, for audit (ATNA participant UserID alt). */
  readonly assertionId: string;
}

export type Principal = AnonymousPrincipal | SystemPrincipal | UserPrincipal;

export interface Coded {
  readonly code: string;
  readonly codeSystem: string;
  readonly displayName?: string;
}

export interface RequestContext {
  readonly transaction: TransactionId;
  readonly principal: Principal;
  /** W3C trace id of the request (32 hex). */
  readonly traceId: string;
  /** WS-Addressing MessageID, MSH-10, or a generated id. */
  readonly messageId: string;
  /** Network address of the caller, as ATNA's Source participant needs it. */
  readonly remoteAddress?: string;
  /** The endpoint URI the request reached, as ATNA's Destination participant needs it. */
  readonly endpoint?: string;
  /** Set when the transport saw the request end (client gone, shutdown deadline); long work should stop. */
  readonly signal?: AbortSignal;
}

export const ANONYMOUS: AnonymousPrincipal = Object.freeze({ kind: 'anonymous' });

export function systemPrincipal(service: string): SystemPrincipal {
  return Object.freeze({ kind: 'system', service });
}

/** The identity recorded in audit records and logs for a principal. */
export function principalId(p: Principal): string {
  switch (p.kind) {
    case 'anonymous':
      return p.peer ?? 'anonymous';
    case 'system':
      return `system:${p.service}`;
    case 'user':
      return p.subjectId;
  }
}
