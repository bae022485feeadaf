/**
 * Plays scenarios against a target. Scenarios run one after the other; steps of a scenario
 * run in order, and the first failing step ends its scenario (later steps usually depend on
 * its captures), the rest being reported as skipped.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { escapeXml, selectString } from '@mesh/xml';
import { substituteDeep, evaluate, xpathNamespaces, xpathVars } from './expect.js';
import type { CheckContext } from './expect.js';
import { hl7Get } from './hl7.js';
import { ScenarioFileError, isValidatedScenario, loadScenarioFiles, validateScenario } from './load.js';
import type {
  CaptureSpec,
  Failure,
  HttpStep,
  MllpStep,
  Report,
  Requirement,
  Scenario,
  ScenarioResult,
  SoapStep,
  Step,
  StepResult,
  SyslogStep,
  Target,
} from './model.js';
import { buildMtom, parseMultipart, sha1Hex } from './mtom.js';
import type { MimePart } from './mtom.js';
import { Observed, isViewError, jsonAt } from './observe.js';
import { buildEnvelope, soapHttpHeaders } from './soap.js';
import { httpExchange, mllpExchange, syslogTlsSend, syslogUdpSend } from './transport.js';
import type { HttpResponse, TlsOptions } from './transport.js';
import { UnknownVariableError, substitute } from './vars.js';

/** Options of {@link runScenarios}. Give `files`, `scenarios`, or both. */
export interface RunOptions {
  /** Scenario files (YAML). Validation errors throw {@link ScenarioFileError} before anything runs. */
  readonly files?: readonly string[];
  /** Scenarios as plain objects (the YAML data model) or already validated. */
  readonly scenarios?: readonly unknown[];
  readonly target: Target;
  /** Run only scenarios carrying at least one of these tags. */
  readonly tags?: readonly string[];
  /** Variables visible to every scenario (scenario `vars` override them). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Called as each scenario finishes (the CLI prints progressively). */
  readonly onScenario?: (r: ScenarioResult) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const EXCERPT_CHARS = 800;

const REQUIREMENT_FLAG: Record<Requirement, string> = {
  mllp: '--mllp host:port (target.mllp)',
  syslogTls: '--syslog-tls host:port (target.syslogTls)',
  syslogUdp: '--syslog-udp host:port (target.syslogUdp)',
};

/** Loads (or takes) the scenarios, runs those selected, and returns the report. */
export async function runScenarios(opts: RunOptions): Promise<Report> {
  const all: Scenario[] = [
    ...loadScenarioFiles(opts.files ?? []),
    ...(opts.scenarios ?? []).map((s, i) =>
      isValidatedScenario(s) ? s : validateScenario(s, `<inline #${i + 1}>`),
    ),
  ];
  const seen = new Map<string, string>();
  for (const s of all) {
    const prev = seen.get(s.id);
    if (prev !== undefined)
      throw new ScenarioFileError(s.file, `scenario '${s.id}'`, `duplicate id (also in ${prev})`);
    seen.set(s.id, s.file);
  }
  const selected = opts.tags?.length ? all.filter((s) => s.tags.some((t) => opts.tags?.includes(t))) : all;
  const t0 = performance.now();
  const results: ScenarioResult[] = [];
  for (const s of selected) {
    const r = await runScenario(s, opts.target, opts.vars ?? {});
    results.push(r);
    opts.onScenario?.(r);
  }
  const count = (st: string): number => results.filter((r) => r.status === st).length;
  const failed = count('failed');
  return {
    scenarios: results,
    passed: count('passed'),
    failed,
    skipped: count('skipped'),
    durationMs: Math.round(performance.now() - t0),
    ok: failed === 0,
  };
}

/** Runs one validated scenario. Never throws: every problem becomes a failed step. */
export async function runScenario(
  s: Scenario,
  target: Target,
  globals: Readonly<Record<string, string>> = {},
): Promise<ScenarioResult> {
  const t0 = performance.now();
  const base = { id: s.id, title: s.title, file: s.file, tags: s.tags };
  const missing = s.requires.filter((r) => !target[r]);
  if (missing.length > 0)
    return {
      ...base,
      status: 'skipped',
      skipReason: `needs ${missing.map((m) => REQUIREMENT_FLAG[m]).join(', ')}`,
      steps: [],
      durationMs: 0,
    };
  const vars: Record<string, string> = { ...globals, baseUrl: target.baseUrl.replace(/\/+$/, '') };
  const steps: StepResult[] = [];
  let failed = false;
  try {
    for (const [k, v] of Object.entries(s.vars)) vars[k] = substitute(v, vars);
  } catch (e) {
    failed = true;
    steps.push({
      index: 0,
      kind: s.steps[0]?.kind ?? 'http',
      name: 'scenario vars',
      status: 'failed',
      failures: [{ check: 'vars', expected: 'defined variables', actual: (e as Error).message }],
      durationMs: 0,
      attempts: 1,
    });
  }
  for (const [i, step] of s.steps.entries()) {
    if (failed) {
      steps.push({
        index: i + 1,
        kind: step.kind,
        name: stepName(step),
        status: 'skipped',
        failures: [],
        durationMs: 0,
        attempts: 0,
      });
      continue;
    }
    const r = await runStep(step, i + 1, s, target, vars);
    steps.push(r);
    if (r.status === 'failed') failed = true;
  }
  return {
    ...base,
    status: failed ? 'failed' : 'passed',
    steps,
    durationMs: Math.round(performance.now() - t0),
  };
}

/** Default label of a step in the report. */
export function stepName(step: Step): string {
  if (step.name) return step.name;
  switch (step.kind) {
    case 'soap':
      return `SOAP ${step.version} ${step.path}${step.action !== undefined ? ` ${step.action}` : step.rawEnvelope ? ' (raw)' : ' (no action)'}`;
    case 'http':
      return `${step.method} ${step.path}`;
    case 'mllp': {
      const msh = step.message.split('\r')[0]?.split('|');
      return `MLLP ${msh?.[8] ?? 'message'}`;
    }
    case 'syslog':
      return `syslog/${step.transport} (${step.messages.length} message${step.messages.length > 1 ? 's' : ''})`;
  }
}

function tlsOf(target: Target): TlsOptions {
  return {
    ...(target.ca !== undefined ? { ca: target.ca } : {}),
    ...(target.cert !== undefined ? { cert: target.cert } : {}),
    ...(target.key !== undefined ? { key: target.key } : {}),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function runStep(
  step: Step,
  index: number,
  s: Scenario,
  target: Target,
  vars: Record<string, string>,
): Promise<StepResult> {
  const t0 = performance.now();
  const attempts = step.retry?.attempts ?? 1;
  let failures: Failure[] = [];
  let excerpt: string | undefined;
  let n = 0;
  for (n = 1; n <= attempts; n++) {
    // Captures of a failed attempt must not leak: work on a copy and commit on success.
    const local = { ...vars };
    let obs: Observed | undefined;
    try {
      obs = await send(step, s, target, local);
      const ctx = checkContext(local, s);
      failures = [...obs.problems, ...evaluate(step.expect, obs, ctx)];
      if (failures.length === 0) failures = capture(step.capture, obs, ctx, local);
    } catch (e) {
      failures = [
        e instanceof UnknownVariableError
          ? { check: 'substitution', expected: 'a defined variable', actual: e.message }
          : { check: 'transport', expected: 'a response', actual: (e as Error).message },
      ];
    }
    excerpt = obs ? excerptOf(obs) : undefined;
    if (failures.length === 0) {
      Object.assign(vars, local);
      break;
    }
    if (n < attempts) await sleep(step.retry?.intervalMs ?? 0);
  }
  const passed = failures.length === 0;
  return {
    index,
    kind: step.kind,
    name: stepName(step),
    status: passed ? 'passed' : 'failed',
    failures,
    ...(!passed && excerpt !== undefined ? { excerpt } : {}),
    durationMs: Math.round(performance.now() - t0),
    attempts: Math.min(n, attempts),
  };
}

function checkContext(vars: Record<string, string>, s: Scenario): CheckContext {
  return { vars, namespaces: s.namespaces, sub: (x) => substitute(x, vars) };
}

function excerptOf(obs: Observed): string {
  const text = obs.kind === 'mllp' ? obs.body.replace(/\r/g, '\n') : obs.body;
  const head = obs.status !== undefined ? `HTTP ${obs.status} ${obs.headers['content-type'] ?? ''}\n` : '';
  const t = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}... (${text.length} chars)` : text;
  return head + t;
}

function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

/**
 * The base URL serving `path`: the longest matching prefix of `target.routes` (a system
 * whose endpoints live on different hosts or ports, e.g. the distributed mesh), else
 * `target.baseUrl`. A prefix matches whole path segments only.
 */
export function baseUrlFor(target: Target, path: string): string {
  let best: string | undefined;
  let bestLen = -1;
  for (const [prefix, url] of Object.entries(target.routes ?? {})) {
    const p = prefix.replace(/\/+$/, '');
    const matches = path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`);
    if (matches && p.length > bestLen) {
      best = url;
      bestLen = p.length;
    }
  }
  return best ?? target.baseUrl;
}

async function send(
  step: Step,
  s: Scenario,
  target: Target,
  vars: Record<string, string>,
): Promise<Observed> {
  const timeoutMs = step.timeoutMs ?? target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  switch (step.kind) {
    case 'soap':
      return sendSoap(step, target, vars, timeoutMs);
    case 'http':
      return sendHttp(step, target, vars, timeoutMs);
    case 'mllp':
      return sendMllp(step, target, vars, timeoutMs);
    case 'syslog':
      return sendSyslog(step, target, vars, timeoutMs);
  }
}

/** Random printable bytes: unique per run, safe as text/plain. */
function generated(bytes: number): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const r = randomBytes(bytes);
  for (let i = 0; i < r.length; i++) r[i] = alphabet.charCodeAt((r[i] as number) % alphabet.length);
  return r;
}

async function sendSoap(
  step: SoapStep,
  target: Target,
  vars: Record<string, string>,
  timeoutMs: number,
): Promise<Observed> {
  const stepPath = substitute(step.path, vars);
  const url = joinUrl(baseUrlFor(target, stepPath), stepPath);
  let headers: Record<string, string>;
  let body: Buffer;
  if (step.rawEnvelope) {
    body = step.substituteRaw
      ? Buffer.from(substitute(Buffer.from(step.rawEnvelope).toString('utf8'), vars), 'utf8')
      : Buffer.from(step.rawEnvelope);
    headers = { 'content-type': step.contentType ?? 'application/octet-stream' };
  } else {
    const parts: MimePart[] = step.attachments.map((a) => {
      const data =
        a.file !== undefined
          ? readFileSync(a.file)
          : a.text !== undefined
            ? Buffer.from(substitute(a.text, vars), 'utf8')
            : generated(a.generate?.bytes ?? 0);
      // Metadata of the same step needs the hash and size (ITI TF-3 4.2.3.2.10 hash, 4.2.3.2.20 size).
      vars[`att.${a.contentId}.sha1`] = sha1Hex(data);
      vars[`att.${a.contentId}.size`] = String(data.length);
      return { contentId: a.contentId, contentType: substitute(a.contentType, vars), data };
    });
    const action = step.action !== undefined ? substitute(step.action, vars) : undefined;
    const envelope = buildEnvelope({
      version: step.version,
      to: url,
      ...(action !== undefined ? { action } : {}),
      body: substitute(step.body ?? '', vars, escapeXml),
      ...(step.soapHeaders !== undefined
        ? { extraHeaders: substitute(step.soapHeaders, vars, escapeXml) }
        : {}),
      addressing: step.addressing,
    });
    if (parts.length > 0 || step.mtom) {
      const soapCt = step.version === '1.2' ? 'application/soap+xml' : 'text/xml';
      const mp = buildMtom({
        envelope,
        soapContentType: soapCt,
        ...(action !== undefined ? { action } : {}),
        parts,
      });
      headers = { 'content-type': mp.contentType };
      if (step.version === '1.1') headers.soapaction = `"${action ?? ''}"`;
      body = mp.body;
    } else {
      headers = soapHttpHeaders(step.version, action);
      body = Buffer.from(envelope, 'utf8');
    }
  }
  for (const [k, v] of Object.entries(step.httpHeaders)) headers[k.toLowerCase()] = substitute(v, vars);
  const res = await httpExchange({ url, method: 'POST', headers, body, timeoutMs, tls: tlsOf(target) });
  return observeHttp('soap', res);
}

/** Builds the observation of an HTTP response; multipart bodies are split (MTOM). */
function observeHttp(kind: 'soap' | 'http', res: HttpResponse): Observed {
  const ct = res.headers['content-type'] ?? '';
  if (/^multipart\//i.test(ct)) {
    try {
      const mp = parseMultipart(ct, res.body);
      return new Observed(kind, mp.root.data.toString('utf8'), res.status, res.headers, mp.attachments);
    } catch (e) {
      // A broken MIME package is a finding about the system under test, not a harness error.
      const obs = new Observed(kind, res.body.toString('utf8'), res.status, res.headers);
      obs.problems.push({
        check: 'multipart',
        expected: 'a well-formed multipart response',
        actual: (e as Error).message,
      });
      return obs;
    }
  }
  return new Observed(kind, res.body.toString('utf8'), res.status, res.headers);
}

async function sendHttp(
  step: HttpStep,
  target: Target,
  vars: Record<string, string>,
  timeoutMs: number,
): Promise<Observed> {
  const stepPath = substitute(step.path, vars);
  const url = joinUrl(baseUrlFor(target, stepPath), stepPath);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.headers)) headers[k.toLowerCase()] = substitute(v, vars);
  let body: Buffer | undefined;
  if (step.json !== undefined) {
    body = Buffer.from(JSON.stringify(substituteDeep(step.json, (x) => substitute(x, vars))), 'utf8');
    headers['content-type'] ??= 'application/json';
  } else if (step.body !== undefined) body = Buffer.from(substitute(step.body, vars), 'utf8');
  const res = await httpExchange({
    url,
    method: step.method,
    headers,
    ...(body !== undefined ? { body } : {}),
    timeoutMs,
    tls: tlsOf(target),
  });
  return observeHttp('http', res);
}

async function sendMllp(
  step: MllpStep,
  target: Target,
  vars: Record<string, string>,
  timeoutMs: number,
): Promise<Observed> {
  const t = target.mllp;
  if (!t) throw new Error('no MLLP endpoint in the target');
  const message = await mllpExchange({
    host: t.host,
    port: t.port,
    message: substitute(step.message, vars),
    timeoutMs,
    ...(t.tls ? { tls: tlsOf(target) } : {}),
  });
  return new Observed('mllp', message);
}

async function sendSyslog(
  step: SyslogStep,
  target: Target,
  vars: Record<string, string>,
  timeoutMs: number,
): Promise<Observed> {
  const messages = step.messages.map((m) => substitute(m, vars));
  if (step.transport === 'tls') {
    const t = target.syslogTls;
    if (!t) throw new Error('no syslog/TLS endpoint in the target');
    await syslogTlsSend({ host: t.host, port: t.port, messages, timeoutMs, tls: tlsOf(target) });
  } else {
    const t = target.syslogUdp;
    if (!t) throw new Error('no syslog/UDP endpoint in the target');
    await syslogUdpSend({ host: t.host, port: t.port, messages });
  }
  return new Observed('syslog', '');
}

/** Takes the captures of a passed step into `vars`; a capture that finds nothing fails the step. */
function capture(
  specs: Readonly<Record<string, CaptureSpec>>,
  obs: Observed,
  ctx: CheckContext,
  vars: Record<string, string>,
): Failure[] {
  const out: Failure[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const check = `capture ${name}`;
    let value: string | undefined;
    let problem: string | undefined;
    if ('xpath' in spec) {
      const doc = obs.xml();
      if (isViewError(doc)) problem = doc.error;
      else
        try {
          value = selectString(spec.xpath, doc, xpathVars(ctx.vars), xpathNamespaces(obs, ctx));
        } catch (e) {
          problem = (e as Error).message;
        }
    } else if ('hl7' in spec) {
      const msg = obs.hl7();
      if (isViewError(msg)) problem = msg.error;
      else value = hl7Get(msg, spec.hl7);
    } else if ('json' in spec) {
      const j = obs.json();
      if (isViewError(j)) problem = j.error;
      else {
        const got = jsonAt(j.value, spec.json);
        if (got.found) value = typeof got.value === 'string' ? got.value : JSON.stringify(got.value);
      }
    } else if ('header' in spec) value = obs.headers[spec.header.toLowerCase()];
    else {
      const m = new RegExp(spec.regex).exec(obs.body);
      value = m ? m[spec.group ?? 0] : undefined;
    }
    if (value === undefined || value === '')
      out.push({
        check,
        expected: `a value from ${JSON.stringify(spec)}`,
        actual: problem ?? 'nothing found',
      });
    else vars[name] = value;
  }
  return out;
}
