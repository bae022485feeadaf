import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool } from './attachment.js';
import { parseMediaType } from './content-type.js';
import { SoapFaultError } from './fault.js';
import { soapLimits } from './limits.js';
import type { SoapLimits } from './limits.js';
import { buildMtom } from './mtom.js';
import { parseMultipartRelated } from './multipart.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'soap-mp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/** Splits a buffer into chunks of `size` bytes, to exercise boundaries across chunks. */
function* chunked(b: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function parse(
  body: Buffer | Iterable<Buffer>,
  ct: string,
  limits: Partial<SoapLimits> = {},
  spool = new Spool(dir),
) {
  const src = Buffer.isBuffer(body) ? [body] : body;
  return parseMultipartRelated(Readable.from(src, { objectMode: false }), parseMediaType(ct)!, {
    limits: soapLimits(limits),
    spool,
  });
}

async function faultOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SoapFaultError);
    const f = (e as SoapFaultError).fault;
    expect(f.code).toBe('Sender');
    return f.reason;
  }
  throw new Error('expected a fault');
}

const CT =
  'multipart/related; type="application/xop+xml"; boundary="b1"; start="<root@x>"; start-info="application/soap+xml"';
const ROOT_HDR =
  'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@x>\r\n\r\n';

/** Hand-written message in the shape Axis2/CXF emit: preamble, padding after a boundary, folded header. */
function handMessage(doc: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      'This is a preamble.\r\n--b1  \r\n' +
        ROOT_HDR +
        '<e/>\r\n--b1\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: binary\r\nContent-ID:\r\n <doc1@x>\r\n\r\n',
    ),
    doc,
    Buffer.from('\r\n--b1--\r\nepilogue'),
  ]);
}

describe('parseMultipartRelated', () => {
  it('parses a hand-written message whatever the chunking', async () => {
    // Looks like a boundary, but a delimiter only counts after CRLF (RFC 2046 5.1.1).
    const doc = Buffer.from('<ClinicalDocument>--b1 not a delimiter\r\n-b1\r\n--b</ClinicalDocument>\r\n');
    for (const size of [1, 2, 3, 7, 64, 100000]) {
      const r = await parse(chunked(handMessage(doc), size), CT);
      expect(r.root.bytes.toString()).toBe('<e/>');
      expect(r.root.contentId).toBe('root@x');
      const a = r.attachments.get('doc1@x')!;
      expect(a.contentType).toBe('text/xml');
      expect(a.size).toBe(doc.length);
      expect(a.sha1).toBe(sha1(doc));
      expect(await a.bytes()).toEqual(doc);
    }
  });

  it('finds the root by start even when it is not the first part', async () => {
    const body = Buffer.from(
      '--b1\r\nContent-ID: <a@x>\r\nContent-Type: application/octet-stream\r\n\r\nAAA\r\n--b1\r\n' +
        ROOT_HDR +
        '<root/>\r\n--b1--',
    );
    const r = await parse(body, CT);
    expect(r.root.bytes.toString()).toBe('<root/>');
    expect((await r.attachments.get('a@x')!.bytes()).toString()).toBe('AAA');
  });

  it('takes the first part as root without start, and decodes base64 parts', async () => {
    const data = Buffer.from('binary \x00\x01\x02 content '.repeat(50), 'latin1');
    const b64 = data.toString('base64').replace(/(.{76})/g, '$1\r\n');
    const body = Buffer.from(
      `--b1\r\n${ROOT_HDR.replace('Content-ID: <root@x>\r\n', '')}<r/>\r\n--b1\r\nContent-ID: <p@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b1--\r\n`,
    );
    const r = await parse(chunked(body, 5), 'multipart/related; type="application/xop+xml"; boundary=b1');
    expect(r.root.bytes.toString()).toBe('<r/>');
    const a = r.attachments.get('p@x')!;
    expect(a.sha1).toBe(sha1(data));
    expect(a.size).toBe(data.length);
  });

  it('round-trips what buildMtom writes, spooling large parts to the spool directory', async () => {
    const small = Buffer.from('small');
    const large = Buffer.alloc(300_000, 7);
    for (let i = 0; i < large.length; i += 997) large[i] = i & 0xff;
    const m = buildMtom({
      version: '1.2',
      envelope: '<env/>',
      action: 'urn:a',
      attachments: [
        { contentId: 's@x', contentType: 'text/plain', open: () => Readable.from([small]) },
        { contentId: 'l@x', contentType: 'application/pdf', open: () => Readable.from(chunked(large, 4096)) },
      ],
    });
    const spool = new Spool(dir);
    const r = await parseMultipartRelated(m.stream, parseMediaType(m.contentType)!, {
      limits: soapLimits(),
      spool,
    });
    expect(r.root.bytes.toString()).toBe('<env/>');
    expect(r.attachments.get('s@x')!.path).toBeUndefined();
    const l = r.attachments.get('l@x')!;
    expect(l.path).toBeDefined();
    expect(l.sha1).toBe(sha1(large));
    expect((await readFile(l.path!)).equals(large)).toBe(true);
    // The first bytes stay in memory (content sniffing without reading the file), for both kinds.
    expect(l.head.equals(large.subarray(0, 4096))).toBe(true);
    expect(r.attachments.get('s@x')!.head.toString()).toBe('small');
    // A spooled part read in pieces of a chosen size.
    const pieces: number[] = [];
    for await (const c of l.open({ highWaterMark: 100_000 })) pieces.push((c as Buffer).length);
    expect(pieces).toEqual([100_000, 100_000, 100_000]);
    expect(await readdir(dir)).toHaveLength(1);
    await spool.dispose();
    expect(await readdir(dir)).toEqual([]);
  });

  it('claim() moves the spooled file out of the spool, which then leaves it alone', async () => {
    const large = Buffer.alloc(200_000, 1);
    const m = buildMtom({
      version: '1.2',
      envelope: '<env/>',
      attachments: [{ contentId: 'l@x', contentType: 'application/pdf', open: () => Readable.from([large]) }],
    });
    const spool = new Spool(dir);
    const r = await parseMultipartRelated(m.stream, parseMediaType(m.contentType)!, {
      limits: soapLimits(),
      spool,
    });
    const keep = join(dir, 'kept.bin');
    const a = r.attachments.get('l@x')!;
    await a.claim(keep);
    expect(a.claimed).toBe(true);
    await spool.dispose();
    expect(await readdir(dir)).toEqual(['kept.bin']);
    expect(sha1(await readFile(keep))).toBe(a.sha1);
  });

  it('refuses a body whose closing boundary is missing', async () => {
    const body = Buffer.from(`--b1\r\n${ROOT_HDR}<e/>\r\n--b1\r\nContent-ID: <a@x>\r\n\r\nAAAA`);
    expect(await faultOf(parse(body, CT))).toMatch(/closing boundary is missing/);
  });

  it('refuses a start parameter naming no part', async () => {
    const body = Buffer.from(`--b1\r\n${ROOT_HDR}<e/>\r\n--b1--\r\n`);
    expect(await faultOf(parse(body, CT.replace('<root@x>', '<other@x>')))).toMatch(
      /start parameter names no MIME part/,
    );
  });

  it('refuses a body without parts or without any boundary', async () => {
    expect(await faultOf(parse(Buffer.from('--b1--\r\n'), CT))).toMatch(/without parts/);
    expect(await faultOf(parse(Buffer.from('<e/>'), CT))).toMatch(/No MIME boundary/);
    expect(
      await faultOf(parse(Buffer.from('--b1--'), 'multipart/related; type="application/xop+xml"')),
    ).toMatch(/boundary/);
  });

  it('refuses attachment parts without Content-ID, duplicates and unknown transfer encodings', async () => {
    const part = (hdr: string): string => `\r\n--b1\r\n${hdr}\r\n\r\nX`;
    const msg = (...parts: string[]): Buffer =>
      Buffer.from(`--b1\r\n${ROOT_HDR}<e/>${parts.join('')}\r\n--b1--`);
    expect(await faultOf(parse(msg(part('Content-Type: text/plain')), CT))).toMatch(/no Content-ID/);
    expect(await faultOf(parse(msg(part('Content-ID: <a@x>'), part('Content-ID: <a@x>')), CT))).toMatch(
      /Duplicate/,
    );
    expect(
      await faultOf(parse(msg(part('Content-ID: <a@x>\r\nContent-Transfer-Encoding: quoted-printable')), CT)),
    ).toMatch(/Content-Transfer-Encoding/);
    expect(await faultOf(parse(msg(part('no colon here')), CT))).toMatch(/Malformed MIME part header/);
  });

  it('enforces maxParts, maxEnvelopeBytes, maxAttachmentBytes and maxTotalBytes, leaving files for the spool to delete', async () => {
    const many = Buffer.from(
      `--b1\r\n${ROOT_HDR}<e/>` +
        [1, 2, 3].map((i) => `\r\n--b1\r\nContent-ID: <p${i}@x>\r\n\r\nX`).join('') +
        '\r\n--b1--',
    );
    expect(await faultOf(parse(many, CT, { maxParts: 3 }))).toMatch(/Too many MIME parts/);
    const bigRoot = Buffer.from(`--b1\r\n${ROOT_HDR}<e>${'x'.repeat(2000)}</e>\r\n--b1--`);
    expect(await faultOf(parse(bigRoot, CT, { maxEnvelopeBytes: 1000 }))).toMatch(
      /envelope exceeds 1000 bytes/,
    );

    const big = Buffer.alloc(500_000, 3);
    const mk = () =>
      buildMtom({
        version: '1.2',
        envelope: '<e/>',
        attachments: [
          { contentId: 'a@x', contentType: 'application/pdf', open: () => Readable.from(chunked(big, 8192)) },
          { contentId: 'b@x', contentType: 'application/pdf', open: () => Readable.from(chunked(big, 8192)) },
        ],
      });
    for (const limits of [{ maxAttachmentBytes: 400_000 }, { maxTotalBytes: 800_000 }]) {
      const spool = new Spool(dir);
      const m = mk();
      const reason = await faultOf(
        parseMultipartRelated(m.stream, parseMediaType(m.contentType)!, {
          limits: soapLimits(limits),
          spool,
        }),
      );
      expect(reason).toMatch(
        limits.maxAttachmentBytes ? /Attachment exceeds 400000 bytes/ : /Message exceeds 800000 bytes/,
      );
      expect((await readdir(dir)).length).toBeGreaterThan(0);
      await spool.dispose();
      expect(await readdir(dir)).toEqual([]);
    }
  });
});
