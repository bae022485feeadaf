/**
 * A small MTOM/XOP codec of the harness's own (it must not share code with the server it
 * tests). Builds `multipart/related; type="application/xop+xml"` requests (W3C XOP 1.0,
 * SOAP MTOM 1.0, as ITI-41/ITI-43 require: ITI TF-2 3.41.4.1.2, 3.43.4.1.2) and parses
 * multipart responses held fully in memory (responses in tests are small).
 */
import { createHash, randomUUID } from 'node:crypto';

/** One binary part of a request. */
export interface MimePart {
  /** Content-ID without angle brackets; referenced as `cid:<contentId>` by xop:Include. */
  readonly contentId: string;
  readonly contentType: string;
  readonly data: Uint8Array;
}

/** A request body and the Content-Type header that goes with it. */
export interface MultipartBody {
  readonly contentType: string;
  readonly body: Buffer;
}

const ROOT_ID = 'root.message@mesh-harness';

/**
 * Builds an XOP package: root part `application/xop+xml` carrying the envelope, then one
 * part per attachment with binary transfer encoding.
 */
export function buildMtom(opts: {
  envelope: string;
  /** `application/soap+xml` (SOAP 1.2) or `text/xml` (SOAP 1.1). */
  soapContentType: string;
  action?: string;
  parts: readonly MimePart[];
  boundary?: string;
}): MultipartBody {
  const boundary = opts.boundary ?? `MIMEBoundary_${randomUUID().replace(/-/g, '')}`;
  const actionParam = opts.action !== undefined ? `; action="${opts.action}"` : '';
  const chunks: Buffer[] = [];
  const head = (lines: string[]): void => {
    chunks.push(Buffer.from(`--${boundary}\r\n${lines.join('\r\n')}\r\n\r\n`, 'utf8'));
  };
  head([
    `Content-Type: application/xop+xml; charset=UTF-8; type="${opts.soapContentType}"${actionParam}`,
    'Content-Transfer-Encoding: binary',
    `Content-ID: <${ROOT_ID}>`,
  ]);
  chunks.push(Buffer.from(opts.envelope, 'utf8'));
  for (const p of opts.parts) {
    chunks.push(Buffer.from('\r\n', 'ascii'));
    head([
      `Content-Type: ${p.contentType}`,
      'Content-Transfer-Encoding: binary',
      `Content-ID: <${p.contentId}>`,
    ]);
    chunks.push(Buffer.from(p.data));
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'ascii'));
  const contentType =
    `multipart/related; type="application/xop+xml"; boundary="${boundary}"; ` +
    `start="<${ROOT_ID}>"; start-info="${opts.soapContentType}"${actionParam}`;
  return { contentType, body: Buffer.concat(chunks) };
}

/** One part of a parsed multipart body. Header names are lower-case. */
export interface ParsedPart {
  readonly headers: Readonly<Record<string, string>>;
  /** Content-ID without angle brackets, or undefined. */
  readonly contentId?: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/** The root part (the SOAP envelope) and the other parts in order. */
export interface ParsedMultipart {
  readonly root: ParsedPart;
  readonly attachments: readonly ParsedPart[];
}

/** Reads a parameter (`boundary`, `start`...) of a Content-Type header value. */
export function contentTypeParam(contentType: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

const stripBrackets = (id: string): string => id.trim().replace(/^<(.*)>$/, '$1');

/**
 * Parses a `multipart/*` body (RFC 2046 5.1). The root is the part named by the `start`
 * parameter, else the first part (RFC 2387 3.2). Throws when the boundary is missing or no
 * part is found.
 */
export function parseMultipart(contentType: string, body: Buffer): ParsedMultipart {
  const boundary = contentTypeParam(contentType, 'boundary');
  if (!boundary) throw new Error('multipart Content-Type without a boundary parameter');
  const delimiter = Buffer.from(`--${boundary}`, 'utf8');
  const parts: ParsedPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error(`multipart body does not contain its boundary "${boundary}"`);
  for (;;) {
    let start = pos + delimiter.length;
    // "--" after a delimiter closes the body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    const eol = body.indexOf('\r\n', start);
    if (eol < 0) break;
    start = eol + 2;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`, 'utf8'), start);
    if (next < 0) throw new Error('multipart body is truncated: closing boundary missing');
    parts.push(parsePart(body.subarray(start, next)));
    pos = next + 2;
  }
  if (parts.length === 0) throw new Error('multipart body has no parts');
  const startId = contentTypeParam(contentType, 'start');
  const rootIndex = startId ? parts.findIndex((p) => p.contentId === stripBrackets(startId)) : 0;
  const root = parts[rootIndex < 0 ? 0 : rootIndex] as ParsedPart;
  return { root, attachments: parts.filter((p) => p !== root) };
}

function parsePart(raw: Buffer): ParsedPart {
  const sep = raw.indexOf('\r\n\r\n');
  const headerText = sep < 0 ? raw.toString('utf8') : raw.subarray(0, sep).toString('utf8');
  const data = sep < 0 ? Buffer.alloc(0) : raw.subarray(sep + 4);
  const headers: Record<string, string> = {};
  // Header folding (RFC 5322 2.2.3): a line starting with whitespace continues the previous one.
  for (const line of headerText.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const cid = headers['content-id'];
  return {
    headers,
    ...(cid !== undefined ? { contentId: stripBrackets(cid) } : {}),
    contentType: headers['content-type'] ?? 'text/plain',
    data,
  };
}

/** `cid:` URL (RFC 2392) -> Content-ID: strip the scheme and percent-decoding. */
export function cidToContentId(href: string): string {
  return decodeURIComponent(href.replace(/^cid:/i, ''));
}

/** Lower-case hex SHA-1, as XDS hash (ITI TF-3 4.2.3.2.10). */
export function sha1Hex(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}
