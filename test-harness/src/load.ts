/**
 * Scenario files: YAML (one scenario per document; `---` separates several in one file),
 * validated strictly so a typo fails loudly, naming the file, the scenario and the step,
 * instead of silently testing less. Files a step refers to (`bodyFile`, `messageFile`...)
 * are resolved relative to the scenario file and read here, so a missing file is a load
 * error too.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isHl7Path, normalizeHl7 } from './hl7.js';
import type {
  AttachmentCheck,
  AttachmentSpec,
  CaptureSpec,
  Expect,
  Hl7Check,
  HttpStep,
  MllpStep,
  Requirement,
  Scenario,
  SoapStep,
  Step,
  SyslogStep,
  XPathCheck,
} from './model.js';
import { buildSyslog } from './syslog.js';

/** A scenario file that cannot be used. The message names the file, scenario and step. */
export class ScenarioFileError extends Error {
  override readonly name = 'ScenarioFileError';
  constructor(
    readonly file: string,
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${file}${where ? `: ${where}` : ''}: ${detail}`);
  }
}

type Obj = Record<string, unknown>;

/** Validation context: where we are, for error messages. */
class Ctx {
  constructor(
    readonly file: string,
    readonly baseDir: string,
    readonly where: string,
  ) {}
  at(where: string): Ctx {
    return new Ctx(this.file, this.baseDir, where);
  }
  fail(path: string, detail: string): never {
    throw new ScenarioFileError(this.file, this.where, path ? `${path}: ${detail}` : detail);
  }
  obj(v: unknown, path: string, allowed: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be a mapping');
    for (const k of Object.keys(v))
      if (!allowed.includes(k)) this.fail(path, `unknown key '${k}' (allowed: ${allowed.join(', ')})`);
    return v as Obj;
  }
  str(v: unknown, path: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.fail(path, 'must be a string');
  }
  optStr(v: unknown, path: string): string | undefined {
    return v === undefined ? undefined : this.str(v, path);
  }
  int(v: unknown, path: string, min = 0): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      this.fail(path, `must be an integer >= ${min}`);
    return v;
  }
  bool(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'must be true or false');
    return v;
  }
  /** A string or a list of strings. */
  strList(v: unknown, path: string): string[] {
    if (Array.isArray(v)) return v.map((x, i) => this.str(x, `${path}[${i + 1}]`));
    return [this.str(v, path)];
  }
  strMap(v: unknown, path: string): Record<string, string> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be a mapping');
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.str(x, `${path}.${k}`);
    return out;
  }
  list(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'must be a list');
    return v;
  }
  readText(rel: unknown, path: string): string {
    return this.readBytes(rel, path).toString('utf8');
  }
  readBytes(rel: unknown, path: string): Buffer {
    const p = resolve(this.baseDir, this.str(rel, path));
    try {
      return readFileSync(p);
    } catch (e) {
      return this.fail(path, `cannot read ${p}: ${(e as Error).message}`);
    }
  }
}

const NAME = /^[A-Za-z_][\w.-]*$/;
const REQUIREMENTS: readonly Requirement[] = ['mllp', 'syslogTls', 'syslogUdp'];
const STEP_KINDS = ['soap', 'http', 'mllp', 'syslog'] as const;
const STEP_KEYS = ['name', 'expect', 'capture', 'retry', 'timeoutMs', ...STEP_KINDS];

/** Parses and validates every scenario in a YAML text. */
export function parseScenarioYaml(yamlText: string, file: string): Scenario[] {
  const docs = parseAllDocuments(yamlText, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Scenario[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) throw new ScenarioFileError(file, '', `YAML: ${err.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(validateScenario(value, file));
  }
  if (out.length === 0) throw new ScenarioFileError(file, '', 'no scenario in file');
  return out;
}

/** Reads, parses and validates scenario files; ids must be unique across all of them. */
export function loadScenarioFiles(files: readonly string[]): Scenario[] {
  const out: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const file = resolve(f);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ScenarioFileError(file, '', `cannot read: ${(e as Error).message}`);
    }
    for (const s of parseScenarioYaml(text, file)) {
      const prev = seen.get(s.id);
      if (prev) throw new ScenarioFileError(file, `scenario '${s.id}'`, `duplicate id (also in ${prev})`);
      seen.set(s.id, file);
      out.push(s);
    }
  }
  return out;
}

/** Scenarios produced by {@link validateScenario}: safe to run without validating again. */
const VALIDATED = new WeakSet<object>();

/** Whether `s` is a scenario this module validated (not merely an object of that shape). */
export const isValidatedScenario = (s: unknown): s is Scenario =>
  typeof s === 'object' && s !== null && VALIDATED.has(s);

/**
 * Validates one scenario given as a plain object (the YAML data model). `file` is used for
 * messages and as the base for relative file references.
 */
export function validateScenario(value: unknown, file: string): Scenario {
  // Inline scenarios ('<inline #n>') resolve their file references against the working directory.
  const inline = file.startsWith('<');
  const root = new Ctx(file, inline ? process.cwd() : dirname(resolve(file)), '');
  const keys = ['id', 'title', 'tags', 'requires', 'vars', 'namespaces', 'steps'];
  const o0 = root.obj(
    value,
    'scenario',
    typeof value === 'object' && value !== null ? Object.keys(value) : [],
  );
  if (o0.id === undefined) root.fail('', "'id' is required");
  const id = root.str(o0.id, 'id');
  const ctx = root.at(`scenario '${id}'`);
  const o = ctx.obj(o0, '', keys);
  const title = o.title === undefined ? id : ctx.str(o.title, 'title');
  const tags = o.tags === undefined ? [] : ctx.strList(o.tags, 'tags');
  const requires = new Set<Requirement>();
  for (const r of o.requires === undefined ? [] : ctx.strList(o.requires, 'requires')) {
    if (!REQUIREMENTS.includes(r as Requirement))
      ctx.fail('requires', `unknown requirement '${r}' (allowed: ${REQUIREMENTS.join(', ')})`);
    requires.add(r as Requirement);
  }
  const vars = o.vars === undefined ? {} : ctx.strMap(o.vars, 'vars');
  for (const k of Object.keys(vars)) if (!NAME.test(k)) ctx.fail('vars', `invalid variable name '${k}'`);
  const namespaces = o.namespaces === undefined ? {} : ctx.strMap(o.namespaces, 'namespaces');
  const rawSteps = ctx.list(o.steps, 'steps');
  if (rawSteps.length === 0) ctx.fail('steps', 'at least one step is required');
  const steps = rawSteps.map((s, i) => validateStep(s, ctx.at(`scenario '${id}' step ${i + 1}`)));
  for (const s of steps) {
    if (s.kind === 'mllp') requires.add('mllp');
    if (s.kind === 'syslog') requires.add(s.transport === 'tls' ? 'syslogTls' : 'syslogUdp');
  }
  const scenario: Scenario = {
    id,
    title,
    tags,
    requires: [...requires],
    vars,
    namespaces,
    steps,
    file: inline ? file : resolve(file),
  };
  VALIDATED.add(scenario);
  return scenario;
}

function validateStep(value: unknown, ctx0: Ctx): Step {
  const o = ctx0.obj(value, '', STEP_KEYS);
  const kinds = STEP_KINDS.filter((k) => o[k] !== undefined);
  if (kinds.length !== 1)
    ctx0.fail(
      '',
      `a step needs exactly one of ${STEP_KINDS.join(', ')} (found ${kinds.join(', ') || 'none'})`,
    );
  const kind = kinds[0] as (typeof STEP_KINDS)[number];
  const ctx = ctx0.at(`${ctx0.where} (${kind})`);
  const base = {
    ...(o.name !== undefined ? { name: ctx.str(o.name, 'name') } : {}),
    expect: o.expect === undefined ? {} : validateExpect(o.expect, ctx),
    capture: o.capture === undefined ? {} : validateCapture(o.capture, ctx, kind),
    ...(o.retry !== undefined ? { retry: validateRetry(o.retry, ctx) } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: ctx.int(o.timeoutMs, 'timeoutMs', 1) } : {}),
  };
  switch (kind) {
    case 'soap':
      return { ...base, ...validateSoap(o.soap, ctx) };
    case 'http':
      return { ...base, ...validateHttp(o.http, ctx) };
    case 'mllp':
      return { ...base, ...validateMllp(o.mllp, ctx) };
    case 'syslog':
      if (Object.keys(base.capture).length > 0)
        ctx.fail('capture', 'a syslog step has no response to capture');
      return { ...base, ...validateSyslog(o.syslog, ctx) };
  }
}

function validateRetry(v: unknown, ctx: Ctx): { attempts: number; intervalMs: number } {
  if (typeof v === 'number') return { attempts: ctx.int(v, 'retry', 1), intervalMs: 500 };
  const r = ctx.obj(v, 'retry', ['attempts', 'intervalMs']);
  return {
    attempts: ctx.int(r.attempts, 'retry.attempts', 1),
    intervalMs: r.intervalMs === undefined ? 500 : ctx.int(r.intervalMs, 'retry.intervalMs'),
  };
}

/** Exactly one of an inline value or a file reference. */
function inlineOrFile(o: Obj, ctx: Ctx, inline: string, fileKey: string, path: string): string | undefined {
  if (o[inline] !== undefined && o[fileKey] !== undefined)
    ctx.fail(path, `give either '${inline}' or '${fileKey}', not both`);
  if (o[inline] !== undefined) return ctx.str(o[inline], `${path}.${inline}`);
  if (o[fileKey] !== undefined) return ctx.readText(o[fileKey], `${path}.${fileKey}`);
  return undefined;
}

function validateSoap(
  v: unknown,
  ctx: Ctx,
): Omit<SoapStep, 'expect' | 'capture' | 'name' | 'retry' | 'timeoutMs'> {
  const o = ctx.obj(v, 'soap', [
    'path',
    'version',
    'action',
    'body',
    'bodyFile',
    'soapHeaders',
    'addressing',
    'rawEnvelope',
    'rawEnvelopeFile',
    'contentType',
    'substitute',
    'attachments',
    'mtom',
    'httpHeaders',
  ]);
  const version = o.version === undefined ? '1.2' : ctx.str(o.version, 'soap.version');
  if (version !== '1.2' && version !== '1.1') ctx.fail('soap.version', 'must be 1.2 or 1.1');
  const body = inlineOrFile(o, ctx, 'body', 'bodyFile', 'soap');
  if (o.rawEnvelope !== undefined && o.rawEnvelopeFile !== undefined)
    ctx.fail('soap', "give either 'rawEnvelope' or 'rawEnvelopeFile', not both");
  const raw =
    o.rawEnvelope !== undefined
      ? Buffer.from(ctx.str(o.rawEnvelope, 'soap.rawEnvelope'), 'utf8')
      : o.rawEnvelopeFile !== undefined
        ? ctx.readBytes(o.rawEnvelopeFile, 'soap.rawEnvelopeFile')
        : undefined;
  if (raw && body !== undefined) ctx.fail('soap', 'a raw envelope excludes body/bodyFile');
  if (!raw && body === undefined)
    ctx.fail('soap', "one of 'body', 'bodyFile', 'rawEnvelope', 'rawEnvelopeFile' is required");
  if (raw && o.contentType === undefined) ctx.fail('soap.contentType', 'is required with a raw envelope');
  if (!raw && o.contentType !== undefined) ctx.fail('soap.contentType', 'is only for raw envelopes');
  const attachments = o.attachments === undefined ? [] : ctx.list(o.attachments, 'soap.attachments');
  if (raw && attachments.length > 0) ctx.fail('soap.attachments', 'cannot be combined with a raw envelope');
  const action = ctx.optStr(o.action, 'soap.action');
  const soapHeaders = ctx.optStr(o.soapHeaders, 'soap.soapHeaders');
  const contentType = ctx.optStr(o.contentType, 'soap.contentType');
  return {
    kind: 'soap',
    path: ctx.str(o.path, 'soap.path'),
    version,
    ...(action !== undefined ? { action } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(soapHeaders !== undefined ? { soapHeaders } : {}),
    addressing: o.addressing === undefined ? true : ctx.bool(o.addressing, 'soap.addressing'),
    ...(raw ? { rawEnvelope: raw } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    substituteRaw: o.substitute === undefined ? false : ctx.bool(o.substitute, 'soap.substitute'),
    attachments: attachments.map((a, i) => validateAttachment(a, ctx, `soap.attachments[${i + 1}]`)),
    mtom: o.mtom === undefined ? false : ctx.bool(o.mtom, 'soap.mtom'),
    httpHeaders: o.httpHeaders === undefined ? {} : ctx.strMap(o.httpHeaders, 'soap.httpHeaders'),
  };
}

function validateAttachment(v: unknown, ctx: Ctx, path: string): AttachmentSpec {
  const o = ctx.obj(v, path, ['contentId', 'contentType', 'file', 'text', 'generate']);
  const sources = ['file', 'text', 'generate'].filter((k) => o[k] !== undefined);
  if (sources.length !== 1) ctx.fail(path, "exactly one of 'file', 'text', 'generate' is required");
  const contentId = ctx.str(o.contentId, `${path}.contentId`);
  if (/[<>\s]/.test(contentId)) ctx.fail(`${path}.contentId`, 'write it without angle brackets or spaces');
  const base = {
    contentId,
    contentType:
      o.contentType === undefined
        ? 'application/octet-stream'
        : ctx.str(o.contentType, `${path}.contentType`),
  };
  if (o.file !== undefined) {
    ctx.readBytes(o.file, `${path}.file`);
    return { ...base, file: resolve(ctx.baseDir, ctx.str(o.file, `${path}.file`)) };
  }
  if (o.text !== undefined) return { ...base, text: ctx.str(o.text, `${path}.text`) };
  const g = ctx.obj(o.generate, `${path}.generate`, ['bytes']);
  return { ...base, generate: { bytes: ctx.int(g.bytes, `${path}.generate.bytes`, 1) } };
}

function validateHttp(
  v: unknown,
  ctx: Ctx,
): Omit<HttpStep, 'expect' | 'capture' | 'name' | 'retry' | 'timeoutMs'> {
  const o = ctx.obj(v, 'http', ['method', 'path', 'headers', 'body', 'bodyFile', 'json']);
  const body = inlineOrFile(o, ctx, 'body', 'bodyFile', 'http');
  if (body !== undefined && o.json !== undefined) ctx.fail('http', "give either 'body' or 'json', not both");
  return {
    kind: 'http',
    method: o.method === undefined ? 'GET' : ctx.str(o.method, 'http.method').toUpperCase(),
    path: ctx.str(o.path, 'http.path'),
    headers: o.headers === undefined ? {} : ctx.strMap(o.headers, 'http.headers'),
    ...(body !== undefined ? { body } : {}),
    ...(o.json !== undefined ? { json: o.json } : {}),
  };
}

function validateMllp(
  v: unknown,
  ctx: Ctx,
): Omit<MllpStep, 'expect' | 'capture' | 'name' | 'retry' | 'timeoutMs'> {
  const o = ctx.obj(v, 'mllp', ['message', 'messageFile']);
  const message = inlineOrFile(o, ctx, 'message', 'messageFile', 'mllp');
  if (message === undefined) ctx.fail('mllp', "'message' or 'messageFile' is required");
  return { kind: 'mllp', message: normalizeHl7(message) };
}

function validateSyslog(
  v: unknown,
  ctx: Ctx,
): Omit<SyslogStep, 'expect' | 'capture' | 'name' | 'retry' | 'timeoutMs'> {
  const o = ctx.obj(v, 'syslog', ['transport', 'message', 'fields']);
  const transport = o.transport === undefined ? 'tls' : ctx.str(o.transport, 'syslog.transport');
  if (transport !== 'tls' && transport !== 'udp') ctx.fail('syslog.transport', 'must be tls or udp');
  if ((o.message === undefined) === (o.fields === undefined))
    ctx.fail('syslog', "exactly one of 'message' or 'fields' is required");
  if (o.message !== undefined)
    return { kind: 'syslog', transport, messages: ctx.strList(o.message, 'syslog.message') };
  const f = ctx.obj(o.fields, 'syslog.fields', [
    'facility',
    'severity',
    'timestamp',
    'hostname',
    'appName',
    'procId',
    'msgId',
    'structuredData',
    'msg',
    'msgFile',
    'bom',
  ]);
  const msg = inlineOrFile(f, ctx, 'msg', 'msgFile', 'syslog.fields');
  if (msg === undefined) ctx.fail('syslog.fields', "'msg' or 'msgFile' is required");
  const opt = (k: string): string | undefined => ctx.optStr(f[k], `syslog.fields.${k}`);
  const message = buildSyslog({
    ...(f.facility !== undefined ? { facility: ctx.int(f.facility, 'syslog.fields.facility') } : {}),
    ...(f.severity !== undefined ? { severity: ctx.int(f.severity, 'syslog.fields.severity') } : {}),
    ...(Object.fromEntries(
      ['timestamp', 'hostname', 'appName', 'procId', 'msgId', 'structuredData']
        .map((k) => [k, opt(k)])
        .filter(([, x]) => x !== undefined),
    ) as Partial<
      Record<'timestamp' | 'hostname' | 'appName' | 'procId' | 'msgId' | 'structuredData', string>
    >),
    ...(f.bom !== undefined ? { bom: ctx.bool(f.bom, 'syslog.fields.bom') } : {}),
    msg,
  });
  return { kind: 'syslog', transport, messages: [message] };
}

function validateCheck(
  o: Obj,
  ctx: Ctx,
  path: string,
): { equals?: string; matches?: string; exists?: boolean } {
  const out: { equals?: string; matches?: string; exists?: boolean } = {};
  if (o.equals !== undefined) out.equals = ctx.str(o.equals, `${path}.equals`);
  if (o.matches !== undefined) {
    out.matches = ctx.str(o.matches, `${path}.matches`);
    try {
      new RegExp(out.matches);
    } catch (e) {
      ctx.fail(`${path}.matches`, `invalid regular expression: ${(e as Error).message}`);
    }
  }
  if (o.exists !== undefined) out.exists = ctx.bool(o.exists, `${path}.exists`);
  return out;
}

function validateExpect(v: unknown, ctx: Ctx): Expect {
  const o = ctx.obj(v, 'expect', [
    'status',
    'soapFault',
    'registryStatus',
    'errorCodes',
    'exactErrorCodes',
    'xpath',
    'hl7',
    'json',
    'bodyContains',
    'bodyNotContains',
    'headers',
    'attachments',
    'attachmentCount',
  ]);
  const e: {
    -readonly [K in keyof Expect]: Expect[K];
  } = {};
  if (o.status !== undefined) {
    const list = Array.isArray(o.status) ? o.status : [o.status];
    e.status = list.map((s, i) =>
      ctx.int(s, `expect.status${Array.isArray(o.status) ? `[${i + 1}]` : ''}`, 100),
    );
  }
  if (o.soapFault !== undefined) {
    const f = ctx.obj(o.soapFault, 'expect.soapFault', ['code', 'subcode']);
    e.soapFault = {
      ...(f.code !== undefined ? { code: ctx.str(f.code, 'expect.soapFault.code') } : {}),
      ...(f.subcode !== undefined ? { subcode: ctx.str(f.subcode, 'expect.soapFault.subcode') } : {}),
    };
  }
  if (o.registryStatus !== undefined) {
    const s = ctx.str(o.registryStatus, 'expect.registryStatus');
    if (!['Success', 'PartialSuccess', 'Failure'].includes(s))
      ctx.fail('expect.registryStatus', 'must be Success, PartialSuccess or Failure');
    e.registryStatus = s;
  }
  if (o.errorCodes !== undefined) e.errorCodes = ctx.strList(o.errorCodes, 'expect.errorCodes');
  if (o.exactErrorCodes !== undefined)
    e.exactErrorCodes = ctx.strList(o.exactErrorCodes, 'expect.exactErrorCodes');
  if (o.xpath !== undefined)
    e.xpath = ctx.list(o.xpath, 'expect.xpath').map((x, i): XPathCheck => {
      const p = `expect.xpath[${i + 1}]`;
      const c = ctx.obj(x, p, ['expr', 'equals', 'matches', 'count', 'exists']);
      return {
        expr: ctx.str(c.expr, `${p}.expr`),
        ...validateCheck(c, ctx, p),
        ...(c.count !== undefined ? { count: ctx.int(c.count, `${p}.count`) } : {}),
      };
    });
  if (o.hl7 !== undefined)
    e.hl7 = ctx.list(o.hl7, 'expect.hl7').map((x, i): Hl7Check => {
      const p = `expect.hl7[${i + 1}]`;
      const c = ctx.obj(x, p, ['field', 'equals', 'matches', 'exists']);
      const field = ctx.str(c.field, `${p}.field`);
      if (!isHl7Path(field))
        ctx.fail(`${p}.field`, `invalid HL7 field path '${field}' (e.g. MSA-1, ERR[2]-3.1)`);
      return { field, ...validateCheck(c, ctx, p) };
    });
  if (o.json !== undefined) {
    if (typeof o.json !== 'object' || o.json === null || Array.isArray(o.json))
      ctx.fail('expect.json', 'must be a mapping of dotted path -> expected value');
    e.json = o.json as Record<string, unknown>;
  }
  if (o.bodyContains !== undefined) e.bodyContains = ctx.strList(o.bodyContains, 'expect.bodyContains');
  if (o.bodyNotContains !== undefined)
    e.bodyNotContains = ctx.strList(o.bodyNotContains, 'expect.bodyNotContains');
  if (o.headers !== undefined) e.headers = ctx.strMap(o.headers, 'expect.headers');
  if (o.attachmentCount !== undefined)
    e.attachmentCount = ctx.int(o.attachmentCount, 'expect.attachmentCount');
  if (o.attachments !== undefined)
    e.attachments = ctx.list(o.attachments, 'expect.attachments').map((x, i): AttachmentCheck => {
      const p = `expect.attachments[${i + 1}]`;
      const c = ctx.obj(x, p, ['contentId', 'include', 'index', 'sha1', 'size', 'contentType', 'text']);
      const selectors = ['contentId', 'include', 'index'].filter((k) => c[k] !== undefined);
      if (selectors.length !== 1) ctx.fail(p, "exactly one of 'contentId', 'include', 'index' is required");
      const out: { -readonly [K in keyof AttachmentCheck]: AttachmentCheck[K] } = {};
      if (c.contentId !== undefined) out.contentId = ctx.str(c.contentId, `${p}.contentId`);
      if (c.include !== undefined) out.include = ctx.str(c.include, `${p}.include`);
      if (c.index !== undefined) out.index = ctx.int(c.index, `${p}.index`, 1);
      if (c.sha1 !== undefined) out.sha1 = ctx.str(c.sha1, `${p}.sha1`);
      if (c.size !== undefined) out.size = ctx.int(c.size, `${p}.size`);
      if (c.contentType !== undefined) out.contentType = ctx.str(c.contentType, `${p}.contentType`);
      if (c.text !== undefined) out.text = ctx.str(c.text, `${p}.text`);
      return out;
    });
  return e;
}

function validateCapture(
  v: unknown,
  ctx: Ctx,
  kind: (typeof STEP_KINDS)[number],
): Record<string, CaptureSpec> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) ctx.fail('capture', 'must be a mapping');
  const out: Record<string, CaptureSpec> = {};
  for (const [name, spec] of Object.entries(v)) {
    const p = `capture.${name}`;
    if (!NAME.test(name)) ctx.fail('capture', `invalid variable name '${name}'`);
    if (typeof spec === 'string') {
      // Shorthand: the natural language of the step's response.
      if (kind === 'mllp') {
        if (!isHl7Path(spec)) ctx.fail(p, `invalid HL7 field path '${spec}'`);
        out[name] = { hl7: spec };
      } else if (kind === 'http') out[name] = { json: spec };
      else out[name] = { xpath: spec };
      continue;
    }
    const c = ctx.obj(spec, p, ['xpath', 'hl7', 'json', 'header', 'regex', 'group']);
    const sources = ['xpath', 'hl7', 'json', 'header', 'regex'].filter((k) => c[k] !== undefined);
    if (sources.length !== 1)
      ctx.fail(p, "exactly one of 'xpath', 'hl7', 'json', 'header', 'regex' is required");
    if (c.group !== undefined && c.regex === undefined) ctx.fail(`${p}.group`, "only with 'regex'");
    if (c.xpath !== undefined) out[name] = { xpath: ctx.str(c.xpath, `${p}.xpath`) };
    else if (c.hl7 !== undefined) {
      const f = ctx.str(c.hl7, `${p}.hl7`);
      if (!isHl7Path(f)) ctx.fail(`${p}.hl7`, `invalid HL7 field path '${f}'`);
      out[name] = { hl7: f };
    } else if (c.json !== undefined) out[name] = { json: ctx.str(c.json, `${p}.json`) };
    else if (c.header !== undefined) out[name] = { header: ctx.str(c.header, `${p}.header`) };
    else {
      const regex = ctx.str(c.regex, `${p}.regex`);
      try {
        new RegExp(regex);
      } catch (e) {
        ctx.fail(`${p}.regex`, `invalid regular expression: ${(e as Error).message}`);
      }
      out[name] = { regex, ...(c.group !== undefined ? { group: ctx.int(c.group, `${p}.group`) } : {}) };
    }
  }
  return out;
}
