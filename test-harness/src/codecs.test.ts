import { describe, expect, it } from 'vitest';
import { NS, parseXml } from '@mesh/xml';
import { hl7Get, mllpFrame, mllpUnframe, normalizeHl7, parseHl7 } from './hl7.js';
import { buildMtom, cidToContentId, contentTypeParam, parseMultipart, sha1Hex } from './mtom.js';
import { buildEnvelope, readFault, soapHttpHeaders } from './soap.js';
import { buildSyslog, octetCountingFrame, parseOctetCounting } from './syslog.js';
import { UnknownVariableError, hl7Timestamp, substitute, uuidToOid } from './vars.js';

describe('HL7 v2 and MLLP', () => {
  const msg = parseHl7(
    'MSH|^~\\&|APP|FAC|MPI|MESH|20260101||ADT^A01^ADT_A01|C1|P|2.5\rPID|1||A1^^^&1.2&ISO~B2^^^H&2.3&ISO||Doe^John\rNK1|1|Roe\rNK1|2|Poe\r',
  );

  it('counts fields as HL7 does (MSH-1 is the separator)', () => {
    expect(hl7Get(msg, 'MSH-1')).toBe('|');
    expect(hl7Get(msg, 'MSH-2')).toBe('^~\\&');
    expect(hl7Get(msg, 'MSH-3')).toBe('APP');
    expect(hl7Get(msg, 'MSH-9.2')).toBe('A01');
    expect(hl7Get(msg, 'MSH-10')).toBe('C1');
    expect(hl7Get(msg, 'PID-1')).toBe('1');
  });

  it('repetitions, components, subcomponents and segment occurrences', () => {
    expect(hl7Get(msg, 'PID-3')).toBe('A1^^^&1.2&ISO~B2^^^H&2.3&ISO');
    expect(hl7Get(msg, 'PID-3.1')).toBe('A1');
    expect(hl7Get(msg, 'PID-3(2)')).toBe('B2^^^H&2.3&ISO');
    expect(hl7Get(msg, 'PID-3(2).4.2')).toBe('2.3');
    expect(hl7Get(msg, 'PID-3(3)')).toBeUndefined();
    expect(hl7Get(msg, 'NK1[2]-2')).toBe('Poe');
    expect(hl7Get(msg, 'NK1[3]-2')).toBeUndefined();
    expect(hl7Get(msg, 'PV1-2')).toBeUndefined();
    expect(() => hl7Get(msg, 'PID3')).toThrow(/invalid HL7 field path/);
    expect(() => parseHl7('PID|1')).toThrow(/MSH/);
  });

  it('normalises separators and frames with VT ... FS CR', () => {
    expect(normalizeHl7('MSH|a\nPID|b\r\nPV1|c\n\n')).toBe('MSH|a\rPID|b\rPV1|c\r');
    const f = mllpFrame('MSH|x\r');
    expect([...f]).toEqual([0x0b, ...Buffer.from('MSH|x\r'), 0x1c, 0x0d]);
    expect(mllpUnframe(f.subarray(0, f.length - 1))).toBeUndefined();
    const two = Buffer.concat([Buffer.from('junk'), f, mllpFrame('MSH|y\r')]);
    const first = mllpUnframe(two)!;
    expect(first.message).toBe('MSH|x\r');
    expect(mllpUnframe(two.subarray(first.consumed))!.message).toBe('MSH|y\r');
  });
});

describe('MTOM/XOP codec', () => {
  it('round-trips binary parts, including bytes that look like a boundary', () => {
    const data = Buffer.concat([Buffer.from('\r\n--'), Buffer.from([0, 255, 13, 10]), Buffer.from('--x--')]);
    const built = buildMtom({
      envelope: '<e/>',
      soapContentType: 'application/soap+xml',
      action: 'urn:a',
      parts: [{ contentId: 'a@b', contentType: 'image/png', data }],
    });
    // The default boundary is random, so a document cannot contain it by accident.
    expect(contentTypeParam(built.contentType, 'boundary')).toMatch(/^MIMEBoundary_[0-9a-f]{32}$/);
    expect(contentTypeParam(built.contentType, 'start-info')).toBe('application/soap+xml');
    const p = parseMultipart(built.contentType, built.body);
    expect(p.root.data.toString()).toBe('<e/>');
    expect(p.root.contentType).toBe(
      'application/xop+xml; charset=UTF-8; type="application/soap+xml"; action="urn:a"',
    );
    expect(p.attachments).toHaveLength(1);
    expect(p.attachments[0]!.contentId).toBe('a@b');
    expect(Buffer.compare(p.attachments[0]!.data, data)).toBe(0);
  });

  it('finds the root by the start parameter, handles preamble and folded headers', () => {
    const body = Buffer.from(
      'preamble\r\n--b\r\nContent-Type: text/plain\r\nContent-ID: <att>\r\n\r\nATT\r\n--b\r\nContent-Type: application/xop+xml;\r\n type="text/xml"\r\nContent-ID: <root>\r\n\r\n<r/>\r\n--b--\r\nepilogue',
    );
    const p = parseMultipart('multipart/related; boundary=b; start="<root>"', body);
    expect(p.root.data.toString()).toBe('<r/>');
    expect(p.root.contentType).toBe('application/xop+xml; type="text/xml"');
    expect(p.attachments.map((a) => a.data.toString())).toEqual(['ATT']);
  });

  it('rejects bodies without boundary or closing delimiter', () => {
    expect(() => parseMultipart('multipart/related', Buffer.from('x'))).toThrow(/boundary/);
    expect(() =>
      parseMultipart('multipart/related; boundary=b', Buffer.from('--b\r\nA: b\r\n\r\ndata')),
    ).toThrow(/truncated/);
  });

  it('cid URLs and SHA-1', () => {
    expect(cidToContentId('cid:doc1%40mesh.example')).toBe('doc1@mesh.example');
    expect(sha1Hex(Buffer.from('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});

describe('syslog', () => {
  it('octet counting uses the UTF-8 length and parses back', () => {
    const f = octetCountingFrame('é1');
    expect(f.toString()).toBe('3 é1');
    const both = Buffer.concat([f, octetCountingFrame('<85>1 x')]);
    expect(parseOctetCounting(both)).toMatchObject({ messages: ['é1', '<85>1 x'] });
    const partial = parseOctetCounting(both.subarray(0, both.length - 2));
    expect(partial.messages).toEqual(['é1']);
    expect(partial.rest.toString()).toBe('7 <85>1');
    expect(() => parseOctetCounting(Buffer.from('01 x'))).toThrow(/invalid octet-counting length/);
  });

  it('builds RFC 5424 headers with ATNA defaults', () => {
    expect(buildSyslog({ msg: '<A/>', timestamp: 'T', procId: '9' })).toBe(
      '<85>1 T mesh-harness mesh-harness 9 IHE+RFC-3881 - <A/>',
    );
    expect(buildSyslog({ msg: 'm', bom: true, timestamp: 'T', procId: '1' })).toBe(
      '<85>1 T mesh-harness mesh-harness 1 IHE+RFC-3881 - \ufeffm',
    );
    expect(buildSyslog({ msg: 'm', procId: '1' })).toContain(' ${now} ');
  });
});

describe('variables', () => {
  it('substitutes variables, escapes only substituted values, keeps $${x} literal', () => {
    expect(substitute('<a>${v}</a> $${v}', { v: 'x<y' }, (s) => s.replace('<', '&lt;'))).toBe(
      '<a>x&lt;y</a> ${v}',
    );
    expect(() => substitute('${nope}', {})).toThrow(UnknownVariableError);
    process.env.HARNESS_TEST_VAR = 'from-env';
    expect(substitute('${env.HARNESS_TEST_VAR}', {})).toBe('from-env');
  });

  it('UUID-derived OIDs (X.667) and HL7 timestamps', () => {
    expect(uuidToOid('00000000-0000-0000-0000-000000000010')).toBe('2.25.16');
    expect(uuidToOid('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toBe(
      '2.25.329800735698586629295641978511506172918',
    );
    expect(hl7Timestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('20260102030405+0000');
  });
});

describe('SOAP envelopes and faults', () => {
  it('resolves fault QNames where the prefix is declared, including on the Value element', () => {
    const doc = parseXml(
      `<env:Envelope xmlns:env="${NS.soap12}"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value>` +
        `<env:Subcode><env:Value xmlns:p="${NS.wsa}">p:ActionNotSupported</env:Value>` +
        `<env:Subcode><env:Value xmlns:q="urn:inner">q:Deeper</env:Value></env:Subcode></env:Subcode></env:Code>` +
        `<env:Reason><env:Text xml:lang="en">one</env:Text><env:Text xml:lang="fr">un</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`,
    );
    expect(readFault(doc)).toEqual({
      code: { ns: NS.soap12, local: 'Sender', raw: 'env:Sender' },
      subcodes: [
        { ns: NS.wsa, local: 'ActionNotSupported', raw: 'p:ActionNotSupported' },
        { ns: 'urn:inner', local: 'Deeper', raw: 'q:Deeper' },
      ],
      reason: 'one / un',
      envelopeNs: NS.soap12,
    });
  });

  it('SOAP 1.1: faultcode is the code, and the subcode when outside the envelope namespace', () => {
    const f = (code: string): ReturnType<typeof readFault> =>
      readFault(
        parseXml(
          `<s:Envelope xmlns:s="${NS.soap11}" xmlns:wsa="${NS.wsa}"><s:Body><s:Fault><faultcode>${code}</faultcode>` +
            `<faultstring>x</faultstring></s:Fault></s:Body></s:Envelope>`,
        ),
      );
    expect(f('s:Client')).toMatchObject({ code: { ns: NS.soap11, local: 'Client' }, subcodes: [] });
    expect(f('wsa:ActionNotSupported')!.subcodes).toEqual([
      { ns: NS.wsa, local: 'ActionNotSupported', raw: 'wsa:ActionNotSupported' },
    ]);
    expect(
      readFault(parseXml(`<s:Envelope xmlns:s="${NS.soap12}"><s:Body><x/></s:Body></s:Envelope>`)),
    ).toBeUndefined();
  });

  it('builds envelopes with or without WS-Addressing', () => {
    const withWsa = buildEnvelope({
      version: '1.2',
      to: 'http://h/p',
      action: 'urn:a',
      body: '<b/>',
      messageId: 'urn:uuid:1',
    });
    expect(withWsa).toContain('<wsa:MessageID>urn:uuid:1</wsa:MessageID>');
    const bare = buildEnvelope({
      version: '1.1',
      to: 'http://h/p',
      action: 'urn:a',
      body: '<b/>',
      addressing: false,
    });
    expect(bare).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.soap11}" xmlns:wsa="${NS.wsa}"><s:Body><b/></s:Body></s:Envelope>`,
    );
    expect(soapHttpHeaders('1.1')).toEqual({ 'content-type': 'text/xml; charset=UTF-8', soapaction: '""' });
  });
});
