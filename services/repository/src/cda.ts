/**
 * Checks on CDA documents received in ITI-41 (MESH_BRIEF "Non-negotiables"; issue 4 item 6):
 * a document whose mimeType is XML and whose root is hl7:ClinicalDocument must be well-formed
 * under the hardened parser (no DOCTYPE, no entities, bounded size and depth), its header patient
 * (recordTarget/patientRole/id) must be the submission's patient, and a validation hook (the
 * Schematron validation of a later issue plugs in here) may add findings.
 */
import type { Issue } from '@mesh/core';
import { error, warning } from '@mesh/core';
import { parseCx } from '@mesh/xds';
import type { DocumentEntry } from '@mesh/xds';
import { XmlError, attr, children, child, parseXml } from '@mesh/xml';
import type { CdaFindingSeverity } from './config.js';

/** The HL7 v3 namespace of CDA R2. */
export const HL7_V3 = 'urn:hl7-org:v3';

/** One finding of a {@link CdaValidator}. */
export interface CdaFinding {
  readonly severity: 'Error' | 'Warning';
  /** What is wrong, for the codeContext (the rule's message). */
  readonly message: string;
  /** Where in the CDA (an XPath or rule id), when known. */
  readonly location?: string;
}

/**
 * The validation hook: given a parsed CDA and its metadata, returns findings. The Schematron
 * engine of a later issue implements it; REPOSITORY_CDA_VALIDATION decides what findings become
 * (XDSRepositoryMetadataError, warnings, or the hook is not called).
 */
export interface CdaValidator {
  validate(cda: Document, entry: DocumentEntry): Promise<readonly CdaFinding[]>;
}

/** Mime types that may carry a CDA (ITI TF-3 4.2.3.2.15 uses text/xml for CDA). */
const XML_TYPES = new Set(['text/xml', 'application/xml', 'application/hl7-v3+xml']);

/** Whether the bytes at the start of an XML document look like a CDA, or might hide one behind a DOCTYPE. */
export function looksLikeCda(mimeType: string | undefined, head: Buffer): boolean {
  if (mimeType === undefined || !XML_TYPES.has(mimeType.split(';')[0]?.trim().toLowerCase() ?? ''))
    return false;
  const text = head.toString('latin1');
  // A DOCTYPE is never allowed: let the hardened parser refuse it.
  if (/<!DOCTYPE/i.test(text)) return true;
  const root = /<(?![?!])([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(text);
  return root?.[2] === 'ClinicalDocument';
}

export interface CdaCheckOptions {
  readonly location: string;
  readonly patientCheck: boolean;
  readonly validation: CdaFindingSeverity;
  readonly validator?: CdaValidator;
}

/** Checks one CDA document; returns ITI-41 issues (empty when it passes). */
export async function checkCda(bytes: Buffer, entry: DocumentEntry, o: CdaCheckOptions): Promise<Issue[]> {
  const uid = entry.uniqueId ?? entry.entryUUID;
  let doc: Document;
  try {
    doc = parseXml(bytes, { maxBytes: bytes.length + 1 });
  } catch (e) {
    const why = e instanceof XmlError ? e.message : 'not well-formed XML';
    return [error('XDSRepositoryMetadataError', `Document ${uid}: the CDA is refused: ${why}`, o.location)];
  }
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== HL7_V3 || root.localName !== 'ClinicalDocument')
    return [
      error(
        'XDSRepositoryMetadataError',
        `Document ${uid}: a ClinicalDocument root must be in the ${HL7_V3} namespace`,
        o.location,
      ),
    ];
  const issues: Issue[] = [];
  if (o.patientCheck) issues.push(...checkPatient(root, entry, o.location));
  if (o.validator && o.validation !== 'off') {
    for (const f of await o.validator.validate(doc, entry)) {
      const where = f.location === undefined ? o.location : `${o.location} ${f.location}`;
      const context = `Document ${uid}: ${f.message}`;
      issues.push(
        o.validation === 'error' && f.severity === 'Error'
          ? error('XDSRepositoryMetadataError', context, where)
          : warning('XDSRepositoryMetadataError', context, where),
      );
    }
  }
  return issues;
}

/**
 * The CDA header patient (recordTarget/patientRole/id, CDA R2 4.2.2.1) must be the DocumentEntry's
 * patient: one of its ids is the affinity-domain patient id (root = the domain's authority OID,
 * extension = CX.1) or the DocumentEntry's sourcePatientId (the hospital's local id, which the
 * MPI links to the domain id).
 */
function checkPatient(root: Element, entry: DocumentEntry, location: string): Issue[] {
  const wanted = [entry.patientId?.raw, entry.sourcePatientId?.raw]
    .filter((x): x is string => x !== undefined)
    .map(parseCx)
    .filter((c) => c.assigningAuthority !== undefined && c.id !== '');
  if (wanted.length === 0) return [];
  const ids: { root: string; extension: string }[] = [];
  for (const rt of children(root, HL7_V3, 'recordTarget')) {
    const role = child(rt, HL7_V3, 'patientRole');
    if (!role) continue;
    for (const id of children(role, HL7_V3, 'id'))
      ids.push({ root: attr(id, 'root') ?? '', extension: attr(id, 'extension') ?? '' });
  }
  const match = ids.some((i) => wanted.some((w) => w.assigningAuthority === i.root && w.id === i.extension));
  if (match) return [];
  const uid = entry.uniqueId ?? entry.entryUUID;
  const seen =
    ids.length === 0
      ? 'no recordTarget/patientRole/id'
      : ids.map((i) => `${i.extension}@${i.root}`).join(', ');
  return [
    error(
      'XDSPatientIdDoesNotMatch',
      `Document ${uid}: the CDA header patient (${seen}) is not the DocumentEntry patient ${entry.patientId?.raw ?? ''}`,
      location,
    ),
  ];
}
