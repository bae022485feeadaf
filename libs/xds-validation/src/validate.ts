/**
 * Validation of an XDS submission (ITI-41, ITI-42, ITI-57) per ITI TF-3 4.2.4 ("Success and
 * Error Reporting"), the attribute tables 4.2.3.2-1 (DocumentEntry), 4.2.3.3-1 (SubmissionSet),
 * 4.2.3.4-1 (Folder), the Association rules of 4.2.2, and the optionality of Table 4.3.1-3
 * ("Sending Actor Metadata Attribute Optionality") for the XDS columns.
 *
 * Every rule runs: the result lists every problem found, so a sender fixes its message in one
 * round trip (ITI TF-3 4.2.4.1: one RegistryError per problem). Nothing here throws on content.
 */
import { error, warning } from '@mesh/core';
import type { Issue } from '@mesh/core';
import type {
  Association,
  Author,
  Code,
  Cx,
  DocumentEntry,
  Folder,
  Slot,
  Submission,
  SubmissionSet,
} from '@mesh/xds';
import {
  documentUniqueIdProblem,
  dtmProblem,
  entryUuidProblem,
  extraSlotNameProblem,
  hashProblem,
  homeCommunityIdProblem,
  isUuidUrn,
  languageCodeProblem,
  mimeTypeProblem,
  oidProblem,
  sizeProblem,
  xcnProblem,
  xdsCxProblem,
  xonProblem,
  xtnProblem,
} from './formats.js';
import type { CodedAttribute, MetadataPolicy, SubmissionTransaction, ValidateOptions } from './policy.js';

/** Full StatusType URNs allowed in ITI-57 OriginalStatus / NewStatus (ITI TF-2 3.57.4.1.3.3.2). */
const STATUS_URN = /^urn:oasis:names:tc:ebxml-regrep:StatusType:(Approved|Deprecated|Submitted)$/;
const SUBMITTED = /Submitted$/;
/** sourcePatientInfo values are `PID-n|value` (ITI TF-3 4.2.3.2.21). */
const PID_FIELD = /^PID-\d+\|/;
/** A version number (ITI TF-2 3.57.4.1.3.3.1 PreviousVersion). */
const VERSION_NUMBER = /^[1-9][0-9]*$/;

/** Relationship associations: their target is a registered document (ITI TF-3 4.2.2.2). */
export const RELATIONSHIP_TYPES: ReadonlySet<string> = new Set([
  'RPLC',
  'APND',
  'XFRM',
  'XFRM_RPLC',
  'signs',
  'IsSnapshotOf',
]);
/** Those whose target must be Approved (ITI TF-3 Table 4.2.4.1-2 XDSRegistryDeprecatedDocumentError). */
const NEEDS_APPROVED_TARGET = new Set(['RPLC', 'APND', 'XFRM', 'XFRM_RPLC']);
/** Those that deprecate their target: a document can be replaced once (ITI TF-3 4.2.2.2.1). */
const REPLACING = new Set(['RPLC', 'XFRM_RPLC']);

/** Codes that depend on which actor validates (ITI TF-3 Table 4.2.4.1-2). */
interface Codes {
  readonly metadata: string;
  readonly duplicateUniqueId: string;
}

/**
 * Validates a submission and returns every issue, in a stable order (SubmissionSet,
 * DocumentEntries, Folders, Associations, then cross-object rules). An empty list means valid.
 * Registry-state rules (versions, existing folders, availability of ITI-57 targets) are for the
 * registry; this checks the message, plus targets of relationships when the policy can look them up.
 */
export function validateSubmission(submission: Submission, opts: ValidateOptions): Issue[] {
  return new Validator(submission, opts).run();
}

/**
 * The UUIDs of registered documents the submission's relationship associations (RPLC, APND,
 * XFRM, XFRM_RPLC, signs, IsSnapshotOf) point at, each once: what a caller backed by an
 * asynchronous store fetches before validating, to answer `policy.lookupDocument` from memory.
 */
export function relationshipTargets(submission: Submission): string[] {
  const inSubmission = new Set(submission.documentEntries.map((d) => d.entryUUID));
  const targets = new Set<string>();
  for (const a of submission.associations)
    if (
      RELATIONSHIP_TYPES.has(a.associationType) &&
      isUuidUrn(a.targetObject) &&
      !inSubmission.has(a.targetObject)
    )
      targets.add(a.targetObject);
  return [...targets];
}

class Validator {
  private readonly issues: Issue[] = [];
  private readonly codes: Codes;
  private readonly policy: MetadataPolicy;
  private readonly tx: SubmissionTransaction;
  private readonly ss: SubmissionSet;
  private readonly ssPatientId: string | undefined;
  private readonly documents = new Map<string, DocumentEntry>();
  private readonly folders = new Map<string, Folder>();
  private readonly associations = new Map<string, Association>();

  constructor(
    private readonly submission: Submission,
    opts: ValidateOptions,
  ) {
    this.tx = opts.transaction;
    this.policy = opts.policy;
    // The Document Repository (or Recipient) reports metadata problems of ITI-41 under its own
    // codes (ITI TF-3 Table 4.2.4.1-2 XDSRepositoryMetadataError, XDSRepositoryDuplicateUniqueIdInMessage).
    this.codes =
      this.tx === 'ITI-41'
        ? {
            metadata: 'XDSRepositoryMetadataError',
            duplicateUniqueId: 'XDSRepositoryDuplicateUniqueIdInMessage',
          }
        : {
            metadata: 'XDSRegistryMetadataError',
            duplicateUniqueId: 'XDSRegistryDuplicateUniqueIdInMessage',
          };
    this.ss = submission.submissionSet;
    this.ssPatientId = this.ss.patientId?.raw;
    for (const d of submission.documentEntries)
      if (!this.documents.has(d.entryUUID)) this.documents.set(d.entryUUID, d);
    for (const f of submission.folders) if (!this.folders.has(f.entryUUID)) this.folders.set(f.entryUUID, f);
    for (const a of submission.associations)
      if (!this.associations.has(a.entryUUID)) this.associations.set(a.entryUUID, a);
  }

  run(): Issue[] {
    this.submissionSet(this.ss);
    for (const d of this.submission.documentEntries) this.documentEntry(d);
    for (const f of this.submission.folders) this.folder(f);
    for (const a of this.submission.associations) this.association(a);
    this.duplicates();
    this.membership();
    return this.issues;
  }

  // ---------------------------------------------------------------- helpers

  private err(context: string, location: string, code = this.codes.metadata): void {
    this.issues.push(error(code, context, location));
  }

  private get isUpdate(): boolean {
    return this.tx === 'ITI-57';
  }

  /** Required attribute (R in Table 4.3.1-3): reports it missing or empty; returns whether present. */
  private required(value: string | undefined, name: string, where: string): value is string {
    if (value === undefined || value === '') {
      this.err(`${name} is required (ITI TF-3 Table 4.3.1-3)`, `${where}.${name}`);
      return false;
    }
    return true;
  }

  /** Attribute that must not be sent (X in Table 4.3.1-3 for this object or transaction). */
  private prohibited(present: boolean, name: string, where: string, why: string): void {
    if (present) this.err(`${name} shall not be present: ${why}`, `${where}.${name}`);
  }

  private format(problem: string | undefined, location: string): void {
    if (problem !== undefined) this.err(problem, location);
  }

  /** {@link format} at `${where}.${name}`, the location built only for a problem. */
  private formatAt(problem: string | undefined, where: string, name: string): void {
    if (problem !== undefined) this.err(problem, `${where}.${name}`);
  }

  private code(
    attribute: CodedAttribute,
    c: Code | undefined,
    where: string,
    name: string,
    required: boolean,
  ): void {
    if (c === undefined) {
      if (required) this.err(`${name} is required (ITI TF-3 Table 4.3.1-3)`, `${where}.${name}`);
      return;
    }
    if (c.code === '' || c.codingScheme === '') {
      // ITI TF-3 4.2.3.1.2: nodeRepresentation and the codingScheme slot are both required.
      this.err(`${name} needs a code (nodeRepresentation) and a codingScheme`, `${where}.${name}`);
      return;
    }
    if (!this.policy.isAllowedCode(attribute, c.code, c.codingScheme))
      this.err(
        `${name} '${c.code}' (codingScheme ${c.codingScheme}) is not in the affinity domain's value set`,
        `${where}.${name}`,
      );
  }

  private codes1n(
    attribute: CodedAttribute,
    list: readonly Code[],
    where: string,
    name: string,
    min: 0 | 1,
  ): void {
    if (list.length < min) {
      this.err(`${name} needs at least one value (ITI TF-3 Table 4.3.1-3)`, `${where}.${name}`);
      return;
    }
    for (const c of list) this.code(attribute, c, where, name, true);
  }

  private entryUUID(id: string, where: string): void {
    this.formatAt(entryUuidProblem(id), where, 'entryUUID');
  }

  private home(value: string | undefined, where: string): void {
    if (value !== undefined) this.formatAt(homeCommunityIdProblem(value), where, 'homeCommunityId');
  }

  /** Metadata-Limited is for XDR/XDM; in XDS its attribute is X (ITI TF-3 4.2.3.2.29, Table 4.3.1-3). */
  private limited(limitedMetadata: boolean, where: string): void {
    this.prohibited(limitedMetadata, 'limitedMetadata', where, 'Metadata-Limited submissions are not XDS');
  }

  /** CX patient id: required, `id^^^&OID&ISO`; returns whether it is well-formed. */
  private patientCx(cx: Cx | undefined, where: string, name: string): cx is Cx {
    const raw = cx?.raw;
    if (!this.required(raw, name, where)) return false;
    const problem = xdsCxProblem(raw);
    this.formatAt(problem, where, name);
    return problem === undefined;
  }

  /** Every object's patientId equals the SubmissionSet's (ITI TF-3 4.2.3.3.8, 4.2.2.1.1). */
  private samePatient(cx: Cx | undefined, where: string): void {
    if (!this.patientCx(cx, where, 'patientId')) return;
    if (this.ssPatientId !== undefined && cx.raw !== this.ssPatientId)
      this.err(
        `patientId ${cx.raw} differs from the SubmissionSet's ${this.ssPatientId}`,
        `${where}.patientId`,
        'XDSPatientIdDoesNotMatch',
      );
  }

  private authors(authors: readonly Author[], where: string): void {
    for (let i = 0; i < authors.length; i++) {
      const a = authors[i]!;
      // ITI TF-3 4.2.3.1.4: an author has at least one sub-attribute valued.
      if (
        !a.person &&
        a.institutions.length === 0 &&
        a.roles.length === 0 &&
        a.specialties.length === 0 &&
        a.telecoms.length === 0
      )
        this.err(
          'author has none of authorPerson, authorInstitution, authorRole, authorSpecialty, authorTelecommunication',
          `${where}.author[${i}]`,
        );
      if (a.person) this.authorFormat(xcnProblem(a.person), where, i, 'authorPerson');
      for (const x of a.institutions) this.authorFormat(xonProblem(x), where, i, 'authorInstitution');
      for (const t of a.telecoms) this.authorFormat(xtnProblem(t), where, i, 'authorTelecommunication');
      // ITI TF-3 4.2.3.1.4: the sub-attributes of author are a closed list.
      for (const s of a.extraSlots)
        this.err(
          `slot '${s.name}' is not an author sub-attribute (ITI TF-3 4.2.3.1.4)`,
          `${where}.author[${i}].${s.name}`,
        );
    }
  }

  /** {@link format} at `${where}.author[${i}].${name}`, the location built only for a problem. */
  private authorFormat(problem: string | undefined, where: string, i: number, name: string): void {
    if (problem !== undefined) this.err(problem, `${where}.author[${i}].${name}`);
  }

  private extra(slots: readonly Slot[], where: string): void {
    for (const s of slots) {
      const problem = extraSlotNameProblem(s.name);
      if (problem !== undefined) this.err(problem, `${where}.${s.name}`);
      else if (this.policy.extraMetadataSaved === false)
        this.issues.push(
          warning(
            'XDSExtraMetadataNotSaved',
            `extra metadata slot '${s.name}' was not saved`,
            `${where}.${s.name}`,
          ),
        );
    }
  }

  private dtm(value: string | undefined, where: string, name: string): void {
    if (value !== undefined) this.formatAt(dtmProblem(value), where, name);
  }

  /**
   * logicalID (ITI TF-3 4.2.3.2.13): outside ITI-57 it is absent or equals the entryUUID (a new
   * object is its own first version); in ITI-57 it is the UUID of the existing object.
   */
  private logicalID(lid: string | undefined, entryUUID: string, where: string): void {
    if (lid === undefined) return;
    if (!this.isUpdate) {
      if (lid !== entryUUID)
        this.err(`logicalID differs from entryUUID; only ITI-57 submits new versions`, `${where}.logicalID`);
    } else if (!isUuidUrn(lid)) {
      this.err(`logicalID '${lid}' must be a urn:uuid: UUID, never symbolic`, `${where}.logicalID`);
    }
  }

  // ---------------------------------------------------------------- objects

  /** ITI TF-3 Table 4.2.3.3-1 with the XDS optionality of Table 4.3.1-3. */
  private submissionSet(ss: SubmissionSet): void {
    const where = 'SubmissionSet';
    this.entryUUID(ss.entryUUID, where);
    this.home(ss.homeCommunityId, where);
    this.limited(ss.limitedMetadata, where);
    this.authors(ss.authors, where);
    this.code('contentTypeCode', ss.contentTypeCode, where, 'contentTypeCode', true);
    if (this.required(ss.uniqueId, 'uniqueId', where))
      this.formatAt(oidProblem(ss.uniqueId), where, 'uniqueId');
    if (this.required(ss.sourceId, 'sourceId', where))
      this.formatAt(oidProblem(ss.sourceId), where, 'sourceId');
    if (this.required(ss.submissionTime, 'submissionTime', where))
      this.dtm(ss.submissionTime, where, 'submissionTime');
    if (this.patientCx(ss.patientId, where, 'patientId')) {
      // ITI TF-3 4.2.3.3.8 / Table 4.2.4.1-2: the registry accepts only patient ids of the
      // affinity domain it knows; anything else is XDSUnknownPatientId.
      const raw = ss.patientId.raw;
      if (!this.policy.isAffinityDomainPatientId(raw))
        this.err(
          `patientId ${raw} is not issued by the affinity domain`,
          `${where}.patientId`,
          'XDSUnknownPatientId',
        );
      else if (this.policy.isKnownPatientId && !this.policy.isKnownPatientId(raw))
        this.err(
          `patientId ${raw} is not known to the registry`,
          `${where}.patientId`,
          'XDSUnknownPatientId',
        );
    }
    this.extra(ss.extraSlots, where);
  }

  /** ITI TF-3 Table 4.2.3.2-1 with the XDS optionality of Table 4.3.1-3. */
  private documentEntry(d: DocumentEntry): void {
    const where = `DocumentEntry[${d.entryUUID}]`;
    const onDemand = d.objectType === 'on-demand';
    this.entryUUID(d.entryUUID, where);
    this.home(d.homeCommunityId, where);
    this.limited(d.limitedMetadata, where);
    this.logicalID(d.logicalID, d.entryUUID, where);
    // On-Demand entries are registered with ITI-61, not ITI-41/42 (ITI TF-3 4.2.5.2; ITI TF-2 3.61).
    if (onDemand && !this.isUpdate)
      this.err(`On-Demand DocumentEntries are registered with ITI-61, not ${this.tx}`, `${where}.objectType`);
    this.authors(d.authors, where);

    this.code('classCode', d.classCode, where, 'classCode', true);
    this.code('typeCode', d.typeCode, where, 'typeCode', true);
    this.code('formatCode', d.formatCode, where, 'formatCode', true);
    this.code(
      'healthcareFacilityTypeCode',
      d.healthcareFacilityTypeCode,
      where,
      'healthcareFacilityTypeCode',
      true,
    );
    this.code('practiceSettingCode', d.practiceSettingCode, where, 'practiceSettingCode', true);
    this.codes1n('confidentialityCode', d.confidentialityCodes, where, 'confidentialityCode', 1);
    this.codes1n('eventCodeList', d.eventCodeList, where, 'eventCodeList', 0);

    if (this.required(d.uniqueId, 'uniqueId', where))
      this.formatAt(documentUniqueIdProblem(d.uniqueId), where, 'uniqueId');
    this.samePatient(d.patientId, where);
    this.patientCx(d.sourcePatientId, where, 'sourcePatientId');
    for (const v of d.sourcePatientInfo)
      if (!PID_FIELD.test(v))
        this.err(`sourcePatientInfo value '${v}' is not PID-n|value`, `${where}.sourcePatientInfo`);
    for (const ref of d.referenceIdList)
      // ITI TF-3 4.2.3.2.28: CXi with CX.1 and CX.5 (identifier type code) valued.
      if (!ref.id || !ref.identifierTypeCode)
        this.err(`referenceIdList value '${ref.raw}' needs CX.1 and CX.5`, `${where}.referenceIdList`);

    if (this.required(d.mimeType, 'mimeType', where)) {
      const problem = mimeTypeProblem(d.mimeType);
      this.formatAt(problem, where, 'mimeType');
      if (!problem && this.policy.isAllowedMimeType && !this.policy.isAllowedMimeType(d.mimeType))
        this.err(`mimeType '${d.mimeType}' is not accepted by the affinity domain`, `${where}.mimeType`);
    }
    if (this.required(d.languageCode, 'languageCode', where)) {
      const problem = languageCodeProblem(d.languageCode);
      this.formatAt(problem, where, 'languageCode');
      if (!problem && this.policy.isAllowedLanguageCode && !this.policy.isAllowedLanguageCode(d.languageCode))
        this.err(
          `languageCode '${d.languageCode}' is not accepted by the affinity domain`,
          `${where}.languageCode`,
        );
    }
    if (d.legalAuthenticator) this.formatAt(xcnProblem(d.legalAuthenticator), where, 'legalAuthenticator');
    this.dtm(d.serviceStartTime, where, 'serviceStartTime');
    this.dtm(d.serviceStopTime, where, 'serviceStopTime');

    if (onDemand) {
      // On-Demand content does not exist yet: no creation time, hash, size or legal
      // authenticator (ITI TF-3 Table 4.3.1-3, column ITI-61; 4.2.3.2.6, .10, .24).
      const why = 'not for an On-Demand DocumentEntry';
      this.prohibited(d.creationTime !== undefined, 'creationTime', where, why);
      this.prohibited(d.hash !== undefined, 'hash', where, why);
      this.prohibited(d.size !== undefined, 'size', where, why);
      this.prohibited(d.legalAuthenticator !== undefined, 'legalAuthenticator', where, why);
    } else {
      if (this.required(d.creationTime, 'creationTime', where))
        this.dtm(d.creationTime, where, 'creationTime');
      // hash and size: O from the Document Source in ITI-41 (the repository computes them),
      // R in what the registry receives (ITI-42, ITI-57) (Table 4.3.1-3).
      const fromSource = this.tx === 'ITI-41';
      if (fromSource ? d.hash !== undefined : this.required(d.hash, 'hash', where))
        this.formatAt(hashProblem(d.hash!), where, 'hash');
      if (fromSource ? d.size !== undefined : this.required(d.size, 'size', where))
        this.formatAt(sizeProblem(d.size!), where, 'size');
    }
    // repositoryUniqueId: R from the repository (ITI-42) and in updates, O from the source.
    const repo = d.repositoryUniqueId;
    if (this.tx === 'ITI-41' ? repo !== undefined : this.required(repo, 'repositoryUniqueId', where)) {
      const problem = oidProblem(repo!);
      this.formatAt(problem, where, 'repositoryUniqueId');
      if (!problem && this.policy.isKnownRepository && !this.policy.isKnownRepository(repo!))
        this.err(
          `repositoryUniqueId ${repo!} is not a repository of the affinity domain`,
          `${where}.repositoryUniqueId`,
        );
    }
    this.extra(d.extraSlots, where);
  }

  /** ITI TF-3 Table 4.2.3.4-1 with the XDS optionality of Table 4.3.1-3. */
  private folder(f: Folder): void {
    const where = `Folder[${f.entryUUID}]`;
    this.entryUUID(f.entryUUID, where);
    this.home(f.homeCommunityId, where);
    this.limited(f.limitedMetadata, where);
    this.logicalID(f.logicalID, f.entryUUID, where);
    this.codes1n('folderCodeList', f.codeList, where, 'codeList', 1);
    this.required(f.title?.value, 'title', where);
    if (this.required(f.uniqueId, 'uniqueId', where))
      this.formatAt(oidProblem(f.uniqueId), where, 'uniqueId');
    this.samePatient(f.patientId, where);
    this.dtm(f.lastUpdateTime, where, 'lastUpdateTime');
    this.extra(f.extraSlots, where);
  }

  /** ITI TF-3 4.2.2 Associations; ITI-57 association forms of ITI TF-2 3.57.4.1.3.3. */
  private association(a: Association): void {
    const where = `Association[${a.entryUUID}]`;
    this.entryUUID(a.entryUUID, where);
    this.home(a.homeCommunityId, where);
    this.extra(a.extraSlots, where);
    if (a.documentation) this.code('associationDocumentation', a.documentation, where, 'documentation', true);
    this.reference(a.sourceObject, where, 'sourceObject');
    this.reference(a.targetObject, where, 'targetObject');
    // AssociationPropagation: ITI-57 only, `yes` or `no` (ITI TF-2 3.57.4.1.3.3.1).
    if (a.associationPropagation !== undefined) {
      if (!this.isUpdate)
        this.prohibited(true, 'AssociationPropagation', where, 'it belongs to ITI-57 metadata updates');
      else if (a.associationPropagation !== 'yes' && a.associationPropagation !== 'no')
        this.err(
          `AssociationPropagation is yes or no, is '${a.associationPropagation}'`,
          `${where}.AssociationPropagation`,
          'XDSMetadataUpdateOperationError',
        );
    }

    const type = a.associationType;
    switch (type) {
      case 'HasMember':
        this.hasMember(a, where);
        return;
      case 'RPLC':
      case 'APND':
      case 'XFRM':
      case 'XFRM_RPLC':
      case 'signs':
      case 'IsSnapshotOf':
        this.relationship(a, where);
        return;
      case 'UpdateAvailabilityStatus':
        this.updateAvailabilityStatus(a, where);
        return;
      case 'SubmitAssociation':
        if (!this.isUpdate)
          this.err(`${type} associations belong to ITI-57 only`, `${where}.associationType`);
        else if (a.sourceObject !== this.ss.entryUUID || !this.associations.has(a.targetObject))
          this.err(
            'SubmitAssociation goes from the SubmissionSet to an Association of the submission',
            `${where}.targetObject`,
            'XDSMetadataUpdateOperationError',
          );
        return;
    }
  }

  /**
   * A symbolic id must name an object of this submission (ITI TF-3 4.2.3.1.5); a UUID may
   * name an object already registered.
   */
  private reference(id: string, where: string, name: 'sourceObject' | 'targetObject'): void {
    if (id === '') {
      this.err(`${name} is empty`, `${where}.${name}`);
      return;
    }
    if (this.isInSubmission(id)) return;
    if (!isUuidUrn(id))
      this.err(`${name} '${id}' is a symbolic id that names no object of the submission`, `${where}.${name}`);
  }

  private isInSubmission(id: string): boolean {
    return (
      id === this.ss.entryUUID || this.documents.has(id) || this.folders.has(id) || this.associations.has(id)
    );
  }

  /** A Folder of the submission, or an object registered earlier (by UUID) taken to be a Folder. */
  private isFolderRef(id: string): boolean {
    return this.folders.has(id) || (isUuidUrn(id) && !this.isInSubmission(id));
  }

  /** ITI TF-3 4.2.2.1: SubmissionSet and Folder membership; ITI-57 PreviousVersion. */
  private hasMember(a: Association, where: string): void {
    const fromSs = a.sourceObject === this.ss.entryUUID;
    const targetDoc = this.documents.get(a.targetObject);
    const targetFolder = this.folders.get(a.targetObject);
    const toSs = a.targetObject === this.ss.entryUUID;
    const external = !targetDoc && !targetFolder && !toSs && !this.associations.has(a.targetObject);
    if (fromSs && toSs) {
      this.err('HasMember from the SubmissionSet to itself', `${where}.targetObject`);
      return;
    }
    if (fromSs) {
      if (targetDoc || (external && !this.isUpdate)) {
        // ITI TF-3 4.2.2.1.1: SubmissionSetStatus is Original for a DocumentEntry of this
        // submission, Reference for one registered earlier.
        const expected = targetDoc ? 'Original' : 'Reference';
        if (a.submissionSetStatus === undefined)
          this.err(
            'HasMember from the SubmissionSet to a DocumentEntry needs the SubmissionSetStatus slot',
            `${where}.SubmissionSetStatus`,
          );
        else if (a.submissionSetStatus !== expected)
          this.err(
            `SubmissionSetStatus must be ${expected} here, is ${a.submissionSetStatus}`,
            `${where}.SubmissionSetStatus`,
          );
      }
      this.previousVersion(a, where, targetDoc ?? targetFolder);
      return;
    }
    this.prohibited(
      a.previousVersion !== undefined,
      'PreviousVersion',
      where,
      'only on HasMember from the SubmissionSet',
    );
    if (!this.isInSubmission(a.sourceObject) && !isUuidUrn(a.sourceObject)) return; // reported by reference()
    // Folder membership: Folder (new, or registered: by UUID) -> DocumentEntry (ITI TF-3 4.2.2.1.2).
    if (!this.isFolderRef(a.sourceObject) || targetFolder || toSs || this.associations.has(a.targetObject))
      this.err(
        'HasMember goes from the SubmissionSet to a DocumentEntry, Folder or Association, or from a Folder to a DocumentEntry',
        `${where}.sourceObject`,
      );
  }

  /**
   * ITI-57 new versions (ITI TF-2 3.57.4.1.3.3.1): the HasMember from the SubmissionSet to an
   * object with a logicalID other than its entryUUID carries PreviousVersion, and the reverse.
   */
  private previousVersion(a: Association, where: string, target: DocumentEntry | Folder | undefined): void {
    if (!this.isUpdate) {
      this.prohibited(
        a.previousVersion !== undefined,
        'PreviousVersion',
        where,
        'only ITI-57 submits new versions',
      );
      return;
    }
    if (target === undefined) return;
    const isNewVersion = target.logicalID !== undefined && target.logicalID !== target.entryUUID;
    const targetWhere = `${'objectType' in target ? 'DocumentEntry' : 'Folder'}[${target.entryUUID}]`;
    if (a.previousVersion === undefined) {
      if (isNewVersion || 'objectType' in target)
        this.err(
          'A new version needs the PreviousVersion slot on its HasMember from the SubmissionSet',
          `${where}.PreviousVersion`,
          'XDSMetadataUpdateOperationError',
        );
      return;
    }
    if (!VERSION_NUMBER.test(a.previousVersion))
      this.err(
        `PreviousVersion '${a.previousVersion}' is not a version number`,
        `${where}.PreviousVersion`,
        'XDSMetadataVersionError',
      );
    if (!isNewVersion)
      this.err(
        'PreviousVersion names an update, so the object needs the logicalID of the registered object (lid differs from id)',
        `${targetWhere}.logicalID`,
        'XDSMetadataUpdateOperationError',
      );
  }

  /** ITI TF-3 4.2.2.2: document relationships. */
  private relationship(a: Association, where: string): void {
    const type = a.associationType;
    if (!this.documents.has(a.sourceObject))
      this.err(`The source of ${type} is a DocumentEntry of the submission`, `${where}.sourceObject`);
    const inSubmission = this.documents.has(a.targetObject);
    if (inSubmission) {
      // Only a signature may sign a document submitted with it (ITI TF-3 4.2.2.2.5).
      if (type !== 'signs')
        this.err(
          `The target of ${type} is a document already registered, not one of this submission`,
          `${where}.targetObject`,
        );
      return;
    }
    if (!isUuidUrn(a.targetObject)) return; // reported by reference()
    if (!this.policy.lookupDocument) return;
    const target = this.policy.lookupDocument(a.targetObject);
    if (!target) {
      this.err(
        `The target ${a.targetObject} of ${type} is not a registered document`,
        `${where}.targetObject`,
      );
      return;
    }
    if (NEEDS_APPROVED_TARGET.has(type) && target.status !== 'Approved')
      this.err(
        `The target ${a.targetObject} of ${type} is ${target.status}, not Approved`,
        `${where}.targetObject`,
        'XDSRegistryDeprecatedDocumentError',
      );
    if (type === 'IsSnapshotOf' && target.objectType === 'stable')
      this.err(
        'IsSnapshotOf targets an On-Demand DocumentEntry (ITI TF-3 4.2.2.2.6)',
        `${where}.targetObject`,
      );
    const source = this.documents.get(a.sourceObject);
    const sourcePatient = source?.patientId?.raw ?? this.ssPatientId;
    if (sourcePatient !== undefined && target.patientId !== sourcePatient)
      this.err(
        `The target ${a.targetObject} of ${type} belongs to patient ${target.patientId}, not ${sourcePatient}`,
        `${where}.targetObject`,
        'XDSPatientIdDoesNotMatch',
      );
  }

  /** ITI TF-2 3.57.4.1.3.3.2: status change of a registered DocumentEntry or Folder. */
  private updateAvailabilityStatus(a: Association, where: string): void {
    if (!this.isUpdate) {
      this.err('UpdateAvailabilityStatus associations belong to ITI-57 only', `${where}.associationType`);
      return;
    }
    const op = 'XDSMetadataUpdateOperationError';
    if (a.sourceObject !== this.ss.entryUUID)
      this.err('UpdateAvailabilityStatus goes from the SubmissionSet', `${where}.sourceObject`, op);
    if (!isUuidUrn(a.targetObject) || this.isInSubmission(a.targetObject))
      this.err(
        'UpdateAvailabilityStatus targets a registered object by its UUID',
        `${where}.targetObject`,
        op,
      );
    for (const [name, value] of [
      ['OriginalStatus', a.originalStatus],
      ['NewStatus', a.newStatus],
    ] as const) {
      if (value === undefined) this.err(`${name} slot is required`, `${where}.${name}`, op);
      else if (!STATUS_URN.test(value))
        this.err(`${name} '${value}' is not an ebRIM StatusType URN`, `${where}.${name}`, op);
    }
    if (a.newStatus !== undefined && SUBMITTED.test(a.newStatus))
      this.err('NewStatus is Approved or Deprecated', `${where}.NewStatus`, op);
  }

  // ---------------------------------------------------------------- cross-object rules

  private duplicates(): void {
    const seenIds = new Set<string>();
    const seenUniqueIds = new Map<string, string>();
    // SubmissionSet, DocumentEntries, Folders, Associations: the order the issues come in.
    this.duplicate('SubmissionSet', this.ss.entryUUID, this.ss.uniqueId, seenIds, seenUniqueIds);
    for (const d of this.submission.documentEntries)
      this.duplicate('DocumentEntry', d.entryUUID, d.uniqueId, seenIds, seenUniqueIds);
    for (const f of this.submission.folders)
      this.duplicate('Folder', f.entryUUID, f.uniqueId, seenIds, seenUniqueIds);
    for (const a of this.submission.associations)
      this.duplicate('Association', a.entryUUID, undefined, seenIds, seenUniqueIds);
    // ITI-57: one new version per logical object in a submission (ITI TF-2 3.57.4.1.3.3.1).
    if (this.isUpdate) {
      const lids = new Set<string>();
      for (const [where, lid] of [
        ...this.submission.documentEntries.map(
          (d) => [`DocumentEntry[${d.entryUUID}]`, d.logicalID] as const,
        ),
        ...this.submission.folders.map((f) => [`Folder[${f.entryUUID}]`, f.logicalID] as const),
      ]) {
        if (lid === undefined) continue;
        if (lids.has(lid))
          this.err(
            `logicalID ${lid} is updated twice in the submission`,
            `${where}.logicalID`,
            'XDSMetadataUpdateOperationError',
          );
        lids.add(lid);
      }
    }
    // A registered document is replaced at most once (ITI TF-3 4.2.2.2.1, 4.2.2.2.4).
    const replaced = new Set<string>();
    for (const a of this.submission.associations) {
      if (!REPLACING.has(a.associationType)) continue;
      if (replaced.has(a.targetObject))
        this.err(
          `${a.targetObject} is replaced twice in the submission`,
          `Association[${a.entryUUID}].targetObject`,
        );
      replaced.add(a.targetObject);
    }
  }

  /**
   * One object of {@link duplicates}: its entryUUID and uniqueId against those seen before.
   * `kind` is the location's object name (`SubmissionSet`, or `DocumentEntry` etc. followed by
   * `[entryUUID]`), built only when the location is needed.
   */
  private duplicate(
    kind: 'SubmissionSet' | 'DocumentEntry' | 'Folder' | 'Association',
    id: string,
    uniqueId: string | undefined,
    seenIds: Set<string>,
    seenUniqueIds: Map<string, string>,
  ): void {
    if (id !== '' && seenIds.has(id))
      this.err(
        `entryUUID ${id} is used by another object of the submission`,
        `${locationOf(kind, id)}.entryUUID`,
      );
    seenIds.add(id);
    if (uniqueId === undefined || uniqueId === '') return;
    const first = seenUniqueIds.get(uniqueId);
    // ITI TF-3 Table 4.2.4.1-2: a uniqueId used twice in one submission.
    if (first !== undefined)
      this.err(
        `uniqueId ${uniqueId} is also used by ${first}`,
        `${locationOf(kind, id)}.uniqueId`,
        this.codes.duplicateUniqueId,
      );
    else seenUniqueIds.set(uniqueId, locationOf(kind, id));
  }

  /**
   * ITI TF-3 4.2.2.1.1 - 4.2.2.1.3: every DocumentEntry and Folder of the submission is a member
   * of its SubmissionSet (exactly once), and each Folder membership association is too.
   */
  private membership(): void {
    const members = new Map<string, number>();
    for (const a of this.submission.associations)
      if (a.associationType === 'HasMember' && a.sourceObject === this.ss.entryUUID)
        members.set(a.targetObject, (members.get(a.targetObject) ?? 0) + 1);
    for (const d of this.submission.documentEntries)
      this.member(members, 'DocumentEntry', d.entryUUID, 'The DocumentEntry');
    for (const f of this.submission.folders) this.member(members, 'Folder', f.entryUUID, 'The Folder');
    for (const a of this.submission.associations) {
      if (a.associationType !== 'HasMember' || a.sourceObject === this.ss.entryUUID) continue;
      if (!this.isFolderRef(a.sourceObject)) continue;
      this.member(members, 'Association', a.entryUUID, 'The Folder membership association');
    }
  }

  /** One object of {@link membership}: a member of the SubmissionSet exactly once. */
  private member(
    members: ReadonlyMap<string, number>,
    kind: 'DocumentEntry' | 'Folder' | 'Association',
    id: string,
    what: string,
  ): void {
    const n = members.get(id) ?? 0;
    if (n === 0)
      this.err(`${what} is not a member of the SubmissionSet (no HasMember from it)`, locationOf(kind, id));
    else if (n > 1) this.err(`${what} is a member of the SubmissionSet ${n} times`, locationOf(kind, id));
  }
}

/** The location of an object: `SubmissionSet`, or `DocumentEntry[entryUUID]` and the like. */
function locationOf(kind: 'SubmissionSet' | 'DocumentEntry' | 'Folder' | 'Association', id: string): string {
  return kind === 'SubmissionSet' ? kind : `${kind}[${id}]`;
}
