/**
 * The MPI's transport-neutral command and result types. HL7v2 (ITI-8/9/21) and HL7 V3
 * (ITI-44/45/47) handlers map their messages to these and render the results back; the
 * core ({@link import('./mpi.js').Mpi}) never sees a wire format.
 */
import type { PatientIdentifier } from '@mesh/bus';
import type { TransactionId } from '@mesh/core';
import type { Demographics } from './matching.js';

/**
 * An identifier as a message carries it: CX-1 / II.extension and the assigning authority by
 * OID (CX-4.2 / II.root) and/or namespace (CX-4.1). The MPI resolves it against the affinity
 * domain.
 */
export interface SourceIdentifier {
  readonly id: string;
  /** Universal id (OID) of the assigning authority. */
  readonly assigningAuthority?: string;
  /** Namespace id of the assigning authority (HD-1), used when no OID is given. */
  readonly namespaceId?: string;
}

/** Who asked, for history and vigilance decisions. */
export interface Actor {
  /** Sending application / user id. */
  readonly id: string;
  readonly transaction?: TransactionId;
}

/** An identity feed: ITI-8 A01/A04/A05 and ITI-44 add ('add'), A08 / revise ('revise'), A40 / duplicates resolved ('merge'). */
export interface FeedCommand {
  readonly action: 'add' | 'revise' | 'merge';
  /** PID-3 / patient.id: the (surviving) patient's identifiers. At least one. */
  readonly identifiers: readonly SourceIdentifier[];
  readonly demographics: Demographics;
  /** merge only: MRG-1 / replacementOf: the identifiers merged into the survivor. */
  readonly priorIdentifiers?: readonly SourceIdentifier[];
  readonly actor: Actor;
}

/** How a feed was resolved. */
export type FeedDecision =
  | 'existing' // the source identity was known: updated
  | 'national-id' // linked deterministically on the national identifier
  | 'link' // scored match at or above the link threshold
  | 'review' // potential duplicate: new enterprise identity + worklist item
  | 'new' // no candidate: new enterprise identity
  | 'merged';

export interface FeedResult {
  readonly enterpriseId: PatientIdentifier;
  readonly decision: FeedDecision;
  /** Score of the best candidate, when matching ran. */
  readonly score?: number;
  /** Worklist items opened by this feed (potential duplicate, collision). */
  readonly reviewItems: readonly number[];
  /** For merges: the enterprise identities retired into `enterpriseId`. */
  readonly mergedEnterpriseIds: readonly PatientIdentifier[];
}

/** Why a command or query was refused; transports map it to their codes (HL7 204, 101...). */
export type MpiErrorCode = 'UnknownDomain' | 'UnknownPatient' | 'MissingField' | 'InvalidValue';

/** Which input the error is about, so transports can point at it (PID-3, MRG-1, QPD-4...). */
export type MpiErrorTarget =
  'identifiers' | 'priorIdentifiers' | 'targetDomains' | 'demographics' | 'criteria';

/** A refused command or query. */
export class MpiError extends Error {
  override readonly name = 'MpiError';
  constructor(
    readonly code: MpiErrorCode,
    readonly target: MpiErrorTarget,
    message: string,
    /** Index of the offending identifier / domain within `target`. */
    readonly index?: number,
    /** Part of the identifier at fault: the id itself or its assigning authority. */
    readonly part?: 'id' | 'authority',
  ) {
    super(message);
  }
}

/** PIX query result (ITI-9, ITI-45). */
export interface PixResult {
  /** The enterprise identity the queried identifier belongs to (the survivor after merges). */
  readonly enterpriseId: PatientIdentifier;
  readonly merged: boolean;
  /** Cross-referenced identifiers in the requested domains (all domains when none requested), the queried one excluded. */
  readonly identifiers: readonly PatientIdentifier[];
}

/** PDQ criteria (ITI-21 QPD-3, ITI-47 parameterList). Name values ending in '*' match as prefix. */
export interface PdqCriteria {
  readonly family?: string;
  readonly given?: string;
  readonly birthDate?: string;
  readonly sex?: string;
  readonly street?: string;
  readonly city?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly identifier?: SourceIdentifier;
  readonly mothersMaidenName?: string;
}

/** One PDQ match: an enterprise identity with its identifiers and demographics. */
export interface PdqPatient {
  readonly enterpriseId: PatientIdentifier;
  /** Identifiers in the requested domains (all when none requested). */
  readonly identifiers: readonly PatientIdentifier[];
  /** Demographics of its most recently updated source identity. */
  readonly demographics: Demographics;
}

export interface PdqResult {
  readonly patients: readonly PdqPatient[];
  /** Matches not yet returned. */
  readonly remaining: number;
  /** Pointer to pass back for the next page (ITI-21 DSC-1, ITI-47 continuation), when remaining > 0. */
  readonly continuation?: string;
}
