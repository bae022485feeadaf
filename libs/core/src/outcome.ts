/**
 * One error model for every transport (HOUSE_STYLE "One error model").
 *
 * A handler returns an {@link Outcome} for what the spec calls a response (warnings
 * included) and throws {@link MeshError} for what the spec calls a fault or rejection.
 * Transports render the same Outcome: SOAP Fault or RegistryResponse + RegistryErrorList,
 * HL7v2 ACK/RSP with ERR segments, HL7v3 MCCI acknowledgements, DSML errorResponse,
 * problem+json for admin HTTP.
 */

/** ebRS 3.0 severities, named as the spec names them (ITI TF-3 4.2.4.1). */
export type Severity = 'Error' | 'Warning';

/** ebRS 3.0 response status (urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:*, urn:ihe:iti:2007:ResponseStatusType:PartialSuccess). */
export type OutcomeStatus = 'Success' | 'PartialSuccess' | 'Failure';

/** One finding: a spec code, its severity, what went wrong and where. */
export interface Issue {
  /** The spec's code, e.g. 'XDSRegistryMetadataError', an HL7 table 0357 code, a SOAP fault subcode. */
  readonly code: string;
  readonly severity: Severity;
  /** Human-readable context (ebRS codeContext). Never contains PHI beyond what the sender sent. */
  readonly context: string;
  /** Where: a metadata path ('DocumentEntry.patientId'), an object id, an HL7 location ('PID-3'). */
  readonly location?: string;
}

export interface Outcome<T = undefined> {
  readonly status: OutcomeStatus;
  readonly issues: readonly Issue[];
  /** The transaction's payload on success or partial success (query results, retrieved documents...). */
  readonly value?: T;
}

/** Builds an issue with severity Error. */
export function error(code: string, context: string, location?: string): Issue {
  return location === undefined
    ? { code, severity: 'Error', context }
    : { code, severity: 'Error', context, location };
}

/** Builds an issue with severity Warning. */
export function warning(code: string, context: string, location?: string): Issue {
  return location === undefined
    ? { code, severity: 'Warning', context }
    : { code, severity: 'Warning', context, location };
}

/** Success, possibly with warnings. */
export function success<T>(value?: T, warnings: readonly Issue[] = []): Outcome<T> {
  return value === undefined
    ? { status: 'Success', issues: warnings }
    : { status: 'Success', issues: warnings, value };
}

/** Failure carrying the given issues (at least one should be an Error). */
export function failure<T = undefined>(issues: readonly Issue[]): Outcome<T> {
  return { status: 'Failure', issues };
}

/**
 * The status implied by a set of issues: Failure when any is an Error, else Success.
 * Transactions that allow PartialSuccess (ITI-43, ITI-18 over XCA) decide it themselves.
 */
export function outcomeOf<T>(issues: readonly Issue[], value?: T): Outcome<T> {
  if (issues.some((i) => i.severity === 'Error'))
    return value === undefined ? failure(issues) : { status: 'Failure', issues, value };
  return success(value, issues);
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'Error');
}

/**
 * The one error type: a fault or rejection carrying an Outcome. Anything else thrown out
 * of a handler becomes the actor's default code (XDSRegistryError, HL7 AE 207...).
 */
export class MeshError extends Error {
  override readonly name = 'MeshError';
  readonly outcome: Outcome;
  /** For transports that map to a protocol-level fault (SOAP Sender/Receiver, HTTP status). */
  readonly fault: FaultKind;

  constructor(
    outcome: Outcome | Issue | readonly Issue[],
    options: { fault?: FaultKind; cause?: unknown } = {},
  ) {
    const o: Outcome = isOutcome(outcome)
      ? outcome
      : failure(Array.isArray(outcome) ? (outcome as readonly Issue[]) : [outcome as Issue]);
    const first = o.issues[0];
    super(
      first ? `${first.code}: ${first.context}` : 'Failure',
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.outcome = o;
    this.fault = options.fault ?? 'sender';
  }

  /** Shorthand for a single-issue failure. */
  static of(
    code: string,
    context: string,
    options: { location?: string; fault?: FaultKind; cause?: unknown } = {},
  ): MeshError {
    return new MeshError(error(code, context, options.location), options);
  }
}

/**
 * Who is to blame, as SOAP 1.2 (Sender/Receiver), SOAP 1.1 (Client/Server) and HTTP
 * (4xx/5xx) express it. 'busy' is a receiver fault the caller may retry (HTTP 503).
 */
export type FaultKind = 'sender' | 'receiver' | 'busy';

function isOutcome(x: unknown): x is Outcome {
  return typeof x === 'object' && x !== null && 'status' in x && 'issues' in x;
}
