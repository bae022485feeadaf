/**
 * Reading a SOAP message off a byte stream, whatever its packaging: plain SOAP 1.2
 * (application/soap+xml), plain SOAP 1.1 (text/xml) or MTOM/XOP (multipart/related with an
 * application/xop+xml root). Shared by the endpoint and the client.
 */
import type { ReceivedAttachment, Spool } from './attachment.js';
import { parseMediaType } from './content-type.js';
import type { MediaType } from './content-type.js';
import { parseEnvelope } from './envelope.js';
import type { ParsedEnvelope, SoapVersion } from './envelope.js';
import { SoapFaultError, faults } from './fault.js';
import type { SoapLimits } from './limits.js';
import { parseMultipartRelated } from './multipart.js';

/** A received message, before WS-Addressing and dispatch. */
export interface ReceivedMessage extends ParsedEnvelope {
  /** The SOAP 1.2 `action` media type parameter (RFC 3902), when sent. */
  readonly mediaAction: string | undefined;
  readonly attachments: ReadonlyMap<string, ReceivedAttachment>;
  /** Whether the message came as MTOM/XOP. */
  readonly mtom: boolean;
}

/** What the Content-Type alone says about the message (used to pick the fault's SOAP version). */
export function versionHint(contentType: string | undefined): SoapVersion | undefined {
  const mt = parseMediaType(contentType);
  if (!mt) return undefined;
  const inner = mt.mediaType === 'multipart/related' ? parseMediaType(mt.params['start-info']) : mt;
  if (inner?.mediaType === 'application/soap+xml') return '1.2';
  if (inner?.mediaType === 'text/xml') return '1.1';
  return undefined;
}

const unsupported = (reason: string): SoapFaultError =>
  // SOAP 1.2 Part 2 7.5.2.2: an unsupported media type is answered with HTTP 415.
  new SoapFaultError(faults.sender(reason, undefined, 415));

/**
 * Reads and parses the message. Throws {@link SoapFaultError}: Sender (415 for an unsupported
 * media type) for malformed or oversized input, VersionMismatch when the envelope's version
 * differs from the media type's or is not in `versions`.
 */
export async function readSoapMessage(
  source: AsyncIterable<Buffer | string>,
  contentType: string | undefined,
  opts: { limits: SoapLimits; spool: Spool; versions?: readonly SoapVersion[] },
): Promise<ReceivedMessage> {
  const { limits } = opts;
  const mt = parseMediaType(contentType);
  if (!mt) throw unsupported('Missing or invalid Content-Type');
  let soapType: MediaType | undefined;
  let bytes: Buffer;
  let attachments: ReadonlyMap<string, ReceivedAttachment> = new Map();
  let mediaAction: string | undefined;
  let mtom = false;
  const actions: string[] = [];
  if (mt.mediaType === 'multipart/related') {
    // MTOM: the `type` parameter must be application/xop+xml (SOAP MTOM 1.0 4.3, XOP 1.0 4.1).
    if ((mt.params.type ?? '').toLowerCase() !== 'application/xop+xml')
      throw unsupported('multipart/related is accepted only as MTOM (type="application/xop+xml")');
    const parsed = await parseMultipartRelated(source, mt, opts);
    if (parsed.root.contentType.mediaType !== 'application/xop+xml')
      throw new SoapFaultError(faults.sender('The MTOM root part is not application/xop+xml'));
    checkCharset(parsed.root.contentType);
    soapType = parseMediaType(parsed.root.contentType.params.type) ?? parseMediaType(mt.params['start-info']);
    if (mt.params.action !== undefined) actions.push(mt.params.action);
    const startInfo = parseMediaType(mt.params['start-info']);
    if (startInfo?.params.action !== undefined) actions.push(startInfo.params.action);
    bytes = parsed.root.bytes;
    attachments = parsed.attachments;
    mtom = true;
  } else if (mt.mediaType === 'application/soap+xml' || mt.mediaType === 'text/xml') {
    checkCharset(mt);
    soapType = mt;
    bytes = await readAll(source, limits);
  } else {
    throw unsupported('Unsupported Content-Type for a SOAP message');
  }
  let mediaVersion: SoapVersion | undefined;
  if (soapType?.mediaType === 'application/soap+xml') mediaVersion = '1.2';
  else if (soapType?.mediaType === 'text/xml') mediaVersion = '1.1';
  if (soapType?.params.action !== undefined) actions.push(soapType.params.action);
  if (actions.some((a) => a !== actions[0]))
    throw new SoapFaultError(faults.sender('Conflicting action parameters in the Content-Type headers'));
  mediaAction = actions[0];

  const env = parseEnvelope(bytes, { ...limits.xml, maxBytes: limits.maxEnvelopeBytes });
  if (mediaVersion !== undefined && env.version !== mediaVersion)
    throw new SoapFaultError(
      faults.versionMismatch(
        `A SOAP ${env.version} Envelope was sent as ${soapType?.mediaType ?? 'an unknown type'}`,
      ),
    );
  if (opts.versions && !opts.versions.includes(env.version))
    throw new SoapFaultError(faults.versionMismatch(`SOAP ${env.version} is not supported at this endpoint`));
  if (env.version === '1.1') mediaAction = undefined; // SOAP 1.1 carries its action in SOAPAction
  return { ...env, mediaAction, attachments, mtom };
}

/** Only UTF-8 is accepted (WS-I Basic Profile 2.0 R1012 allows UTF-8 and UTF-16; IHE stacks send UTF-8). */
function checkCharset(mt: MediaType): void {
  const cs = mt.params.charset?.toLowerCase();
  if (cs !== undefined && cs !== 'utf-8' && cs !== 'utf8')
    throw new SoapFaultError(faults.sender('Only UTF-8 encoded SOAP messages are supported', undefined, 415));
}

async function readAll(source: AsyncIterable<Buffer | string>, limits: SoapLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of source) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    size += b.length;
    if (size > limits.maxEnvelopeBytes)
      throw new SoapFaultError(faults.sender(`SOAP envelope exceeds ${limits.maxEnvelopeBytes} bytes`));
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}
