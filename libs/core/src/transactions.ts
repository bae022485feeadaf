/**
 * The transaction catalogue as data: every transaction the mesh plays, as the IHE ITI
 * Technical Framework names it. Transports dispatch on `soapActions`; logs, metric labels
 * and audit records carry `id` exactly as the TF writes it ('ITI-41').
 */

export type TransactionId =
  | 'ITI-8'
  | 'ITI-9'
  | 'ITI-10'
  | 'ITI-18'
  | 'ITI-20'
  | 'ITI-21'
  | 'ITI-38'
  | 'ITI-39'
  | 'ITI-40'
  | 'ITI-41'
  | 'ITI-42'
  | 'ITI-43'
  | 'ITI-44'
  | 'ITI-45'
  | 'ITI-46'
  | 'ITI-47'
  | 'ITI-48'
  | 'ITI-55'
  | 'ITI-57'
  | 'ITI-58'
  | 'ITI-59'
  | 'ITI-60'
  | 'ITI-62'
  | 'ITI-81'
  | 'ITI-86';

export type Transport = 'soap' | 'mllp' | 'syslog' | 'http' | 'saml';

/** A request/response SOAP action pair (WS-Addressing Action, SOAP 1.2 action parameter). */
export interface SoapActionPair {
  /** What the initiator sends, e.g. 'urn:ihe:iti:2007:RegisterDocumentSet-b'. */
  readonly request: string;
  /** What the responder answers with. */
  readonly response: string;
  /** The request's message name where the action alone does not say it (HL7v3 interactions). */
  readonly message?: string;
}

export interface TransactionSpec {
  readonly id: TransactionId;
  readonly name: string;
  /** Initiating actor -> responding actor, as TF-2 names them. */
  readonly initiator: string;
  readonly responder: string;
  readonly transport: Transport;
  /** SOAP transactions: the action pairs the responder dispatches on (several for HL7v3 interactions). */
  readonly soapActions?: readonly SoapActionPair[];
  /** MTOM/XOP is required on the request, the response, both, or neither (ITI TF-2 V.3.6). */
  readonly mtom?: 'request' | 'response' | 'both' | 'none';
  /** The TF-2 section defining the transaction. */
  readonly tf: string;
}

/** An HL7v3 interaction: actions are urn:hl7-org:v3:<interaction id> (ITI TF-2 Appendix V). */
const v3 = (req: string, resp: string, message = req): SoapActionPair => ({
  request: `urn:hl7-org:v3:${req}`,
  response: `urn:hl7-org:v3:${resp}`,
  message,
});

/** Every transaction the mesh knows, keyed by id. Frozen data; no behaviour. */
export const TRANSACTIONS: Readonly<Record<TransactionId, TransactionSpec>> = Object.freeze({
  'ITI-8': {
    id: 'ITI-8',
    name: 'Patient Identity Feed',
    initiator: 'Patient Identity Source',
    responder: 'Patient Identifier Cross-reference Manager',
    transport: 'mllp',
    tf: 'ITI TF-2 3.8',
  },
  'ITI-9': {
    id: 'ITI-9',
    name: 'PIX Query',
    initiator: 'Patient Identifier Cross-reference Consumer',
    responder: 'Patient Identifier Cross-reference Manager',
    transport: 'mllp',
    tf: 'ITI TF-2 3.9',
  },
  'ITI-10': {
    id: 'ITI-10',
    name: 'PIX Update Notification',
    initiator: 'Patient Identifier Cross-reference Manager',
    responder: 'Patient Identifier Cross-reference Consumer',
    transport: 'mllp',
    tf: 'ITI TF-2 3.10',
  },
  'ITI-18': {
    id: 'ITI-18',
    name: 'Registry Stored Query',
    initiator: 'Document Consumer',
    responder: 'Document Registry',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2007:RegistryStoredQuery',
        response: 'urn:ihe:iti:2007:RegistryStoredQueryResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.18',
  },
  'ITI-20': {
    id: 'ITI-20',
    name: 'Record Audit Event',
    initiator: 'Secure Node',
    responder: 'Audit Record Repository',
    transport: 'syslog',
    tf: 'ITI TF-2 3.20',
  },
  'ITI-21': {
    id: 'ITI-21',
    name: 'Patient Demographics Query',
    initiator: 'Patient Demographics Consumer',
    responder: 'Patient Demographics Supplier',
    transport: 'mllp',
    tf: 'ITI TF-2 3.21',
  },
  'ITI-38': {
    id: 'ITI-38',
    name: 'Cross Gateway Query',
    initiator: 'Initiating Gateway',
    responder: 'Responding Gateway',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2007:CrossGatewayQuery',
        response: 'urn:ihe:iti:2007:CrossGatewayQueryResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.38',
  },
  'ITI-39': {
    id: 'ITI-39',
    name: 'Cross Gateway Retrieve',
    initiator: 'Initiating Gateway',
    responder: 'Responding Gateway',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2007:CrossGatewayRetrieve',
        response: 'urn:ihe:iti:2007:CrossGatewayRetrieveResponse',
      },
    ],
    mtom: 'both',
    tf: 'ITI TF-2 3.39',
  },
  'ITI-40': {
    id: 'ITI-40',
    name: 'Provide X-User Assertion',
    initiator: 'X-Service User',
    responder: 'X-Service Provider',
    transport: 'saml',
    tf: 'ITI TF-2 3.40',
  },
  'ITI-41': {
    id: 'ITI-41',
    name: 'Provide and Register Document Set-b',
    initiator: 'Document Source',
    responder: 'Document Repository',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b',
        response: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse',
      },
    ],
    mtom: 'request',
    tf: 'ITI TF-2 3.41',
  },
  'ITI-42': {
    id: 'ITI-42',
    name: 'Register Document Set-b',
    initiator: 'Document Repository',
    responder: 'Document Registry',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2007:RegisterDocumentSet-b',
        response: 'urn:ihe:iti:2007:RegisterDocumentSet-bResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.42',
  },
  'ITI-43': {
    id: 'ITI-43',
    name: 'Retrieve Document Set',
    initiator: 'Document Consumer',
    responder: 'Document Repository',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2007:RetrieveDocumentSet',
        response: 'urn:ihe:iti:2007:RetrieveDocumentSetResponse',
      },
    ],
    mtom: 'both',
    tf: 'ITI TF-2 3.43',
  },
  'ITI-44': {
    id: 'ITI-44',
    name: 'Patient Identity Feed HL7 V3',
    initiator: 'Patient Identity Source',
    responder: 'Patient Identifier Cross-reference Manager',
    transport: 'soap',
    soapActions: [
      v3('PRPA_IN201301UV02', 'MCCI_IN000002UV01'),
      v3('PRPA_IN201302UV02', 'MCCI_IN000002UV01'),
      v3('PRPA_IN201304UV02', 'MCCI_IN000002UV01'),
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.44',
  },
  'ITI-45': {
    id: 'ITI-45',
    name: 'PIXV3 Query',
    initiator: 'Patient Identifier Cross-reference Consumer',
    responder: 'Patient Identifier Cross-reference Manager',
    transport: 'soap',
    soapActions: [v3('PRPA_IN201309UV02', 'PRPA_IN201310UV02')],
    mtom: 'none',
    tf: 'ITI TF-2 3.45',
  },
  'ITI-46': {
    id: 'ITI-46',
    name: 'PIXV3 Update Notification',
    initiator: 'Patient Identifier Cross-reference Manager',
    responder: 'Patient Identifier Cross-reference Consumer',
    transport: 'soap',
    soapActions: [v3('PRPA_IN201302UV02', 'MCCI_IN000002UV01')],
    mtom: 'none',
    tf: 'ITI TF-2 3.46',
  },
  'ITI-47': {
    id: 'ITI-47',
    name: 'Patient Demographics Query HL7 V3',
    initiator: 'Patient Demographics Consumer',
    responder: 'Patient Demographics Supplier',
    transport: 'soap',
    soapActions: [
      v3('PRPA_IN201305UV02', 'PRPA_IN201306UV02'),
      // Query continuation and cancel (ITI TF-2 3.47.4.3, 3.47.4.4; the IHE ITI-47 WSDL): their
      // own actions; the continuation's message is QUQI_IN000003UV01, the cancel's root element
      // QUQI_IN000003UV01_Cancel.
      v3('QUQI_IN000003UV01_Continue', 'PRPA_IN201306UV02', 'QUQI_IN000003UV01'),
      v3('QUQI_IN000003UV01_Cancel', 'MCCI_IN000002UV01'),
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.47',
  },
  'ITI-48': {
    id: 'ITI-48',
    name: 'Retrieve Value Set',
    initiator: 'Value Set Consumer',
    responder: 'Value Set Repository',
    transport: 'soap',
    soapActions: [
      { request: 'urn:ihe:iti:2008:RetrieveValueSet', response: 'urn:ihe:iti:2008:RetrieveValueSetResponse' },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.48',
  },
  'ITI-55': {
    id: 'ITI-55',
    name: 'Cross Gateway Patient Discovery',
    initiator: 'Initiating Gateway',
    responder: 'Responding Gateway',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery',
        response: 'urn:hl7-org:v3:PRPA_IN201306UV02:CrossGatewayPatientDiscovery',
        message: 'PRPA_IN201305UV02',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.55',
  },
  'ITI-57': {
    id: 'ITI-57',
    name: 'Update Document Set',
    initiator: 'Document Administrator',
    responder: 'Document Registry',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2010:UpdateDocumentSet',
        response: 'urn:ihe:iti:2010:UpdateDocumentSetResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.57',
  },
  'ITI-58': {
    id: 'ITI-58',
    name: 'Provider Information Query',
    initiator: 'Provider Information Consumer',
    responder: 'Provider Information Directory',
    transport: 'soap',
    // HPD (ITI TF-2 3.58.5): the WSDL's wsaw:Action values come first. The IHE-published WSDL
    // binding also declares soapAction urn:ihe:iti:hpd:2010:...Request, which deployed
    // consumers send; the Directory accepts it and answers with the TF response action.
    soapActions: [
      {
        request: 'urn:ihe:iti:2010:ProviderInformationQuery',
        response: 'urn:ihe:iti:2010:ProviderInformationQueryResponse',
      },
      {
        request: 'urn:ihe:iti:hpd:2010:ProviderInformationQueryRequest',
        response: 'urn:ihe:iti:2010:ProviderInformationQueryResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.58',
  },
  'ITI-59': {
    id: 'ITI-59',
    name: 'Provider Information Feed',
    initiator: 'Provider Information Source',
    responder: 'Provider Information Directory',
    transport: 'soap',
    // As ITI-58: the wsaw:Action first, the published binding's soapAction as an accepted alias.
    soapActions: [
      {
        request: 'urn:ihe:iti:2010:ProviderInformationFeed',
        response: 'urn:ihe:iti:2010:ProviderInformationFeedResponse',
      },
      {
        request: 'urn:ihe:iti:hpd:2010:ProviderInformationFeedRequest',
        response: 'urn:ihe:iti:2010:ProviderInformationFeedResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.59',
  },
  'ITI-60': {
    id: 'ITI-60',
    name: 'Retrieve Multiple Value Sets',
    initiator: 'Value Set Consumer',
    responder: 'Value Set Repository',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2010:RetrieveMultipleValueSets',
        response: 'urn:ihe:iti:2010:RetrieveMultipleValueSetsResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.60',
  },
  'ITI-62': {
    id: 'ITI-62',
    name: 'Delete Document Set',
    initiator: 'Document Administrator',
    responder: 'Document Registry',
    transport: 'soap',
    soapActions: [
      {
        request: 'urn:ihe:iti:2010:DeleteDocumentSet',
        response: 'urn:ihe:iti:2010:DeleteDocumentSetResponse',
      },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.62',
  },
  'ITI-81': {
    id: 'ITI-81',
    name: 'Retrieve ATNA Audit Event',
    initiator: 'Audit Consumer',
    responder: 'Audit Record Repository',
    transport: 'http',
    tf: 'ITI TF-2 3.81',
  },
  'ITI-86': {
    id: 'ITI-86',
    name: 'Remove Documents',
    initiator: 'Document Administrator',
    responder: 'Document Repository',
    transport: 'soap',
    soapActions: [
      { request: 'urn:ihe:iti:2017:RemoveDocuments', response: 'urn:ihe:iti:2017:RemoveDocumentsResponse' },
    ],
    mtom: 'none',
    tf: 'ITI TF-2 3.86',
  },
} satisfies Record<TransactionId, TransactionSpec>);

/** All transactions in TF order. */
export const TRANSACTION_LIST: readonly TransactionSpec[] = Object.values(TRANSACTIONS);

/** `'ITI-41'` -> `'iti41'`, the identifier form used in file and function names. */
export function transactionSlug(id: TransactionId): string {
  return id.replace('-', '').toLowerCase();
}
