/** What the HL7v2 transaction handlers receive (HOUSE_STYLE "Handlers receive their ports"). */
import type { AffinityDomain } from '@mesh/affinity-domain';
import type { Hl7Issue, Hl7Location, Responder } from '@mesh/hl7v2';
import { hl7Error } from '@mesh/hl7v2';
import type { Mpi } from '../mpi.js';
import type { MpiError } from '../model.js';

export interface Hl7Deps {
  readonly mpi: Mpi;
  readonly domain: AffinityDomain;
  readonly responder: Responder;
  /** Namespace id (HD-1) of an authority OID, for CX in replies. */
  readonly namespaceOf: (oid: string) => string | undefined;
}

/** Builds the namespace lookup of a domain. */
export function namespaceLookup(domain: AffinityDomain): (oid: string) => string | undefined {
  const m = new Map<string, string>();
  for (const a of [domain.patientIdAuthority, ...domain.assigningAuthorities])
    if (a.namespaceId) m.set(a.oid, a.namespaceId);
  return (oid) => m.get(oid);
}

/**
 * An {@link MpiError} as an HL7 ERR: UnknownDomain and UnknownPatient are 204 "Unknown key
 * identifier" (ITI TF-2 3.9.4.2.2.6; ITI-21 Return Patient Demographics, 3.21.4.2), MissingField 101, InvalidValue 102.
 * `where` maps the error's target to the field it came from.
 */
export function issueOf(
  err: MpiError,
  where: (
    target: MpiError['target'],
  ) => { segment: string; field: number; repetitions?: readonly number[] } | undefined,
): Hl7Issue {
  const code =
    err.code === 'UnknownDomain' || err.code === 'UnknownPatient'
      ? '204'
      : err.code === 'MissingField'
        ? '101'
        : '102';
  const w = where(err.target);
  let location: Hl7Location | undefined;
  if (w) {
    const rep = err.index === undefined ? undefined : (w.repetitions?.[err.index] ?? err.index + 1);
    location = {
      segment: w.segment,
      sequence: 1,
      field: w.field,
      ...(rep === undefined ? {} : { repetition: rep }),
      ...(err.part === 'authority' ? { component: 4 } : err.part === 'id' ? { component: 1 } : {}),
    };
  }
  return hl7Error(code, err.message, location);
}
