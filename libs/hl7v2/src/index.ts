/**
 * @mesh/hl7v2: pure HL7 v2.x ER7 model for the IHE PIX/PDQ transactions (ITI-8, ITI-9,
 * ITI-10, ITI-21): parse and encode with escape sequences, MSH-18 character sets at the byte
 * level, 1-based field access (PID-3 is `pid.get(3)`), message structure checks per ITI TF-2,
 * and ACK / RSP builders with MSA-1 AA/AE/AR and ERR segments (HL7 table 0357).
 */
export { DEFAULT_DELIMITERS, escapeValue, unescapeValue } from './escape.js';
export type { Delimiters } from './escape.js';
export {
  Hl7CharsetError,
  SUPPORTED_CHARSETS,
  declaredCharset,
  decodeHl7,
  encodeHl7,
  normaliseCharset,
} from './charset.js';
export type { Hl7Charset } from './charset.js';
export { Hl7Message, Hl7ParseError, Hl7Repetition, Hl7Segment, parseHl7 } from './message.js';
export type { ParseOptions } from './message.js';
export { encodeField, hl7Timestamp, message, msh, segment } from './build.js';
export type { ComponentValue, FieldValue, MshInput, RepetitionValue } from './build.js';
export { HL7_ERROR_CODES, ackCodeFor, hl7Error, locationString, parseLocation } from './errors.js';
export type { Hl7ErrorCode, Hl7ErrorCodeSpec, Hl7Issue, Hl7Location } from './errors.js';
export { cxValue, readCx, readHd, readXad, readXpn, xadValue, xpnValue } from './datatypes.js';
export type { Cx, Hd, Xad, Xpn } from './datatypes.js';
export { PROFILES, checkStructure, transactionOf } from './structure.js';
export type { EventRule, MessageProfile, SegmentRule } from './structure.js';
export { buildAck, buildQueryResponse, echo, errSegments, replyMsh } from './ack.js';
export type { Responder } from './ack.js';
