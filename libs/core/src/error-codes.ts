/**
 * The closed set of registry/repository error codes (ITI TF-3 4.2.4.1, Table 4.2.4.1-2
 * "Error Codes", plus the ebRS 3.0 exceptions the TF uses for ITI-57/ITI-62 and the codes
 * XCA adds). docs/errors.md lists exactly these codes; a test keeps the two in sync.
 */

export interface ErrorCodeSpec {
  readonly code: string;
  /** What the code means, in the TF's terms. */
  readonly description: string;
  /** Error, or Warning for codes the TF defines as warnings. */
  readonly severity: 'Error' | 'Warning';
  /** The table or section that defines the code. */
  readonly tf: string;
  /** Transactions that may return it. */
  readonly transactions: readonly string[];
}

const T = 'ITI TF-3 Table 4.2.4.1-2';

const codes = [
  {
    code: 'XDSDocumentUniqueIdError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-43', 'ITI-39', 'ITI-86'],
    description:
      'The document associated with the uniqueId is not available (unknown uniqueId or document removed).',
  },
  {
    code: 'XDSDuplicateUniqueIdInRegistry',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description:
      'A UniqueId value received was already registered for another object; the submission is rejected.',
  },
  {
    code: 'XDSExtraMetadataNotSaved',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description:
      'The submission carried extra metadata (slots not defined by XDS) that the registry did not save.',
  },
  {
    code: 'XDSMissingDocument',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A DocumentEntry has no corresponding document in the submission.',
  },
  {
    code: 'XDSMissingDocumentMetadata',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A document in the submission has no corresponding DocumentEntry.',
  },
  {
    code: 'XDSNonIdenticalHash',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'The uniqueId is already registered for a document with a different hash.',
  },
  {
    code: 'XDSNonIdenticalSize',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'The uniqueId is already registered for a document with a different size.',
  },
  {
    code: 'XDSPatientIdDoesNotMatch',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description:
      'The patient id of an object differs from the SubmissionSet patient id, or from the target of an association.',
  },
  {
    code: 'XDSRegistryBusy',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-18', 'ITI-57', 'ITI-62'],
    description: 'Too much activity: the registry cannot take the request now; the caller may retry.',
  },
  {
    code: 'XDSRegistryDuplicateUniqueIdInMessage',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description: 'A uniqueId appears more than once in the submission.',
  },
  {
    code: 'XDSRegistryError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-18', 'ITI-57', 'ITI-62'],
    description: 'Internal registry error; the default when no other code applies.',
  },
  {
    code: 'XDSRegistryMetadataError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-18', 'ITI-57', 'ITI-62'],
    description:
      'Error detected in the metadata: missing or malformed attribute, invalid code, wrong cardinality.',
  },
  {
    code: 'XDSRegistryNotAvailable',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'The repository could not reach the registry.',
  },
  {
    code: 'XDSRegistryOutOfResources',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-18'],
    description: 'Resources are low within the registry.',
  },
  {
    code: 'XDSRepositoryBusy',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41', 'ITI-43', 'ITI-86'],
    description: 'Too much activity: the repository cannot take the request now; the caller may retry.',
  },
  {
    code: 'XDSRepositoryDuplicateUniqueIdInMessage',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'A document uniqueId appears more than once in the submission to the repository.',
  },
  {
    code: 'XDSRepositoryError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41', 'ITI-43', 'ITI-86'],
    description: 'Internal repository error; the default when no other code applies.',
  },
  {
    code: 'XDSRepositoryMetadataError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41', 'ITI-43'],
    description:
      'Error detected by the repository in the metadata (e.g. hash or size not matching the document).',
  },
  {
    code: 'XDSRepositoryOutOfResources',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41', 'ITI-43'],
    description: 'Resources are low within the repository.',
  },
  {
    code: 'XDSResultNotSinglePatient',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'The query would return objects of more than one patient.',
  },
  {
    code: 'XDSStoredQueryMissingParam',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'A required parameter of the stored query is missing.',
  },
  {
    code: 'XDSStoredQueryParamNumber',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'A parameter that accepts one value was given several, or a parameter conflict.',
  },
  {
    code: 'XDSTooManyResults',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'The query would return more results than the registry allows.',
  },
  {
    code: 'XDSUnknownPatientId',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41', 'ITI-57'],
    description:
      'The patient id is not known to the registry (not of the affinity domain, or not fed by the PIX).',
  },
  {
    code: 'XDSUnknownRepositoryId',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-43', 'ITI-39', 'ITI-86'],
    description: 'The repositoryUniqueId is not known to the responder.',
  },
  {
    code: 'XDSUnknownStoredQuery',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38'],
    description: 'The stored query id is not known to the registry.',
  },
  {
    code: 'XDSUnknownCommunity',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38', 'ITI-39', 'ITI-43'],
    description: 'The homeCommunityId is not known.',
  },
  {
    code: 'XDSMissingHomeCommunityId',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38', 'ITI-39'],
    description: 'A request that needs a homeCommunityId has none.',
  },
  {
    code: 'XDSUnavailableCommunity',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-18', 'ITI-38', 'ITI-39'],
    description: 'The community could not be reached.',
  },
  {
    code: 'XDSMetadataVersionError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-57'],
    description: 'The version number in the update does not follow the latest version in the registry.',
  },
  {
    code: 'XDSMetadataUpdateOperationError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-57'],
    description: 'The metadata update is not allowed (unsupported operation, wrong status transition).',
  },
  {
    code: 'XDSMetadataUpdateError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-57'],
    description: 'General metadata update error.',
  },
  {
    code: 'XDSMetadataIdentifierError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-57'],
    description: 'The logicalId or entryUUID of an updated object is not consistent with the registry.',
  },
  {
    code: 'XDSPatientIDReconciliationError',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-57'],
    description: 'Patient id reconciliation failed in an update.',
  },
  {
    code: 'XDSReplaceFailed',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'The document to be replaced was not found or is not the latest Approved version.',
  },
  {
    code: 'PartialFolderContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'Some folder content was not processed.',
  },
  {
    code: 'PartialAppendContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'Some append content was not processed.',
  },
  {
    code: 'PartialReplaceContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'Some replace content was not processed.',
  },
  {
    code: 'PartialTransformContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'Some transform content was not processed.',
  },
  {
    code: 'PartialTransformReplaceContentNotProcessed',
    severity: 'Warning',
    tf: T,
    transactions: ['ITI-42', 'ITI-41'],
    description: 'Some transform-and-replace content was not processed.',
  },
  {
    code: 'InvalidDocumentContent',
    severity: 'Error',
    tf: T,
    transactions: ['ITI-41'],
    description: 'The document content does not match the metadata or the format it claims.',
  },
  {
    code: 'UnresolvedReferenceException',
    severity: 'Error',
    tf: 'ebRS 3.0 (ITI TF-2 3.62.4.1.3)',
    transactions: ['ITI-62', 'ITI-57'],
    description: 'An object referenced by the request does not exist in the registry.',
  },
  {
    code: 'ReferencesExistException',
    severity: 'Error',
    tf: 'ebRS 3.0 (ITI TF-2 3.62.4.1.3)',
    transactions: ['ITI-62'],
    description: 'The objects to delete are still referenced by associations not in the request.',
  },
] as const satisfies readonly ErrorCodeSpec[];

/** A registry or repository error code of the catalogue. */
export type RegistryErrorCode = (typeof codes)[number]['code'];

/** The catalogue, keyed by code. */
export const REGISTRY_ERROR_CODES: Readonly<Record<RegistryErrorCode, ErrorCodeSpec>> = Object.freeze(
  Object.fromEntries(codes.map((c) => [c.code, c])) as unknown as Record<RegistryErrorCode, ErrorCodeSpec>,
);

export function isRegistryErrorCode(code: string): code is RegistryErrorCode {
  return Object.hasOwn(REGISTRY_ERROR_CODES, code);
}
