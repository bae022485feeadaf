/**
 * @mesh/soap: the mesh's SOAP transport. A Fastify plugin serving SOAP 1.2/1.1 endpoints with
 * WS-Addressing 1.0, action dispatch, spec-shaped faults and streaming MTOM/XOP, and an
 * outbound client using the same parser.
 */
export { soapEndpoint } from './endpoint.js';
export type { SoapEndpointOptions, SoapOperation, SoapReply, SoapRequest } from './endpoint.js';
export { soapCall, SoapCallError } from './client.js';
export type { ReceivedFault, SoapCallOptions, SoapResponse, SoapTlsOptions } from './client.js';
export { Spool } from './attachment.js';
export type { Attachment } from './attachment.js';
export { buildMtom, cidHref, newContentId, xopInclude } from './mtom.js';
export type { MtomMessage, OutgoingAttachment } from './mtom.js';
export { binaryContent, resolveInclude } from './xop.js';
export type { BinaryContent } from './xop.js';
export {
  SoapFaultError,
  WSA_FAULT_ACTION,
  WSA_SOAP_FAULT_ACTION,
  faultFromMeshError,
  faultHttpStatus,
  faults,
  renderFault,
} from './fault.js';
export type { QName, SoapFault, SoapFaultCode } from './fault.js';
export {
  WSA_ANONYMOUS,
  WSA_NONE,
  addressingHeaders,
  buildEnvelope,
  newMessageId,
  parseEnvelope,
  readAddressing,
} from './envelope.js';
export type { AddressingProperties, ParsedEnvelope, SoapVersion } from './envelope.js';
export { readSoapMessage } from './message.js';
export type { ReceivedMessage } from './message.js';
export { parseMultipartRelated } from './multipart.js';
export type { ParsedMultipart } from './multipart.js';
export { parseMediaType } from './content-type.js';
export type { MediaType } from './content-type.js';
export { DEFAULT_SOAP_LIMITS, soapLimits } from './limits.js';
export type { SoapLimits } from './limits.js';
