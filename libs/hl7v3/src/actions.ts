/**
 * The SOAP actions (WS-Addressing Action) of the PIXV3/PDQV3 transactions, as ITI TF-2
 * 3.44.5, 3.45.5, 3.46.5 and 3.47.5 (Web Services) and the IHE WSDLs name them: the action is
 * `urn:hl7-org:v3:` + the interaction id, except the ITI-47 continuation and cancel, which
 * carry `_Continue` / `_Cancel` (both send a QUQI_IN000003UV01 query control act; the cancel's
 * root element is QUQI_IN000003UV01_Cancel).
 */

export type Hl7v3TransactionId = 'ITI-44' | 'ITI-45' | 'ITI-46' | 'ITI-47';

export interface Hl7v3Action {
  readonly transaction: Hl7v3TransactionId;
  /** What the initiator's message does. */
  readonly purpose: string;
  /** The request's root element. */
  readonly requestElement: string;
  readonly request: string;
  readonly response: string;
  /** The response's root element. */
  readonly responseElement: string;
}

const V3 = 'urn:hl7-org:v3:';
const a = (
  transaction: Hl7v3TransactionId,
  purpose: string,
  requestElement: string,
  responseElement: string,
  requestAction = requestElement,
): Hl7v3Action => ({
  transaction,
  purpose,
  requestElement,
  request: V3 + requestAction,
  response: V3 + responseElement,
  responseElement,
});

/** Every PIXV3/PDQV3 request action with its response action. */
export const HL7V3_ACTIONS: readonly Hl7v3Action[] = Object.freeze([
  a('ITI-44', 'Patient Registry Record Added', 'PRPA_IN201301UV02', 'MCCI_IN000002UV01'),
  a('ITI-44', 'Patient Registry Record Revised', 'PRPA_IN201302UV02', 'MCCI_IN000002UV01'),
  a('ITI-44', 'Patient Registry Duplicates Resolved', 'PRPA_IN201304UV02', 'MCCI_IN000002UV01'),
  a('ITI-45', 'Patient Registry Get Identifiers Query', 'PRPA_IN201309UV02', 'PRPA_IN201310UV02'),
  a('ITI-46', 'PIXV3 Update Notification', 'PRPA_IN201302UV02', 'MCCI_IN000002UV01'),
  a('ITI-47', 'Patient Registry Find Candidates Query', 'PRPA_IN201305UV02', 'PRPA_IN201306UV02'),
  a('ITI-47', 'Query continuation', 'QUQI_IN000003UV01', 'PRPA_IN201306UV02', 'QUQI_IN000003UV01_Continue'),
  a('ITI-47', 'Query cancel', 'QUQI_IN000003UV01_Cancel', 'MCCI_IN000002UV01', 'QUQI_IN000003UV01_Cancel'),
]);

/**
 * The action a request carries, resolved for the endpoint that received it: at the PIX
 * Manager PRPA_IN201302UV02 is an ITI-44 revise (ITI-46 sends the same action to consumers).
 */
export function actionFor(
  requestAction: string,
  transactions: readonly Hl7v3TransactionId[],
): Hl7v3Action | undefined {
  return HL7V3_ACTIONS.find((x) => x.request === requestAction && transactions.includes(x.transaction));
}
