import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SyslogParseError, formatSyslog, parseSyslog } from './rfc5424.js';
import type { SyslogMessage } from './rfc5424.js';

interface ParseCase {
  readonly name: string;
  readonly frame: string;
  readonly expect: 'ok' | 'fail';
  readonly fields: Record<string, unknown>;
}

// Third-party oracle (transcribed from IPF's SyslogParserTest), read in place: see ../shared/conformance/README.md.
const cases = JSON.parse(
  readFileSync(
    new URL('../../../../shared/conformance/05-atna/ipf-syslog/rfc5424-parse-cases.json', import.meta.url),
    'utf8',
  ),
) as ParseCase[];

/** The case file's field names, projected from our model. */
function project(m: SyslogMessage, field: string): unknown {
  switch (field) {
    case 'pri':
    case 'hostname':
    case 'appName':
    case 'procId':
    case 'msgId':
    case 'timestamp':
      return m[field];
    case 'msg':
      // The oracle keeps the BOM as part of MSG; we strip it and flag it, so put it back to compare octets.
      return (m.bom ? '\uFEFF' : '') + m.msg.toString('utf8');
    case 'sd':
      return Object.fromEntries(
        m.structuredData.map((e) => [e.id, Object.fromEntries(e.params.map((p) => [p.name, p.value]))]),
      );
    default:
      throw new Error(`parse-cases field '${field}' is not mapped by this test`);
  }
}

describe('RFC 5424 parse cases (shared conformance oracle)', () => {
  it('has both accept and reject cases', () => {
    expect(cases.filter((c) => c.expect === 'ok').length).toBeGreaterThan(0);
    expect(cases.filter((c) => c.expect === 'fail').length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    it(`${c.name}: ${c.expect}`, () => {
      if (c.expect === 'fail') {
        expect(() => parseSyslog(c.frame)).toThrow(SyslogParseError);
        return;
      }
      const m = parseSyslog(c.frame);
      for (const [field, expected] of Object.entries(c.fields))
        expect(project(m, field), field).toEqual(expected);
    });
  }
});

describe('parseSyslog', () => {
  const reason = (frame: string | Buffer): string => {
    try {
      parseSyslog(frame);
    } catch (err) {
      if (err instanceof SyslogParseError) return err.reason;
      throw err;
    }
    return 'parsed';
  };

  it('parses every header field and computes facility and severity', () => {
    const m = parseSyslog(
      '<85>1 2026-11-25T20:30:00.123456+01:00 node1.example.lu mesh 42 IHE+RFC-3881 - <AuditMessage/>',
    );
    expect(m).toMatchObject({
      pri: 85,
      facility: 10,
      severity: 5,
      version: 1,
      timestamp: '2026-11-25T20:30:00.123456+01:00',
      hostname: 'node1.example.lu',
      appName: 'mesh',
      procId: '42',
      msgId: 'IHE+RFC-3881',
      structuredData: [],
      structuredDataRaw: null,
      bom: false,
    });
    expect(m.msg.toString()).toBe('<AuditMessage/>');
  });

  it('maps NILVALUE fields to null and accepts a message without MSG', () => {
    const m = parseSyslog('<0>1 - - - - - -');
    expect(m).toMatchObject({
      pri: 0,
      timestamp: null,
      hostname: null,
      appName: null,
      procId: null,
      msgId: null,
    });
    expect(m.msg.length).toBe(0);
    expect(parseSyslog('<0>1 - - - - - - ').msg.length).toBe(0);
  });

  it('strips a UTF-8 BOM and keeps MSG bytes as sent otherwise', () => {
    const latin1 = Buffer.concat([Buffer.from('<13>1 - h a p m - '), Buffer.from([0xe9, 0x0a])]);
    expect([...parseSyslog(latin1).msg]).toEqual([0xe9, 0x0a]);
    const withBom = parseSyslog('<13>1 - h a p m - \uFEFF<x>é</x>');
    expect(withBom.bom).toBe(true);
    expect(withBom.msg.toString('utf8')).toBe('<x>é</x>');
  });

  it('parses several SD-ELEMENTs, escapes and UTF-8 values, keeping the raw text', () => {
    const sd = '[a@1 k="v\\"q\\\\b\\]c" k="two"][origin ip="10.0.0.1" x="é\\n"]';
    const m = parseSyslog(`<13>1 - h a p m ${sd} body`);
    expect(m.structuredData).toEqual([
      {
        id: 'a@1',
        params: [
          { name: 'k', value: 'v"q\\b]c' },
          { name: 'k', value: 'two' },
        ],
      },
      {
        id: 'origin',
        params: [
          { name: 'ip', value: '10.0.0.1' },
          { name: 'x', value: 'é\\n' },
        ],
      },
    ]);
    expect(m.structuredDataRaw).toBe(sd);
    expect(m.msg.toString()).toBe('body');
  });

  it.each([
    ['empty frame', '', 'missing-pri'],
    ['BSD (RFC 3164) form', '<34>Oct 11 22:14:15 mymachine su: su root failed', 'invalid-version'],
    ['PRI without digits', '<>1 - - - - - -', 'invalid-pri'],
    ['PRI of 4 digits', '<0001>1 - - - - - -', 'invalid-pri'],
    ['version 2', '<13>2 - - - - - -', 'unsupported-version'],
    ['leap second', '<13>1 2016-12-31T23:59:60Z h a p m -', 'invalid-timestamp'],
    ['29 February of a common year', '<13>1 2023-02-29T00:00:00Z h a p m -', 'invalid-timestamp'],
    ['lower-case t', '<13>1 2023-02-01t00:00:00Z h a p m -', 'invalid-timestamp'],
    ['7 fraction digits', '<13>1 2023-02-01T00:00:00.1234567Z h a p m -', 'invalid-timestamp'],
    ['offset hour 24', '<13>1 2023-02-01T00:00:00+24:00 h a p m -', 'invalid-timestamp'],
    ['APP-NAME of 49 characters', `<13>1 - h ${'a'.repeat(49)} p m -`, 'invalid-header-field'],
    ['MSGID of 33 characters', `<13>1 - h a p ${'m'.repeat(33)} -`, 'invalid-header-field'],
    ['non-ASCII hostname', '<13>1 - hé a p m -', 'invalid-header-field'],
    ['no STRUCTURED-DATA', '<13>1 - h a p m', 'truncated'],
    ['STRUCTURED-DATA missing after SP', '<13>1 - h a p m ', 'truncated'],
    ['MSG glued to SD', '<13>1 - h a p m -body', 'invalid-structured-data'],
    ['duplicate SD-ID', '<13>1 - h a p m [x a="1"][x b="2"]', 'invalid-structured-data'],
    ['unquoted param', '<13>1 - h a p m [x a=1]', 'invalid-structured-data'],
    ['unclosed param', '<13>1 - h a p m [x a="1]', 'invalid-structured-data'],
    ['SD-ID of 33 characters', `<13>1 - h a p m [${'x'.repeat(33)}]`, 'invalid-structured-data'],
    ['SD without brackets', '<13>1 - h a p m x', 'invalid-structured-data'],
  ])('rejects %s', (_, frame, expected) => {
    expect(reason(frame)).toBe(expected);
  });

  it('rejects a PARAM-VALUE that is not UTF-8', () => {
    const frame = Buffer.concat([
      Buffer.from('<13>1 - h a p m [x a="'),
      Buffer.from([0xff]),
      Buffer.from('"]'),
    ]);
    expect(reason(frame)).toBe('invalid-structured-data');
  });

  it('never puts frame content into the error message', () => {
    try {
      parseSyslog('<13>1 - h a p m [x secret="patient 123]');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('patient');
      expect(err).toMatchObject({ reason: 'invalid-structured-data' });
    }
  });
});

describe('formatSyslog', () => {
  it('writes what parseSyslog reads back', () => {
    const line = formatSyslog({
      timestamp: new Date('2026-11-25T20:30:00.5Z'),
      hostname: 'mesh-1',
      appName: 'audit',
      procId: '7',
      msgId: 'IHE+DICOM',
      structuredData: [{ id: 'meta@1', params: [{ name: 'q', value: 'a"b\\c]d' }] }],
      msg: '<AuditMessage>é</AuditMessage>',
    });
    const m = parseSyslog(line);
    expect(m).toMatchObject({
      pri: 85,
      timestamp: '2026-11-25T20:30:00.500Z',
      hostname: 'mesh-1',
      appName: 'audit',
      procId: '7',
      msgId: 'IHE+DICOM',
      structuredData: [{ id: 'meta@1', params: [{ name: 'q', value: 'a"b\\c]d' }] }],
      bom: true,
    });
    expect(m.msg.toString('utf8')).toBe('<AuditMessage>é</AuditMessage>');
  });

  it('writes NILVALUEs and no BOM on request', () => {
    expect(formatSyslog({ timestamp: null, facility: 4, severity: 2, msg: 'x', bom: false })).toBe(
      '<34>1 - - - - - - x',
    );
    expect(formatSyslog({ timestamp: null })).toBe('<85>1 - - - - - -');
  });

  it('refuses fields the grammar does not allow', () => {
    expect(() => formatSyslog({ hostname: 'two words' })).toThrow(RangeError);
    expect(() => formatSyslog({ appName: 'a'.repeat(49) })).toThrow(RangeError);
    expect(() => formatSyslog({ timestamp: '2026-13-01T00:00:00Z' })).toThrow(RangeError);
    expect(() => formatSyslog({ structuredData: [{ id: 'a=b', params: [] }] })).toThrow(RangeError);
    expect(() => formatSyslog({ facility: 24 })).toThrow(RangeError);
  });
});
