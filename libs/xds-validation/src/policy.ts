/**
 * What the validator needs from outside the submission: the affinity domain (value sets,
 * patient-id authority, repositories) and, when the caller has it, the registry's view of
 * documents the submission points at. Kept as plain functions so the validator stays pure and
 * the registry, repository or a test decides where the answers come from.
 */
import type { AvailabilityStatus, DocumentEntryType } from '@mesh/xds';

/**
 * The coded attributes whose codes the affinity domain constrains (ITI TF-3 4.2.3.1.2), as
 * @mesh/affinity-domain names them, so its `isAllowedCode` plugs in as is.
 */
export type { CodedAttribute } from '@mesh/affinity-domain';
import type { CodedAttribute } from '@mesh/affinity-domain';

/** What the registry knows about a document an Association targets (RPLC, APND, XFRM, ...). */
export interface RegisteredDocument {
  /** availabilityStatus of the registered entry (ITI TF-3 4.2.3.2.2). */
  readonly status: AvailabilityStatus;
  /** The registered patientId, as its CX raw text. */
  readonly patientId: string;
  /** Stable or On-Demand, when known (IsSnapshotOf targets an On-Demand entry, ITI TF-3 4.2.2.2.6). */
  readonly objectType?: DocumentEntryType;
}

/** The affinity domain and registry lookups the rules need. */
export interface MetadataPolicy {
  /** Whether (code, codingScheme) is in the domain's value set for the attribute. */
  isAllowedCode(attribute: CodedAttribute, code: string, codingScheme: string): boolean;
  /** Whether a well-formed CX patient id is issued by the affinity domain's authority. */
  isAffinityDomainPatientId(cx: string): boolean;
  /** Whether the patient id is known and active (XDSUnknownPatientId otherwise); skipped when absent. */
  isKnownPatientId?(cx: string): boolean;
  /** Whether a repositoryUniqueId is one of the domain's repositories; skipped when absent. */
  isKnownRepository?(repositoryUniqueId: string): boolean;
  /** Whether DocumentEntry.mimeType is accepted; skipped when absent. */
  isAllowedMimeType?(mimeType: string): boolean;
  /** Whether DocumentEntry.languageCode is accepted; skipped when absent. */
  isAllowedLanguageCode?(languageCode: string): boolean;
  /**
   * The registered document with this entryUUID (or uniqueId), for the checks on
   * relationship targets (ITI TF-3 4.2.2.2); those checks are skipped when absent.
   */
  lookupDocument?(entryUUIDOrUniqueId: string): RegisteredDocument | undefined;
  /**
   * False when the receiver does not store extra metadata (ITI TF-3 4.2.3.1.7): each extra
   * slot then yields the warning XDSExtraMetadataNotSaved. Default true: the mesh stores it.
   */
  readonly extraMetadataSaved?: boolean;
}

/** The transactions whose metadata this package validates. */
export type SubmissionTransaction = 'ITI-42' | 'ITI-41' | 'ITI-57';

/** Options of {@link validateSubmission}. */
export interface ValidateOptions {
  /**
   * Which optionality column applies (ITI TF-3 Table 4.3.1-3): ITI-41 as received by the
   * Document Repository (or a Document Recipient), ITI-42 and ITI-57 as received by the
   * Document Registry.
   */
  readonly transaction: SubmissionTransaction;
  readonly policy: MetadataPolicy;
}
