import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioFileError, loadScenarioFiles, parseScenarioYaml } from './load.js';
import type { SoapStep, SyslogStep } from './model.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-load-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** The ScenarioFileError message of loading `yaml`. */
function errorOf(yaml: string, name = 'bad.yaml'): string {
  const p = file(name, yaml);
  try {
    loadScenarioFiles([p]);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioFileError);
    return (e as Error).message;
  }
  throw new Error('expected a ScenarioFileError');
}

const ok = `id: s1
steps:
  - http: { path: /healthz }
`;

describe('scenario file validation', () => {
  it('accepts a minimal scenario and fills defaults', () => {
    const [s] = parseScenarioYaml(ok, join(dir, 'x.yaml'));
    expect(s).toMatchObject({
      id: 's1',
      title: 's1',
      tags: [],
      requires: [],
      steps: [{ kind: 'http', method: 'GET', path: '/healthz' }],
    });
  });

  it('names the file, scenario and step of an unknown key', () => {
    const msg = errorOf(`id: s2
steps:
  - http: { path: /a }
  - soap: { path: /xds/registry, action: urn:a, boddy: <x/> }
`);
    expect(msg).toContain(`${join(dir, 'bad.yaml')}: scenario 's2' step 2 (soap): soap: unknown key 'boddy'`);
  });

  it('rejects a document that is not a mapping, or has no id', () => {
    expect(errorOf(`- id: s\n`)).toMatch(/bad.yaml: scenario: must be a mapping/);
    expect(errorOf(`title: t\nsteps: []\n`)).toMatch(/bad.yaml: 'id' is required/);
  });

  it('rejects a step with no or two kinds', () => {
    expect(errorOf(`id: s\nsteps:\n  - expect: { status: 200 }\n`)).toMatch(
      /step 1: a step needs exactly one of soap, http, mllp, syslog \(found none\)/,
    );
    expect(errorOf(`id: s\nsteps:\n  - http: { path: /a }\n    mllp: { message: MSH }\n`)).toMatch(
      /found http, mllp/,
    );
  });

  it('rejects bad expectation values with their path', () => {
    expect(errorOf(`id: s\nsteps:\n  - http: { path: /a }\n    expect: { status: ok }\n`)).toMatch(
      /step 1 \(http\): expect.status: must be an integer >= 100/,
    );
    expect(errorOf(`id: s\nsteps:\n  - http: { path: /a }\n    expect: { registryStatus: Done }\n`)).toMatch(
      /registryStatus: must be Success, PartialSuccess or Failure/,
    );
    expect(
      errorOf(
        `id: s\nsteps:\n  - mllp: { message: MSH }\n    expect: { hl7: [{ field: MSA1, equals: AA }] }\n`,
      ),
    ).toMatch(/expect.hl7\[1\].field: invalid HL7 field path 'MSA1'/);
    expect(
      errorOf(`id: s\nsteps:\n  - http: { path: /a }\n    expect: { xpath: [{ expr: /a, matches: '(' }] }\n`),
    ).toMatch(/expect.xpath\[1\].matches: invalid regular expression/);
    expect(
      errorOf(`id: s\nsteps:\n  - http: { path: /a }\n    expect: { xpath: [{ equals: x }] }\n`),
    ).toMatch(/expect.xpath\[1\].expr: must be a string/);
  });

  it('raw envelopes need a content type and exclude a body', () => {
    expect(errorOf(`id: s\nsteps:\n  - soap: { path: /p, rawEnvelope: x }\n`)).toMatch(
      /soap.contentType: is required with a raw envelope/,
    );
    expect(errorOf(`id: s\nsteps:\n  - soap: { path: /p }\n`)).toMatch(
      /one of 'body', 'bodyFile', 'rawEnvelope', 'rawEnvelopeFile' is required/,
    );
    expect(errorOf(`id: s\nsteps:\n  - soap: { path: /p, version: 1.3, body: x }\n`)).toMatch(
      /soap.version: must be 1.2 or 1.1/,
    );
  });

  it('reads referenced files relative to the scenario and reports missing ones', () => {
    file('body.xml', '<q:Ping xmlns:q="urn:q"/>');
    file('raw.bin', Buffer.from([0x3c, 0xff, 0x3e]).toString('latin1'));
    const [s] = loadScenarioFiles([
      file(
        'files.yaml',
        `id: f\nsteps:\n  - soap: { path: /p, bodyFile: body.xml }\n  - soap: { path: /p, rawEnvelopeFile: raw.bin, contentType: text/plain }\n`,
      ),
    ]);
    expect((s!.steps[0] as SoapStep).body).toBe('<q:Ping xmlns:q="urn:q"/>');
    expect((s!.steps[1] as SoapStep).rawEnvelope).toBeInstanceOf(Uint8Array);
    expect(errorOf(`id: s\nsteps:\n  - mllp: { messageFile: nope.hl7 }\n`)).toMatch(
      /step 1 \(mllp\): mllp.messageFile: cannot read .*nope.hl7/,
    );
  });

  it('reports YAML syntax errors and duplicate keys with the file name', () => {
    expect(errorOf(`id: s\nsteps: [\n`)).toMatch(/bad.yaml: YAML: /);
    expect(errorOf(`id: s\nid: t\nsteps: []\n`)).toMatch(/YAML: .*[Mm]ap keys must be unique/);
  });

  it('reads several scenarios from one file and rejects duplicate ids across files', () => {
    const a = file('multi.yaml', `${ok}---\nid: s2\nsteps:\n  - http: { path: /b }\n`);
    expect(loadScenarioFiles([a]).map((s) => s.id)).toEqual(['s1', 's2']);
    const b = file('dup.yaml', ok);
    expect(() => loadScenarioFiles([a, b])).toThrow(
      /dup.yaml: scenario 's1': duplicate id \(also in .*multi.yaml\)/,
    );
  });

  it('derives requirements from the steps and checks declared ones', () => {
    const [s] = parseScenarioYaml(
      `id: r\nrequires: [syslogUdp]\nsteps:\n  - mllp: { message: "MSH|^~\\\\&|A\\nPID|1" }\n  - syslog: { transport: tls, message: x }\n`,
      join(dir, 'r.yaml'),
    );
    expect([...s!.requires].sort()).toEqual(['mllp', 'syslogTls', 'syslogUdp']);
    expect(s!.steps[0]).toMatchObject({ kind: 'mllp', message: 'MSH|^~\\&|A\rPID|1\r' });
    expect(errorOf(`id: s\nrequires: [ldap]\nsteps:\n  - http: { path: /a }\n`)).toMatch(
      /unknown requirement 'ldap'/,
    );
  });

  it('builds a syslog message from fields and refuses captures on syslog steps', () => {
    const [s] = parseScenarioYaml(
      `id: y\nsteps:\n  - syslog: { transport: udp, fields: { facility: 4, severity: 2, hostname: h, appName: a, procId: '7', msgId: M, msg: '<A/>', timestamp: T } }\n`,
      join(dir, 'y.yaml'),
    );
    expect((s!.steps[0] as SyslogStep).messages).toEqual(['<34>1 T h a 7 M - <A/>']);
    expect(errorOf(`id: s\nsteps:\n  - syslog: { message: x }\n    capture: { a: b }\n`)).toMatch(
      /a syslog step has no response to capture/,
    );
  });

  it('validates captures and attachments', () => {
    expect(errorOf(`id: s\nsteps:\n  - http: { path: /a }\n    capture: { 'bad name': x }\n`)).toMatch(
      /invalid variable name 'bad name'/,
    );
    expect(
      errorOf(`id: s\nsteps:\n  - http: { path: /a }\n    capture: { a: { json: x, header: y } }\n`),
    ).toMatch(/exactly one of 'xpath', 'hl7', 'json', 'header', 'regex'/);
    expect(
      errorOf(
        `id: s\nsteps:\n  - soap: { path: /p, body: x, attachments: [{ contentId: '<a>', text: t }] }\n`,
      ),
    ).toMatch(/without angle brackets/);
    expect(
      errorOf(`id: s\nsteps:\n  - soap: { path: /p, body: x, attachments: [{ contentId: a }] }\n`),
    ).toMatch(/attachments\[1\]: exactly one of 'file', 'text', 'generate'/);
  });

  it('the shipped foundation scenarios are valid', () => {
    const files = [
      'health',
      'unknown-path',
      'action-not-supported',
      'missing-action',
      'hostile-xml',
      'version-mismatch',
    ].map((n) => new URL(`../scenarios/foundation/${n}.yaml`, import.meta.url).pathname);
    const all = loadScenarioFiles(files);
    expect(all.length).toBeGreaterThanOrEqual(22);
    expect(all.every((s) => s.tags.includes('foundation'))).toBe(true);
  });
});
