/** Size and count limits applied to every incoming SOAP message (MESH_BRIEF: oversized messages are refused). */
import type { XmlLimits } from '@mesh/xml';

export interface SoapLimits {
  /** Bytes of the SOAP envelope (plain SOAP body, or the MTOM root part). */
  readonly maxEnvelopeBytes: number;
  /** Decoded bytes of one attachment. */
  readonly maxAttachmentBytes: number;
  /** Bytes of the whole HTTP body as received (all parts, headers and boundaries included). */
  readonly maxTotalBytes: number;
  /** MIME parts, the root included. */
  readonly maxParts: number;
  /** Bytes of one part's MIME header section. */
  readonly maxPartHeaderBytes: number;
  /** Attachments up to this size stay in memory; larger ones are spooled to a temp file. */
  readonly memoryThresholdBytes: number;
  /** Depth, element and attribute limits of the envelope (its byte limit is maxEnvelopeBytes). */
  readonly xml: Partial<Omit<XmlLimits, 'maxBytes'>>;
}

/** Defaults sized for XDS.b: large CDA or imaging attachments, moderate metadata envelopes. */
export const DEFAULT_SOAP_LIMITS: SoapLimits = Object.freeze({
  maxEnvelopeBytes: 16 * 1024 * 1024,
  maxAttachmentBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxParts: 101,
  maxPartHeaderBytes: 16 * 1024,
  memoryThresholdBytes: 64 * 1024,
  xml: Object.freeze({}),
});

/** Fills the defaults in. */
export function soapLimits(partial: Partial<SoapLimits> = {}): SoapLimits {
  return { ...DEFAULT_SOAP_LIMITS, ...partial };
}
