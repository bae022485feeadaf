/**
 * Parse/encode round trip on the IPF HL7v2 samples (third-party, read in place from
 * ../shared/conformance/03-hl7v2/ipf), escapes, charsets and 1-based access.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Hl7ParseError,
  escapeValue,
  message,
  msh,
  parseHl7,
  readCx,
  readXpn,
  segment,
  unescapeValue,
} from './index.js';

const dir = fileURLToPath(new URL('../../../../shared/conformance/03-hl7v2/ipf/', import.meta.url));

function samples(d: string): string[] {
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? samples(p) : f.endsWith('.hl7') ? [p] : [];
  });
}

const normalise = (s: string): string =>
  s
    .split(/\r\n|\r|\n/)
    .filter((l) => l.trim() !== '')
    .join('\r') + '\r';

describe('IPF samples', () => {
  const files = samples(dir);
  it('finds the samples', () => {
    expect(files.length).toBeGreaterThan(30);
  });
  for (const f of files) {
    it(`round-trips ${f.slice(dir.length)}`, () => {
      const bytes = readFileSync(f);
      const msg = parseHl7(bytes);
      expect(msg.msh.name).toBe('MSH');
      expect(msg.encode()).toBe(normalise(bytes.toString('latin1')));
      expect(Buffer.from(msg.toBytes()).toString('latin1')).toBe(normalise(bytes.toString('latin1')));
    });
  }

  it('reads PID-3 repetitions as CX, 1-based', () => {
    const msg = parseHl7(readFileSync(join(dir, 'iti8_iti8-a40.hl7')));
    const pid = msg.segment('PID');
    expect(pid?.get(1)).toBe('1');
    const ids = pid?.repetitions(3).map(readCx) ?? [];
    expect(ids).toHaveLength(3);
    expect(ids[1]).toEqual({
      id: '7200117317',
      assigningAuthority: {
        namespaceId: 'BBB',
        universalId: '2.16.840.1.113883.3.37.4.1.1.2.611.1',
        universalIdType: 'ISO',
      },
      identifierTypeCode: '',
    });
    expect(readXpn(pid?.repetitions(5)[0] as never)).toMatchObject({
      family: 'STILLER',
      given: 'BEN',
      nameTypeCode: 'L',
    });
    expect(msg.messageType).toEqual({ code: 'ADT', trigger: 'A40', structure: '' });
    expect(msg.version).toBe('2.3.1');
    expect(msg.msh.get(1)).toBe('|');
    expect(msg.msh.get(2)).toBe('^~\\&');
    expect(msg.msh.get(3)).toBe('ICW-MPI');
    expect(msg.msh.get(11, 2)).toBe('T');
  });

  it('unescapes the escape sequences of err-2_Response (MSA-3)', () => {
    const msg = parseHl7(readFileSync(join(dir, 'translation/pixquery/v2/err-2_Response.hl7')));
    expect(msg.segment('MSA')?.get(3)).toBe(
      'Unable to resolve requested domains in QPD-4: ^^^NONEXISTING, ^^^&1.2.3.4&ISO',
    );
  });
});

describe('escape sequences', () => {
  it('escapes every delimiter and unescapes back', () => {
    const v = 'a|b^c~d\\e&f';
    expect(escapeValue(v)).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f');
    expect(unescapeValue(escapeValue(v))).toBe(v);
  });
  it('resolves hexadecimal data and keeps formatting escapes', () => {
    expect(unescapeValue('M\\XFC\\ller')).toBe('Müller');
    expect(unescapeValue('line\\.br\\two')).toBe('line\\.br\\two');
  });
  it('drops trailing empty components but keeps inner ones and non-empty subcomponent lists', () => {
    expect(segment('PID', ['a', '', ''], ['', '', 'x'], ['', ''], ['b', ['', ''], '']).encode()).toBe(
      'PID|a|^^x||b^&',
    );
  });
  it('builds segments with escaped leaves', () => {
    const s = segment('PID', '1', undefined, { repeat: [['1^2', '', '', ['NS', '1.2&3', 'ISO']]] });
    expect(s.encode()).toBe('PID|1||1\\S\\2^^^NS&1.2\\T\\3&ISO');
  });
});

describe('character sets (MSH-18)', () => {
  const latin = (cs: string): Buffer =>
    Buffer.concat([
      Buffer.from(`MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.3.1||||||${cs}\r`, 'latin1'),
      Buffer.from('PID|1||x^^^&1.2&ISO||Müller^Zoé\r', cs === 'UNICODE UTF-8' ? 'utf8' : 'latin1'),
    ]);
  it('decodes ISO-8859-1 bytes', () => {
    const msg = parseHl7(latin('8859/1'));
    expect(msg.charset).toBe('8859/1');
    expect(msg.segment('PID')?.get(5, 1)).toBe('Müller');
    expect(Buffer.from(msg.toBytes()).equals(latin('8859/1'))).toBe(true);
  });
  it('decodes UTF-8 bytes', () => {
    const msg = parseHl7(latin('UNICODE UTF-8'));
    expect(msg.segment('PID')?.get(5, 2)).toBe('Zoé');
    expect(Buffer.from(msg.toBytes()).equals(latin('UNICODE UTF-8'))).toBe(true);
  });
  it('writes characters beyond Latin-1 as ? in ISO-8859-1 and ASCII replies', () => {
    const m = message([segment('PID', '1', undefined, 'Łukasz Müller')], '8859/1');
    expect(Buffer.from(m.toBytes()).toString('latin1')).toBe('PID|1||?ukasz Müller\r');
  });
  it('reads and writes segments separated by LF or CRLF as by CR', () => {
    const msg = parseHl7('MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.3.1\r\nEVN|A01\n\nPID|1||x\r');
    expect(msg.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID']);
    expect(msg.encode()).toBe('MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.3.1\rEVN|A01\rPID|1||x\r');
  });
  it('rejects invalid UTF-8 and unknown charsets', () => {
    const bad = Buffer.concat([
      Buffer.from('MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.3.1||||||UNICODE UTF-8\rPID|1||'),
      Buffer.from([0xff, 0xfe]),
    ]);
    expect(() => parseHl7(bad)).toThrow(Hl7ParseError);
    expect(() => parseHl7(Buffer.from('MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.3.1||||||EBCDIC\r'))).toThrow(
      /EBCDIC/,
    );
  });
});

describe('malformed input', () => {
  it.each([
    ['binary', Buffer.from([0, 1, 2, 3, 0xff, 0x0b, 0x1c])],
    ['no MSH', Buffer.from('PID|1||x\r')],
    ['bad delimiters', Buffer.from('MSH|^^\\&|A\r')],
    ['bad segment id', Buffer.from('MSH|^~\\&|A\rp!d|1\r')],
  ])('rejects %s', (_, b) => {
    expect(() => parseHl7(b)).toThrow(Hl7ParseError);
  });
});

describe('builders', () => {
  it('builds an MSH with the charset and message type', () => {
    const m = message(
      [
        msh({
          sendingApplication: 'MESH',
          sendingFacility: 'NAT',
          dateTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
          messageType: ['ACK', 'A01', 'ACK'],
          controlId: '42',
          version: '2.5',
          charset: '8859/1',
        }),
      ],
      '8859/1',
    );
    expect(m.encode()).toBe('MSH|^~\\&|MESH|NAT|||20260102030405+0000||ACK^A01^ACK|42|P|2.5||||||8859/1\r');
    expect(parseHl7(m.toBytes()).charset).toBe('8859/1');
  });
  it('formats MSH-7 per second (a new second, a new timestamp)', () => {
    const at = (ms: number): string =>
      msh({
        sendingApplication: 'A',
        sendingFacility: 'B',
        dateTime: new Date(ms),
        messageType: ['ACK', 'A01'],
        controlId: '1',
        version: '2.5',
      }).get(7);
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(at(t)).toBe('20260102030405+0000');
    expect(at(t + 999)).toBe('20260102030405+0000');
    expect(at(t + 1000)).toBe('20260102030406+0000');
    expect(at(t)).toBe('20260102030405+0000');
  });
  it('reads a field once split: repeated reads and copies of repetitions agree', () => {
    const pid = parseHl7(
      'MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.3.1\rPID|1||a^^^&1.2&ISO~b\\T\\c^^^NS\r',
    ).segment('PID');
    const reps = pid?.repetitions(3) ?? [];
    reps.pop();
    expect(pid?.repetitions(3).map((r) => r.get(1))).toEqual(['a', 'b&c']);
    expect(pid?.get(3, 4, 2)).toBe('1.2');
    expect(pid?.get(3, 4, 3)).toBe('ISO');
    expect(pid?.repetitions(3)[1]?.get(4, 2)).toBe('');
  });
});
