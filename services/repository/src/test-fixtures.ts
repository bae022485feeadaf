/**
 * ITI-41 requests for the repository's tests and benchmark (not exported from the package): a
 * discharge letter coded from the shipped default affinity domain, with its CDA body, built
 * through the @mesh/xds model so the ebRIM is what a conformant Document Source sends.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { OutgoingAttachment } from '@mesh/soap';
import { xopInclude } from '@mesh/soap';
import { parseCx, parseXcn, writeSubmitObjectsRequest } from '@mesh/xds';
import type { Code, DocumentEntry, Submission } from '@mesh/xds';
import { NS, escapeXml } from '@mesh/xml';

export const NATIONAL = '1.3.6.1.4.1.99999.1.1';
export const HOSPITAL = '1.3.6.1.4.1.99999.2.10001.1';
export const REPOSITORY_ID = '1.3.6.1.4.1.99999.4.1';
export const ITI41_ACTION = 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b';
export const ITI43_ACTION = 'urn:ihe:iti:2007:RetrieveDocumentSet';
export const ITI86_ACTION = 'urn:ihe:iti:2017:RemoveDocuments';

const LOINC = '2.16.840.1.113883.6.1';
const SNOMED = '2.16.840.1.113883.6.96';
const code = (c: string, scheme: string): Code => ({ code: c, codingScheme: scheme });

let seq = 0;
/** A fresh OID-style uniqueId. */
export const oid = (): string => `1.3.6.1.4.1.99999.77.${Date.now()}.${process.pid}.${++seq}`;
/** A fresh national patient id (CX). */
export const newPatient = (): string => `P${randomUUID().slice(0, 12)}^^^&${NATIONAL}&ISO`;

/** A CDA R2 header for `patient` (the CX's id under the national authority), padded to about `bytes`. */
export function cda(patient: string, bytes = 2048, opts: { doctype?: boolean } = {}): Buffer {
  const id = parseCx(patient);
  const head =
    `<?xml version="1.0" encoding="UTF-8"?>${opts.doctype ? '<!DOCTYPE ClinicalDocument [<!ENTITY x "boom">]>' : ''}` +
    `<ClinicalDocument xmlns="urn:hl7-org:v3"><typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>` +
    `<id root="${oid()}"/><code code="18842-5" codeSystem="${LOINC}"/><title>Lettre de sortie</title>` +
    `<recordTarget><patientRole><id root="${escapeXml(id.assigningAuthority ?? '')}" extension="${escapeXml(id.id)}"/>` +
    `<patient><name><family>Schmit</family><given>Marie</given></name></patient></patientRole></recordTarget>` +
    `<component><nonXMLBody><text>`;
  const tail = `</text></nonXMLBody></component></ClinicalDocument>`;
  const pad = Math.max(0, bytes - Buffer.byteLength(head) - Buffer.byteLength(tail));
  return Buffer.concat([Buffer.from(head), Buffer.alloc(pad, 'a'), Buffer.from(tail)]);
}

export const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/** A DocumentEntry of the default domain with symbolic id `id`. */
export function entry(patient: string, id: string, over: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    entryUUID: id,
    objectType: 'stable',
    extraSlots: [],
    authors: [
      {
        person: parseXcn(`2345^Muller^Anne^^^Dr^^^&${HOSPITAL}&ISO`),
        institutions: [],
        roles: [],
        specialties: [],
        telecoms: [],
        extraSlots: [],
      },
    ],
    classCode: code('18842-5', LOINC),
    confidentialityCodes: [code('N', '2.16.840.1.113883.5.25')],
    creationTime: '20240312101500',
    eventCodeList: [],
    formatCode: code('urn:ihe:pcc:xphr:2007', '1.3.6.1.4.1.19376.1.2.3'),
    healthcareFacilityTypeCode: code('22232009', SNOMED),
    languageCode: 'fr',
    limitedMetadata: false,
    mimeType: 'text/xml',
    patientId: parseCx(patient),
    practiceSettingCode: code('394802001', SNOMED),
    referenceIdList: [],
    sourcePatientId: parseCx(`H-778^^^&${HOSPITAL}&ISO`),
    sourcePatientInfo: [`PID-3|H-778^^^&${HOSPITAL}&ISO`, 'PID-5|Schmit^Marie^^^'],
    title: { value: 'Lettre de sortie' },
    typeCode: code('18842-5', LOINC),
    uniqueId: oid(),
    ...over,
  };
}

/** A submission of `entries` for `patient` (SubmissionSet with a HasMember Original per document). */
export function submission(patient: string, entries: readonly DocumentEntry[]): Submission {
  const ss = 'SubmissionSet01';
  return {
    submissionSet: {
      entryUUID: ss,
      extraSlots: [],
      authors: entries[0]?.authors ?? [],
      contentTypeCode: code('INPATIENT-STAY', '1.3.6.1.4.1.99999.5.4'),
      intendedRecipients: [],
      limitedMetadata: false,
      patientId: parseCx(patient),
      sourceId: HOSPITAL,
      submissionTime: '20240312103000',
      uniqueId: oid(),
    },
    documentEntries: entries,
    folders: [],
    associations: entries.map((e, i) => ({
      entryUUID: `Association${i + 1}`,
      extraSlots: [],
      associationType: 'HasMember' as const,
      sourceObject: ss,
      targetObject: e.entryUUID,
      submissionSetStatus: 'Original' as const,
    })),
    objectRefs: [],
  };
}

/** One document part of a request: the bytes, or an explicit Content-ID to refer to (a missing part). */
export interface Part {
  readonly id: string;
  readonly bytes?: Buffer;
  readonly contentId?: string;
  readonly contentType?: string;
}

/** The xdsb:ProvideAndRegisterDocumentSetRequest body and its MTOM attachments. */
export function iti41Request(
  s: Submission,
  parts: readonly Part[],
): { body: string; attachments: OutgoingAttachment[] } {
  const attachments: OutgoingAttachment[] = [];
  const docs = parts.map((p) => {
    const contentId = p.contentId ?? `${p.id}.${randomUUID()}@test`;
    const bytes = p.bytes;
    if (bytes)
      attachments.push({
        contentId,
        contentType: p.contentType ?? 'text/xml',
        size: bytes.length,
        open: () => Readable.from([bytes], { objectMode: false }),
      });
    return `<xdsb:Document id="${escapeXml(p.id)}">${xopInclude(contentId)}</xdsb:Document>`;
  });
  return {
    body:
      `<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="${NS.xdsb}">` +
      writeSubmitObjectsRequest(s) +
      docs.join('') +
      `</xdsb:ProvideAndRegisterDocumentSetRequest>`,
    attachments,
  };
}

/** An ITI-43 (or ITI-86, with `rmd`) request for documents of this repository. */
export function documentRequests(
  root: 'RetrieveDocumentSetRequest' | 'RemoveDocumentsRequest',
  docs: readonly { uniqueId: string; repositoryUniqueId?: string; homeCommunityId?: string }[],
): string {
  const ns = root === 'RemoveDocumentsRequest' ? NS.rmd : NS.xdsb;
  const items = docs
    .map(
      (d) =>
        `<xdsb:DocumentRequest>` +
        (d.homeCommunityId ? `<xdsb:HomeCommunityId>${d.homeCommunityId}</xdsb:HomeCommunityId>` : '') +
        `<xdsb:RepositoryUniqueId>${d.repositoryUniqueId ?? REPOSITORY_ID}</xdsb:RepositoryUniqueId>` +
        `<xdsb:DocumentUniqueId>${escapeXml(d.uniqueId)}</xdsb:DocumentUniqueId></xdsb:DocumentRequest>`,
    )
    .join('');
  return `<r:${root} xmlns:r="${ns}" xmlns:xdsb="${NS.xdsb}">${items}</r:${root}>`;
}
