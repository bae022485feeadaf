/**
 * Streaming parser for MTOM/XOP messages: MIME multipart/related (RFC 2046 5.1, RFC 2387)
 * carrying an application/xop+xml root (W3C XOP 1.0, SOAP MTOM 1.0).
 *
 * The body is consumed chunk by chunk: the delimiter is searched with Buffer.indexOf over the
 * current chunk plus the few bytes kept from the previous one, so memory stays bounded by the
 * chunk size whatever the part size. The root part is buffered (up to maxEnvelopeBytes); other
 * parts go to memory while small and to a spool file beyond `memoryThresholdBytes`, with size
 * and SHA-1 computed on the fly. Every limit violation is a Sender fault; the temp files created
 * so far stay owned by the spool, which the caller disposes.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ATTACHMENT_HEAD_BYTES, ReceivedAttachment } from './attachment.js';
import type { Spool } from './attachment.js';
import { bareContentId, parseMediaType } from './content-type.js';
import type { MediaType } from './content-type.js';
import { SoapFaultError, faults } from './fault.js';
import type { SoapLimits } from './limits.js';

/** The result of parsing a multipart/related body. */
export interface ParsedMultipart {
  /** The root part: its media type, Content-ID and bytes (the XOP infoset: the SOAP envelope). */
  readonly root: {
    readonly contentType: MediaType;
    readonly contentId: string | undefined;
    readonly bytes: Buffer;
  };
  /** The other parts, by Content-ID without angle brackets. */
  readonly attachments: Map<string, ReceivedAttachment>;
}

export interface MultipartOptions {
  readonly limits: SoapLimits;
  readonly spool: Spool;
}

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
const DASHDASH = 0x2d;

const bad = (reason: string): SoapFaultError => new SoapFaultError(faults.sender(reason));

/** Receives the decoded bytes of one part. */
interface PartSink {
  write(b: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
  abort(): Promise<void>;
}

/**
 * Parses `source` as the multipart/related body described by `contentType` (whose `boundary`
 * and optional `start` parameters are used). Throws {@link SoapFaultError} on malformed input
 * or exceeded limits.
 */
export async function parseMultipartRelated(
  source: AsyncIterable<Buffer | string>,
  contentType: MediaType,
  opts: MultipartOptions,
): Promise<ParsedMultipart> {
  const { limits, spool } = opts;
  const boundary = contentType.params.boundary;
  // RFC 2046 5.1.1: 1 to 70 characters.
  if (!boundary || boundary.length > 70) throw bad('multipart/related without a valid boundary parameter');
  const start = contentType.params.start !== undefined ? bareContentId(contentType.params.start) : undefined;
  const delim = Buffer.from(`\r\n--${boundary}`, 'latin1');
  const keep = delim.length - 1;

  // A CRLF is prepended so that a delimiter at the very start of the body is found like any other.
  let buf: Buffer = CRLF;
  type State = 'preamble' | 'boundary-line' | 'headers' | 'body' | 'epilogue';
  // Held in an object: `drain` (a closure) moves the state, which control-flow narrowing cannot see.
  const st: { state: State } = { state: 'preamble' };
  let total = 0;
  let partCount = 0;
  let sink: PartSink | undefined;
  let root: { contentType: MediaType; contentId: string | undefined; bytes: Buffer } | undefined;
  const attachments = new Map<string, ReceivedAttachment>();

  const openPart = (headerText: string): PartSink => {
    if (++partCount > limits.maxParts) throw bad(`Too many MIME parts (limit ${limits.maxParts})`);
    const headers = parsePartHeaders(headerText);
    const rawId = headers.get('content-id');
    const contentId = rawId !== undefined ? bareContentId(rawId) : undefined;
    const ctRaw = headers.get('content-type') ?? 'application/octet-stream';
    const ct = parseMediaType(ctRaw);
    if (!ct) throw bad('A MIME part has an unparseable Content-Type');
    const decoder = transferDecoder(headers.get('content-transfer-encoding'));
    const isRoot = root === undefined && (start === undefined ? partCount === 1 : contentId === start);
    if (isRoot) {
      const chunks: Buffer[] = [];
      let size = 0;
      const rootPart = { contentType: ct, contentId, bytes: Buffer.alloc(0) };
      root = rootPart;
      return decoder({
        write(b) {
          size += b.length;
          if (size > limits.maxEnvelopeBytes)
            throw bad(`SOAP envelope exceeds ${limits.maxEnvelopeBytes} bytes`);
          chunks.push(b);
        },
        end() {
          rootPart.bytes = Buffer.concat(chunks, size);
        },
        async abort() {},
      });
    }
    if (contentId === undefined || contentId === '') throw bad('A MIME attachment part has no Content-ID');
    if (attachments.has(contentId) || contentId === start) throw bad('Duplicate Content-ID in MIME parts');
    return decoder(attachmentSink(contentId, ctRaw.trim()));
  };

  const attachmentSink = (contentId: string, contentType: string): PartSink => {
    const hash: Hash = createHash('sha1');
    let size = 0;
    let mem: Buffer[] = [];
    let file: { path: string; handle: FileHandle } | undefined;
    // The leading bytes, copied before the buffers go to the spool file (Attachment.head).
    let head: Buffer | undefined;
    const keepHead = (): void => {
      head ??= Buffer.concat(mem, Math.min(size, ATTACHMENT_HEAD_BYTES)).subarray(0, ATTACHMENT_HEAD_BYTES);
    };
    // Once spooling, writes are batched (one writev per FILE_BATCH bytes) so that small
    // pieces cut at chunk seams do not each cost a system call.
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (!file || mem.length === 0) return;
      keepHead();
      const bufs = mem;
      mem = [];
      pendingBytes = 0;
      await writeAll(file.handle, bufs);
    };
    return {
      async write(b) {
        if (b.length === 0) return;
        size += b.length;
        if (size > limits.maxAttachmentBytes)
          throw bad(`Attachment exceeds ${limits.maxAttachmentBytes} bytes`);
        hash.update(b);
        mem.push(b);
        pendingBytes += b.length;
        if (!file && size <= limits.memoryThresholdBytes) return;
        file ??= await spool.create();
        if (pendingBytes >= FILE_BATCH) await flush();
      },
      async end() {
        const sha1 = hash.digest('hex');
        if (file) {
          await flush();
          const f = file;
          file = undefined;
          await f.handle.close();
          attachments.set(
            contentId,
            new ReceivedAttachment(
              contentId,
              contentType,
              size,
              sha1,
              { kind: 'file', path: f.path, head: head ?? Buffer.alloc(0) },
              spool,
            ),
          );
        } else {
          const data = Buffer.concat(mem, size);
          attachments.set(
            contentId,
            new ReceivedAttachment(contentId, contentType, size, sha1, { kind: 'memory', data }, spool),
          );
        }
      },
      async abort() {
        // The file itself stays tracked by the spool, which deletes it on dispose.
        if (file) await file.handle.close().catch(() => undefined);
        file = undefined;
      },
    };
  };

  /** Consumes as much of `buf` as the current state allows. */
  const drain = async (): Promise<void> => {
    for (;;) {
      switch (st.state) {
        case 'preamble': {
          const i = buf.indexOf(delim);
          if (i < 0) {
            // The preamble is ignored (RFC 2046 5.1.1); keep only what may start a delimiter.
            if (buf.length > keep) buf = buf.subarray(buf.length - keep);
            return;
          }
          buf = buf.subarray(i + delim.length);
          st.state = 'boundary-line';
          break;
        }
        case 'boundary-line': {
          if (buf.length < 2) return;
          if (buf[0] === DASHDASH && buf[1] === DASHDASH) {
            st.state = 'epilogue';
            break;
          }
          const i = buf.indexOf(CRLF);
          if (i < 0) {
            if (buf.length > 1024) throw bad('Malformed MIME boundary line');
            return;
          }
          // Only transport padding (linear white space) may follow the boundary (RFC 2046 5.1.1).
          for (let k = 0; k < i; k++)
            if (buf[k] !== 0x20 && buf[k] !== 0x09) throw bad('Malformed MIME boundary line');
          buf = buf.subarray(i + 2);
          st.state = 'headers';
          break;
        }
        case 'headers': {
          let headerText: string;
          if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
            headerText = '';
            buf = buf.subarray(2);
          } else {
            const i = buf.indexOf(CRLFCRLF);
            if (i < 0) {
              if (buf.length > limits.maxPartHeaderBytes)
                throw bad(`MIME part headers exceed ${limits.maxPartHeaderBytes} bytes`);
              return;
            }
            if (i > limits.maxPartHeaderBytes)
              throw bad(`MIME part headers exceed ${limits.maxPartHeaderBytes} bytes`);
            headerText = buf.subarray(0, i).toString('latin1');
            buf = buf.subarray(i + 4);
          }
          sink = openPart(headerText);
          st.state = 'body';
          break;
        }
        case 'body': {
          const s = sink as PartSink;
          const i = buf.indexOf(delim);
          if (i < 0) {
            if (buf.length > keep) {
              await s.write(buf.subarray(0, buf.length - keep));
              buf = buf.subarray(buf.length - keep);
            }
            return;
          }
          if (i > 0) await s.write(buf.subarray(0, i));
          sink = undefined;
          await s.end();
          buf = buf.subarray(i + delim.length);
          st.state = 'boundary-line';
          break;
        }
        case 'epilogue':
          // Ignored (RFC 2046 5.1.1), but still counted against maxTotalBytes.
          buf = Buffer.alloc(0);
          return;
      }
    }
  };

  try {
    for await (const chunk of source) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      total += b.length;
      if (total > limits.maxTotalBytes) throw bad(`Message exceeds ${limits.maxTotalBytes} bytes`);
      if (st.state === 'body' && buf.length > 0 && buf.length <= keep && b.length >= keep) {
        // Hot path inside a part: instead of copying every chunk behind the few bytes kept back,
        // look for a delimiter straddling the seam in a small buffer; without one, the kept
        // bytes are part content and the chunk becomes the buffer as is.
        const i = Buffer.concat([buf, b.subarray(0, keep)]).indexOf(delim);
        if (i < 0 || i >= buf.length) {
          await (sink as PartSink).write(buf);
          buf = b;
        } else {
          buf = Buffer.concat([buf, b]);
        }
      } else {
        buf = buf.length === 0 ? b : Buffer.concat([buf, b]);
      }
      await drain();
    }
  } catch (e) {
    if (sink) await sink.abort();
    throw e;
  }
  if (st.state !== 'epilogue') {
    if (sink) await sink.abort();
    throw bad(
      st.state === 'preamble'
        ? 'No MIME boundary found in multipart/related body'
        : 'Truncated multipart/related body: the closing boundary is missing',
    );
  }
  if (partCount === 0) throw bad('multipart/related body without parts');
  if (!root)
    throw bad(
      start !== undefined
        ? 'The start parameter names no MIME part'
        : 'multipart/related body without a root part',
    );
  return { root, attachments };
}

/** Bytes gathered before a spool file write. */
const FILE_BATCH = 256 * 1024;

/** Writes all buffers, resuming after short writes. */
async function writeAll(h: FileHandle, bufs: Buffer[]): Promise<void> {
  let rest = bufs;
  while (rest.length > 0) {
    let { bytesWritten } = await h.writev(rest);
    const next: Buffer[] = [];
    for (const b of rest) {
      if (bytesWritten >= b.length) {
        bytesWritten -= b.length;
      } else {
        next.push(bytesWritten > 0 ? b.subarray(bytesWritten) : b);
        bytesWritten = 0;
      }
    }
    rest = next;
  }
}

/** RFC 5322 style header section: CRLF-separated, folded lines continue with WSP; names lower-cased. */
function parsePartHeaders(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text === '') return out;
  const lines: string[] = [];
  for (const line of text.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0)
      lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  for (const line of lines) {
    const c = line.indexOf(':');
    if (c <= 0) throw bad('Malformed MIME part header');
    const name = line.slice(0, c).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(c + 1).trim());
  }
  return out;
}

/** Wraps a sink with the part's Content-Transfer-Encoding decoder (RFC 2045 6). */
function transferDecoder(cte: string | undefined): (s: PartSink) => PartSink {
  const enc = (cte ?? 'binary').trim().toLowerCase();
  if (enc === 'binary' || enc === '8bit' || enc === '7bit') return (s) => s;
  if (enc === 'base64') return base64Sink;
  throw bad('Unsupported Content-Transfer-Encoding in MIME part (binary, 8bit, 7bit or base64 only)');
}

/** Decodes base64 across chunk boundaries, ignoring line breaks and white space. */
function base64Sink(inner: PartSink): PartSink {
  let carry = '';
  return {
    async write(b) {
      const s = carry + b.toString('latin1').replace(/[\s]/g, '');
      if (/[^A-Za-z0-9+/=]/.test(s)) throw bad('Invalid base64 content in MIME part');
      const n = s.length - (s.length % 4);
      carry = s.slice(n);
      if (n > 0) await inner.write(Buffer.from(s.slice(0, n), 'base64'));
    },
    async end() {
      if (carry.length > 0) throw bad('Truncated base64 content in MIME part');
      await inner.end();
    },
    abort: () => inner.abort(),
  };
}
