/**
 * The closed set of acknowledgementDetail codes the mesh sends in HL7v3 acknowledgements,
 * each with the acknowledgement typeCode it implies when it is the first error.
 *
 * - HL7v3 AcknowledgementDetailCode (2.16.840.1.113883.5.1100): NSxxx "not supported"
 *   codes reject the message (AR, HL7v3 Transmission Infrastructure: the receiver cannot
 *   process this interaction), SYNxxx syntax codes are application errors in the content (AE).
 * - HL7 table 0357 code 204 "Unknown key identifier", which IHE carries over to PIXV3/PDQV3
 *   for an unrecognized patient id or domain (ITI TF-2 3.45.4.2.3 cases 3-5,
 *   3.47.4.1.3 case 4).
 */
export type AckDetailCode =
  'SYN' | 'SYN102' | 'SYN103' | 'SYN105' | 'SYN108' | 'NS200' | 'NS250' | 'INTERR' | '204';

export interface AckDetailCodeSpec {
  readonly code: AckDetailCode;
  readonly text: string;
  /** Acknowledgement typeCode when this is the first error. */
  readonly ack: 'AE' | 'AR';
  readonly source: string;
}

const V = 'HL7v3 AcknowledgementDetailCode';

export const ACK_DETAIL_CODES: Readonly<Record<AckDetailCode, AckDetailCodeSpec>> = Object.freeze({
  SYN: { code: 'SYN', text: 'Syntax error', ack: 'AR', source: V },
  SYN102: { code: 'SYN102', text: 'Data type error', ack: 'AE', source: V },
  SYN103: { code: 'SYN103', text: 'Value does not conform to domain specified', ack: 'AE', source: V },
  SYN105: { code: 'SYN105', text: 'Required element missing', ack: 'AE', source: V },
  SYN108: { code: 'SYN108', text: 'Number of repetitions exceeds limit', ack: 'AE', source: V },
  NS200: { code: 'NS200', text: 'Unsupported interaction', ack: 'AR', source: V },
  NS250: { code: 'NS250', text: 'Unsupported processing mode', ack: 'AR', source: V },
  INTERR: { code: 'INTERR', text: 'Internal system error', ack: 'AE', source: V },
  '204': {
    code: '204',
    text: 'Unknown key identifier',
    ack: 'AE',
    source: 'HL7 table 0357; ITI TF-2 3.45.4.2.3, 3.47.4.1.3',
  },
});

/** The acknowledgement typeCode for a set of issues: AA without errors, else AR or AE by the first error's code. */
export function ackTypeFor(
  issues: readonly { readonly code: string; readonly severity: string }[],
): 'AA' | 'AE' | 'AR' {
  const errors = issues.filter((i) => i.severity === 'Error');
  if (errors.length === 0) return 'AA';
  return errors.some((e) => ACK_DETAIL_CODES[e.code as AckDetailCode]?.ack === 'AR') ? 'AR' : 'AE';
}
