import { describe, expect, it } from 'vitest';
import { createLogger, requestLogger } from './logger.js';
import { CENSOR, REDACT_PATHS, compileRedactor } from './redact.js';

const ASSERTION = '<saml2:Assertion ID="_a1"><saml2:Subject>Dr House</saml2:Subject></saml2:Assertion>';
const PATIENT = '1234567890^^^&1.3.6.1.4.1.21367.2017.2.5.83&ISO';

function capture(): { lines: Record<string, unknown>[]; raw: string[]; stream: { write(s: string): void } } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    stream: {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  };
}

describe('createLogger redaction', () => {
  it('censors assertions, patient ids, authorization headers and bodies at any depth', () => {
    const out = capture();
    const log = createLogger({ service: 'registry', level: 'info', destination: out.stream });
    const record = {
      transaction: 'ITI-42',
      req: { headers: { authorization: 'Bearer abc.def', 'content-type': 'application/soap+xml' } },
      security: { assertion: ASSERTION },
      submission: { documents: [{ uniqueId: '1.2.3', patientId: PATIENT }], sourcePatientId: PATIENT },
      deep: { a: { b: { c: { PatientID: PATIENT } } } },
      headers: { Authorization: 'Basic dXNlcjpwYXNz' },
      body: '<ClinicalDocument/>',
      password: 'pw',
    };
    log.info(record, 'submission received');
    const text = out.raw.join('');
    for (const secret of [
      ASSERTION,
      'Dr House',
      PATIENT,
      'Bearer abc.def',
      'dXNlcjpwYXNz',
      'ClinicalDocument',
      '"pw"',
    ]) {
      expect(text).not.toContain(secret);
    }
    const line = out.lines[0]!;
    expect(line['security']).toBe(CENSOR);
    expect(line['headers']).toEqual({ Authorization: CENSOR });
    expect(line['deep']).toEqual({ a: { b: { c: { PatientID: CENSOR } } } });
    expect(line['submission']).toEqual({ documents: CENSOR, sourcePatientId: CENSOR });
    // Kept: what operations need.
    expect(line).toMatchObject({
      service: 'registry',
      level: 'info',
      transaction: 'ITI-42',
      msg: 'submission received',
    });
    // The caller's object is not mutated.
    expect(record.security.assertion).toBe(ASSERTION);
  });

  it('censors nested assertion fields and keeps sibling data', () => {
    const out = capture();
    const log = createLogger({ service: 'xua', destination: out.stream });
    log.warn({ xua: { assertionId: '_a1', samlAssertion: ASSERTION } }, 'assertion rejected');
    expect(out.lines[0]!['xua']).toEqual({ assertionId: '_a1', samlAssertion: CENSOR });
  });

  it('redacts child logger bindings too (pino skips formatters for children)', () => {
    const out = capture();
    const log = createLogger({ service: 'mpi', destination: out.stream });
    log
      .child({ patientId: PATIENT })
      .child({ step: 2, patient: { name: 'Doe' } })
      .info('merged');
    expect(out.raw.join('')).not.toContain(PATIENT);
    expect(out.raw.join('')).not.toContain('Doe');
    expect(out.lines[0]).toMatchObject({ patientId: CENSOR, patient: CENSOR, step: 2 });
  });

  it('scans errors: driver detail and own fields are censored, message and stack kept', () => {
    const out = capture();
    const log = createLogger({ service: 'registry', destination: out.stream });
    const err = Object.assign(new Error('duplicate key'), {
      code: '23505',
      detail: `Key (patient_id)=(${PATIENT}) already exists.`,
    });
    log.error({ err }, 'insert failed');
    log.error(err);
    for (const line of out.lines) {
      expect(line['err']).toMatchObject({
        type: 'Error',
        message: 'duplicate key',
        code: '23505',
        detail: CENSOR,
      });
      expect((line['err'] as { stack: string }).stack).toContain('duplicate key');
    }
    expect(out.raw.join('')).not.toContain(PATIENT);
  });

  it('logs requests without query string or headers', () => {
    const out = capture();
    const log = createLogger({ service: 'registry', destination: out.stream });
    log.info(
      {
        req: {
          method: 'GET',
          url: `/Patient?identifier=${encodeURIComponent(PATIENT)}`,
          headers: { authorization: 'Bearer x', host: 'mesh' },
          socket: { remoteAddress: '10.0.0.1', remotePort: 4000 },
        },
      },
      'incoming',
    );
    expect(out.lines[0]!['req']).toEqual({
      method: 'GET',
      url: '/Patient',
      host: 'mesh',
      remoteAddress: '10.0.0.1',
      remotePort: 4000,
    });
  });

  it('requestLogger adds the correlation fields', () => {
    const out = capture();
    const log = createLogger({ service: 'repository', destination: out.stream });
    requestLogger(log, { transaction: 'ITI-41', traceId: 'a'.repeat(32), messageId: 'urn:uuid:1' }).info(
      'stored',
    );
    requestLogger(log, { transaction: 'ITI-8', msh10: 'MSG0001' }).info('acked');
    expect(out.lines[0]).toMatchObject({
      transaction: 'ITI-41',
      traceId: 'a'.repeat(32),
      wsaMessageId: 'urn:uuid:1',
    });
    expect(out.lines[1]).toMatchObject({ transaction: 'ITI-8', msh10: 'MSG0001' });
    expect(out.lines[1]).not.toHaveProperty('traceId');
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger({ service: 'hpd', level: 'warn', destination: out.stream });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines.map((l) => l['msg'])).toEqual(['shown']);
  });
});

describe('compileRedactor', () => {
  it('matches anchored paths exactly and any-depth keys case-insensitively', () => {
    const r = compileRedactor(['*.token', 'err.detail']);
    expect(r.scrub({ detail: 'x', err: { detail: 'y' }, a: { TOKEN: 't' } })).toEqual({
      detail: 'x',
      err: { detail: CENSOR },
      a: { TOKEN: CENSOR },
    });
  });

  it('returns the same object when nothing matches, and bounds depth', () => {
    const r = compileRedactor(REDACT_PATHS);
    const clean = { transaction: 'ITI-18', count: 3, list: [{ code: 'x' }] };
    expect(r.scrub(clean)).toBe(clean);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { n: deep };
    expect(JSON.stringify(r.scrub(deep))).toContain(CENSOR);
  });

  it('every REDACT_PATHS entry is any-depth or an anchored path', () => {
    for (const p of REDACT_PATHS) expect(p).toMatch(/^(\*\.[\w-]+|[\w-]+(\.[\w-]+)+)$/);
  });
});
