export * from './model.js';
export * from './codes.js';
export type { Parsed, Hl7v3Input } from './message.js';
export { parseIti44, ITI44_INTERACTIONS, iti44PatientIdLocation } from './iti44.js';
export { parseIti45, ITI45_PATIENT_IDENTIFIER_LOCATION, iti45DataSourceLocation } from './iti45.js';
export {
  parseIti47,
  parseIti47Continuation,
  iti47LivingSubjectIdLocation,
  iti47ScopingOrganizationLocation,
} from './iti47.js';
export { parseAck, parseIti45Response, parseIti47Response } from './responses.js';
export {
  buildAck,
  buildIti45Response,
  buildIti47Response,
  buildIti46Notification,
  buildQueryRejection,
} from './build.js';
export type {
  MessageOptions,
  ResponseAddressing,
  PixQueryResult,
  PdqQueryResult,
  QueryResponseOptions,
  PixUpdate,
} from './build.js';
export { HL7V3_ACTIONS, actionFor } from './actions.js';
export type { Hl7v3Action, Hl7v3TransactionId } from './actions.js';
export { buildIti44Feed, buildIti45Query, buildIti47Query, buildIti47Continuation } from './requests.js';
export type { RequestAddressing } from './requests.js';
export type { PixQuery, PdqQuery } from './build.js';
