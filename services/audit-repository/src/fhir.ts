/**
 * DICOM PS3.15 audit messages as FHIR R4 AuditEvent resources, and search results as a
 * searchset Bundle, the way ITI-81 (Retrieve ATNA Audit Event, IHE RESTful ATNA) returns
 * them. The mapping follows the FHIR AuditEvent / DICOM mapping table: EventID -> type,
 * EventTypeCode -> subtype, ActiveParticipant -> agent, AuditSourceIdentification -> source,
 * ParticipantObjectIdentification -> entity. Pure.
 */
import type { AuditMessage, Coded, ParticipantObjectIdentification } from '@mesh/audit';

export const DCM_SYSTEM = 'http://dicom.nema.org/resources/ontology/DCM';
export const IHE_EVENT_TYPE_SYSTEM = 'urn:ihe:event-type-code';

export interface FhirCoding {
  readonly system?: string;
  readonly code: string;
  readonly display?: string;
}

/** A FHIR coding for a DICOM coded value: known code systems by URI, OIDs as urn:oid, else the name. */
export function coding(c: Coded): FhirCoding {
  const name = c.codeSystemName;
  const system =
    name === 'DCM'
      ? DCM_SYSTEM
      : name === 'IHE Transactions'
        ? IHE_EVENT_TYPE_SYSTEM
        : /^[0-2](\.\d+)+$/.test(name)
          ? `urn:oid:${name}`
          : name;
  const display = c.displayName ?? c.originalText;
  return { system, code: c.csdCode, ...(display === undefined ? {} : { display }) };
}

function entity(o: ParticipantObjectIdentification): Record<string, unknown> {
  return {
    ...(o.participantObjectTypeCode === undefined
      ? {}
      : {
          type: {
            system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
            code: String(o.participantObjectTypeCode),
          },
        }),
    ...(o.participantObjectTypeCodeRole === undefined
      ? {}
      : {
          role: {
            system: 'http://terminology.hl7.org/CodeSystem/object-role',
            code: String(o.participantObjectTypeCodeRole),
          },
        }),
    ...(o.participantObjectDataLifeCycle === undefined
      ? {}
      : {
          lifecycle: {
            system: 'http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle',
            code: String(o.participantObjectDataLifeCycle),
          },
        }),
    ...(o.participantObjectSensitivity === undefined
      ? {}
      : { securityLabel: [{ code: o.participantObjectSensitivity }] }),
    ...(o.participantObjectName === undefined ? {} : { name: o.participantObjectName }),
    ...(o.participantObjectQuery === undefined ? {} : { query: o.participantObjectQuery }),
    ...(o.participantObjectDetails.length === 0
      ? {}
      : { detail: o.participantObjectDetails.map((d) => ({ type: d.type, valueBase64Binary: d.value })) }),
    // The ID type code has no AuditEvent element of its own; it qualifies the identifier.
    ...(o.participantObjectId === undefined
      ? {}
      : {
          what: {
            identifier: {
              type: { coding: [coding(o.participantObjectIdTypeCode)] },
              value: o.participantObjectId,
            },
          },
        }),
  };
}

/** One stored audit message as an AuditEvent resource with id `id`. */
export function toAuditEvent(id: string, m: AuditMessage): Record<string, unknown> {
  const e = m.eventIdentification;
  const src = m.auditSourceIdentification;
  return {
    resourceType: 'AuditEvent',
    id,
    type: coding(e.eventId),
    ...(e.eventTypeCodes.length === 0 ? {} : { subtype: e.eventTypeCodes.map(coding) }),
    ...(e.eventActionCode === undefined ? {} : { action: e.eventActionCode }),
    recorded: e.eventDateTime,
    outcome: String(e.eventOutcomeIndicator),
    ...(e.eventOutcomeDescription === undefined ? {} : { outcomeDesc: e.eventOutcomeDescription }),
    ...(e.purposesOfUse === undefined || e.purposesOfUse.length === 0
      ? {}
      : { purposeOfEvent: e.purposesOfUse.map((p) => ({ coding: [coding(p)] })) }),
    agent: m.activeParticipants.map((p) => ({
      ...(p.roleIdCodes.length === 0 ? {} : { type: { coding: p.roleIdCodes.map(coding) } }),
      who: { identifier: { value: p.userId } },
      ...(p.alternativeUserId === undefined ? {} : { altId: p.alternativeUserId }),
      ...(p.userName === undefined ? {} : { name: p.userName }),
      requestor: p.userIsRequestor,
      ...(p.networkAccessPointId === undefined
        ? {}
        : {
            network: {
              address: p.networkAccessPointId,
              ...(p.networkAccessPointTypeCode === undefined
                ? {}
                : { type: String(p.networkAccessPointTypeCode) }),
            },
          }),
    })),
    source: {
      ...(src.auditEnterpriseSiteId === undefined ? {} : { site: src.auditEnterpriseSiteId }),
      observer: { identifier: { value: src.auditSourceId } },
      ...(src.auditSourceTypeCodes === undefined || src.auditSourceTypeCodes.length === 0
        ? {}
        : {
            type: src.auditSourceTypeCodes.map((t) => ({
              system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
              code: t.csdCode,
              ...(t.originalText === undefined ? {} : { display: t.originalText }),
            })),
          }),
    },
    ...(m.participantObjects.length === 0 ? {} : { entity: m.participantObjects.map(entity) }),
  };
}

/** A FHIR searchset Bundle. */
export function searchsetBundle(opts: {
  readonly selfUrl: string;
  readonly nextUrl?: string;
  readonly baseUrl: string;
  readonly resources: readonly Record<string, unknown>[];
}): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: [
      { relation: 'self', url: opts.selfUrl },
      ...(opts.nextUrl === undefined ? [] : [{ relation: 'next', url: opts.nextUrl }]),
    ],
    entry: opts.resources.map((r) => ({
      fullUrl: `${opts.baseUrl}/AuditEvent/${String(r['id'])}`,
      resource: r,
      search: { mode: 'match' },
    })),
  };
}

/** A FHIR OperationOutcome for a refused search (HTTP 400). */
export function operationOutcome(code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}
