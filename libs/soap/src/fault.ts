/**
 * SOAP faults: one model, rendered as SOAP 1.2 `env:Fault` (SOAP 1.2 Part 1 5.4) or SOAP 1.1
 * `faultcode`/`faultstring` (SOAP 1.1 4.4), with the WS-Addressing 1.0 faults of the SOAP
 * Binding (W3C WS-Addressing 1.0 SOAP Binding 6.4) and the HTTP status of the SOAP 1.2 HTTP
 * binding (SOAP 1.2 Part 2 7.5.2.2, table 20).
 */
import { MeshError } from '@mesh/core';
import { NS, escapeXml } from '@mesh/xml';
import type { SoapVersion } from './envelope.js';

/** A namespace-qualified name; rendered with a declared prefix wherever it is used as a value. */
export interface QName {
  readonly ns: string;
  readonly local: string;
  /** Preferred prefix; a generated one is used when absent. */
  readonly prefix?: string;
}

/** The SOAP 1.2 fault codes (SOAP 1.2 Part 1 5.4.6). */
export type SoapFaultCode =
  'VersionMismatch' | 'MustUnderstand' | 'DataEncodingUnknown' | 'Sender' | 'Receiver';

/** One SOAP fault, transport-neutral. */
export interface SoapFault {
  readonly code: SoapFaultCode;
  /** env:Subcode chain, outermost first (e.g. wsa:InvalidAddressingHeader, wsa:ActionMismatch). */
  readonly subcodes?: readonly QName[];
  /** env:Reason/env:Text (xml:lang="en"). Never contains request document content. */
  readonly reason: string;
  /** Serialized XML placed inside env:Detail (SOAP 1.1: detail). Each element declares its namespaces. */
  readonly detail?: string;
  /** SOAP 1.2 env:NotUnderstood header blocks of a MustUnderstand fault (SOAP 1.2 Part 1 5.4.8). */
  readonly notUnderstood?: readonly QName[];
  /** Overrides the status the SOAP HTTP binding implies (415 for an unsupported media type, 503 busy). */
  readonly httpStatus?: number;
  /** Sent as Retry-After with a 503. */
  readonly retryAfterSeconds?: number;
}

/** Thrown inside the SOAP layer to abort processing with a fault. */
export class SoapFaultError extends Error {
  override readonly name = 'SoapFaultError';
  constructor(
    readonly fault: SoapFault,
    options?: { cause?: unknown },
  ) {
    super(
      `${fault.code}${fault.subcodes?.length ? `/${fault.subcodes.map((q) => q.local).join('/')}` : ''}: ${fault.reason}`,
      options,
    );
  }
}

/** WS-Addressing 1.0 SOAP Binding 6.1.1: action of WS-Addressing faults and default for other faults. */
export const WSA_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/fault';
/** WS-Addressing 1.0 SOAP Binding 6.1.2: action of the SOAP-defined faults. */
export const WSA_SOAP_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/soap/fault';

const NCNAME = /^[A-Za-z_][\w.-]*$/;

const wsa = (local: string): QName => ({ ns: NS.wsa, local, prefix: 'wsa' });

/** Bounds what a fault repeats from the request (an action URI, a header name). */
function clip(s: string): string {
  return s.length > 256 ? `${s.slice(0, 256)}...` : s;
}

/** Ready-made faults for the cases the SOAP layer detects itself. */
export const faults = {
  /** Any Sender fault with an optional subcode. */
  sender(reason: string, subcode?: QName, httpStatus?: number): SoapFault {
    return {
      code: 'Sender',
      reason,
      ...(subcode ? { subcodes: [subcode] } : {}),
      ...(httpStatus ? { httpStatus } : {}),
    };
  },
  receiver(reason: string, subcode?: QName): SoapFault {
    return { code: 'Receiver', reason, ...(subcode ? { subcodes: [subcode] } : {}) };
  },
  /** SOAP 1.2 Part 1 5.4.7: the envelope is not of a version this endpoint processes. */
  versionMismatch(reason: string): SoapFault {
    return { code: 'VersionMismatch', reason };
  },
  /** SOAP 1.2 Part 1 5.4.8. */
  mustUnderstand(headers: readonly QName[]): SoapFault {
    return {
      code: 'MustUnderstand',
      reason: `Header block(s) not understood: ${headers.map((h) => clip(`{${h.ns}}${h.local}`)).join(', ')}`,
      notUnderstood: headers,
    };
  },
  /** WS-Addressing 1.0 SOAP Binding 6.4.2: a required addressing header is missing. */
  addressingHeaderRequired(header: string): SoapFault {
    return {
      code: 'Sender',
      subcodes: [wsa('MessageAddressingHeaderRequired')],
      reason: `A required header representing a Message Addressing Property is not present: wsa:${header}`,
      detail: `<wsa:ProblemHeaderQName xmlns:wsa="${NS.wsa}">wsa:${header}</wsa:ProblemHeaderQName>`,
    };
  },
  /**
   * WS-Addressing 1.0 SOAP Binding 6.4.1: an addressing header is invalid. `kind` is the
   * subsubcode: InvalidAddress, InvalidEPR, InvalidCardinality, MissingAddressInEPR,
   * DuplicateMessageID, ActionMismatch, OnlyAnonymousAddressSupported, OnlyNonAnonymousAddressSupported.
   */
  invalidAddressingHeader(kind: string, header: string, reason: string): SoapFault {
    return {
      code: 'Sender',
      subcodes: [wsa('InvalidAddressingHeader'), wsa(kind)],
      reason,
      detail: `<wsa:ProblemHeaderQName xmlns:wsa="${NS.wsa}">wsa:${header}</wsa:ProblemHeaderQName>`,
    };
  },
  /** WS-Addressing 1.0 SOAP Binding 6.4.4: no operation for this action at this endpoint. */
  actionNotSupported(action: string): SoapFault {
    return {
      code: 'Sender',
      subcodes: [wsa('ActionNotSupported')],
      reason: `The ${clip(action)} cannot be processed at the receiver`,
      detail: `<wsa:ProblemAction xmlns:wsa="${NS.wsa}"><wsa:Action>${escapeXml(clip(action))}</wsa:Action></wsa:ProblemAction>`,
    };
  },
} as const;

/**
 * The fault for a {@link MeshError} thrown by a handler: Sender or Receiver per its fault
 * kind, the first issue's code as subcode (in `subcodeNs`), its context as reason. 'busy'
 * becomes a Receiver fault with HTTP 503 and Retry-After (MESH_BRIEF: overload is announced).
 */
export function faultFromMeshError(err: MeshError, subcodeNs: string, retryAfterSeconds = 10): SoapFault {
  const first = err.outcome.issues[0];
  // A subcode value is a QName (SOAP 1.2 Part 1 5.4.6.2); codes that are not NCNames (HL7 "207")
  // are carried in the reason instead.
  const isName = first !== undefined && NCNAME.test(first.code);
  const subcodes: QName[] = isName ? [{ ns: subcodeNs, local: first.code }] : [];
  const reason =
    (first && !isName ? `${first.code}: ${first.context}` : first?.context) ||
    first?.code ||
    'Request failed';
  switch (err.fault) {
    case 'sender':
      return { code: 'Sender', subcodes, reason };
    case 'receiver':
      return { code: 'Receiver', subcodes, reason };
    case 'busy':
      return { code: 'Receiver', subcodes, reason, httpStatus: 503, retryAfterSeconds };
  }
}

/** Whether a value is a {@link MeshError} (also across duplicated module instances). */
export function isMeshError(e: unknown): e is MeshError {
  return e instanceof MeshError || (e instanceof Error && e.name === 'MeshError' && 'outcome' in e);
}

/**
 * HTTP status for a fault: SOAP 1.2 Part 2 7.5.2.2 (Sender 400, everything else 500) unless
 * the fault overrides it; SOAP 1.1 always 500 (WS-I Basic Profile 1.1 R1126).
 */
export function faultHttpStatus(fault: SoapFault, version: SoapVersion): number {
  if (fault.httpStatus !== undefined) return fault.httpStatus;
  if (version === '1.1') return 500;
  return fault.code === 'Sender' ? 400 : 500;
}

/** SOAP 1.1 fault codes (SOAP 1.1 4.4.1); WS-Addressing's SOAP 1.1 binding uses the subcode as faultcode. */
const SOAP11_CODE: Record<SoapFaultCode, string> = {
  VersionMismatch: 'VersionMismatch',
  MustUnderstand: 'MustUnderstand',
  DataEncodingUnknown: 'Client',
  Sender: 'Client',
  Receiver: 'Server',
};

/**
 * Renders the fault element that goes into the SOAP Body: a self-contained `env:Fault`
 * (SOAP 1.2) or `env:Fault` with `faultcode`/`faultstring`/`detail` (SOAP 1.1), with every
 * namespace it uses declared on it.
 */
export function renderFault(fault: SoapFault, version: SoapVersion = '1.2'): string {
  if (version === '1.1') {
    const last = fault.subcodes?.[fault.subcodes.length - 1];
    const code = last
      ? `<faultcode xmlns:${pfx(last, 0)}="${escapeXml(last.ns)}">${pfx(last, 0)}:${escapeXml(last.local)}</faultcode>`
      : `<faultcode>env:${SOAP11_CODE[fault.code]}</faultcode>`;
    return (
      `<env:Fault xmlns:env="${NS.soap11}">${code}<faultstring xml:lang="en">${escapeXml(fault.reason)}</faultstring>` +
      (fault.detail ? `<detail>${fault.detail}</detail>` : '') +
      `</env:Fault>`
    );
  }
  let sub = '';
  const subs = fault.subcodes ?? [];
  for (let i = subs.length - 1; i >= 0; i--) {
    const q = subs[i] as QName;
    const p = pfx(q, i);
    sub = `<env:Subcode><env:Value xmlns:${p}="${escapeXml(q.ns)}">${p}:${escapeXml(q.local)}</env:Value>${sub}</env:Subcode>`;
  }
  return (
    `<env:Fault xmlns:env="${NS.soap12}"><env:Code><env:Value>env:${fault.code}</env:Value>${sub}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${escapeXml(fault.reason)}</env:Text></env:Reason>` +
    (fault.detail ? `<env:Detail>${fault.detail}</env:Detail>` : '') +
    `</env:Fault>`
  );
}

/** SOAP 1.2 env:NotUnderstood header blocks for a MustUnderstand fault. */
export function renderNotUnderstood(fault: SoapFault): string[] {
  return (fault.notUnderstood ?? []).map((q, i) => {
    const p = pfx(q, i);
    return `<env:NotUnderstood xmlns:${p}="${escapeXml(q.ns)}" qname="${p}:${escapeXml(q.local)}"/>`;
  });
}

/** A safe prefix: the preferred one when it is an NCName, else a generated one. */
function pfx(q: QName, i: number): string {
  return q.prefix && NCNAME.test(q.prefix) && !/^xml/i.test(q.prefix) ? q.prefix : `f${i}`;
}
