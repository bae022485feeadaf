/**
 * Building MTOM/XOP messages as a stream (SOAP MTOM 1.0 / XOP 1.0 over MIME multipart/related,
 * RFC 2387): the root part is the envelope as application/xop+xml, each attachment is a binary
 * part read from its `open()` stream only when the consumer pulls, so nothing is held in memory.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { NS, escapeXml } from '@mesh/xml';
import { quote } from './content-type.js';
import type { SoapVersion } from './envelope.js';
import { soapMediaType } from './envelope.js';

/** An attachment to send: streamed from `open()` when the message is written. */
export interface OutgoingAttachment {
  /** Content-ID without angle brackets (referenced as `cid:` from an xop:Include). */
  readonly contentId: string;
  readonly contentType: string;
  /** Returns a fresh stream of the content; called once per message written. */
  open(): NodeJS.ReadableStream;
  /** Size in bytes when known (informational). */
  readonly size?: number;
}

/** Percent-encodes a Content-ID for a `cid:` URL (RFC 2392), keeping '@' readable. */
export function cidHref(contentId: string): string {
  return `cid:${encodeURIComponent(contentId).replace(/%40/g, '@')}`;
}

/** An `xop:Include` element referencing an attachment (XOP 1.0 3). */
export function xopInclude(contentId: string): string {
  return `<xop:Include xmlns:xop="${NS.xop}" href="${escapeXml(cidHref(contentId))}"/>`;
}

/** A Content-ID suitable for a generated part: globally unique, RFC 2822 msg-id form without brackets. */
export function newContentId(label = 'part'): string {
  return `${label}.${randomBytes(12).toString('hex')}@mesh`;
}

/** The MIME type of the SOAP envelope inside the root part, with the SOAP 1.2 action parameter (RFC 3902). */
function innerType(version: SoapVersion, action: string | undefined): string {
  return version === '1.2' && action !== undefined
    ? `${soapMediaType(version)}; action=${quote(action)}`
    : soapMediaType(version);
}

/** A message ready to write: its Content-Type and a stream of its bytes. */
export interface MtomMessage {
  readonly contentType: string;
  readonly stream: Readable;
}

/**
 * Builds a multipart/related MTOM message. `envelope` is the serialized SOAP envelope in which
 * xop:Include elements reference the attachments' Content-IDs.
 */
export function buildMtom(o: {
  version: SoapVersion;
  envelope: string;
  attachments: readonly OutgoingAttachment[];
  action?: string;
}): MtomMessage {
  const boundary = `MIMEBoundary_${randomBytes(16).toString('hex')}`;
  const rootId = newContentId('root');
  const inner = innerType(o.version, o.action);
  let contentType =
    `multipart/related; type="application/xop+xml"; boundary=${quote(boundary)}; ` +
    `start=${quote(`<${rootId}>`)}; start-info=${quote(soapMediaType(o.version))}`;
  // Many IHE stacks (Axis2, CXF) read the SOAP 1.2 action from the outer header too.
  if (o.version === '1.2' && o.action !== undefined) contentType += `; action=${quote(o.action)}`;

  async function* parts(): AsyncGenerator<Buffer> {
    yield Buffer.from(
      `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type=${quote(inner)}\r\n` +
        `Content-Transfer-Encoding: binary\r\nContent-ID: <${rootId}>\r\n\r\n`,
      'utf8',
    );
    yield Buffer.from(o.envelope, 'utf8');
    for (const a of o.attachments) {
      yield Buffer.from(
        `\r\n--${boundary}\r\nContent-Type: ${headerSafe(a.contentType)}\r\n` +
          `Content-Transfer-Encoding: binary\r\nContent-ID: <${headerSafe(a.contentId)}>\r\n\r\n`,
        'utf8',
      );
      for await (const chunk of a.open()) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    }
    yield Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  }
  return { contentType, stream: Readable.from(parts(), { objectMode: false }) };
}

/** Refuses header injection through a content type or id taken from data. */
function headerSafe(v: string): string {
  if (/[\r\n]/.test(v)) throw new Error('MIME header value contains a line break');
  return v;
}
