/**
 * Evaluation of a step's expectations against what it observed. Every expectation is
 * checked (not just up to the first failure) so one run shows everything that is wrong.
 */
import { isDeepStrictEqual } from 'node:util';
import { NS, select, selectString } from '@mesh/xml';
import type { XPathValue } from '@mesh/xml';
import { hl7Get } from './hl7.js';
import type { AttachmentCheck, Expect, Failure, ValueCheck } from './model.js';
import { cidToContentId, sha1Hex } from './mtom.js';
import type { ParsedPart } from './mtom.js';
import { isViewError, jsonAt } from './observe.js';
import type { Observed } from './observe.js';
import { formatQName, readFault } from './soap.js';
import type { QName } from './soap.js';

/** Prefixes that mean "the SOAP envelope namespace of this response", whichever version. */
const ENVELOPE_ALIASES = ['env', 's', 'soap', 'soapenv'];

/** ebRS 3.0 / IHE ResponseStatusType URNs (ebRS 3.0 2.1.3; ITI TF-3 4.2.4.2 PartialSuccess). */
const STATUS_PREFIXES = [
  'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:',
  'urn:ihe:iti:2007:ResponseStatusType:',
];

/** Inputs shared by all checks of one step. */
export interface CheckContext {
  readonly vars: Readonly<Record<string, string>>;
  /** Scenario namespaces (prefix -> URI) on top of `NS`. */
  readonly namespaces: Readonly<Record<string, string>>;
  /** `${var}` substitution for expected values. */
  readonly sub: (s: string) => string;
}

/** Namespace map for XPath on this response: NS, envelope aliases, then scenario prefixes. */
export function xpathNamespaces(obs: Observed, ctx: CheckContext): Record<string, string> {
  const doc = obs.xml();
  const envNs =
    !isViewError(doc) && doc.documentElement?.localName === 'Envelope' && doc.documentElement.namespaceURI
      ? doc.documentElement.namespaceURI
      : NS.soap12;
  const aliases = Object.fromEntries(ENVELOPE_ALIASES.map((p) => [p, envNs]));
  return { ...aliases, ...ctx.namespaces };
}

/** Scenario variables as XPath `$variables`. */
export const xpathVars = (vars: Readonly<Record<string, string>>): Record<string, XPathValue> => ({
  ...vars,
});

const show = (v: unknown): string =>
  v === undefined ? '(absent)' : typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);

/** Applies equals / matches / exists to a value (undefined or '' = absent). */
function checkValue(
  check: string,
  actual: string | undefined,
  c: ValueCheck,
  ctx: CheckContext,
  out: Failure[],
): void {
  const present = actual !== undefined && actual !== '';
  if (c.exists !== undefined && c.exists !== present)
    out.push({
      check,
      expected: c.exists ? 'present' : 'absent',
      actual: present ? show(actual) : '(absent)',
    });
  if (c.equals !== undefined) {
    const want = ctx.sub(c.equals);
    if (actual !== want) out.push({ check, expected: show(want), actual: show(actual) });
  }
  if (c.matches !== undefined) {
    const re = new RegExp(ctx.sub(c.matches));
    if (actual === undefined || !re.test(actual))
      out.push({ check, expected: `matches /${re.source}/`, actual: show(actual) });
  }
}

/** Resolves an expected QName: envelope aliases, scenario prefixes, then NS keys. */
function expectedQName(
  raw: string,
  envNs: string,
  ctx: CheckContext,
): { ns: string | null | undefined; local: string } {
  const i = raw.indexOf(':');
  if (i < 0) return { ns: undefined, local: raw };
  const prefix = raw.slice(0, i);
  const local = raw.slice(i + 1);
  if (ENVELOPE_ALIASES.includes(prefix)) return { ns: envNs, local };
  const ns = ctx.namespaces[prefix] ?? (NS as Record<string, string>)[prefix];
  return { ns: ns ?? null, local };
}

const qnameMatches = (want: { ns: string | null | undefined; local: string }, got: QName): boolean =>
  want.local === got.local && (want.ns === undefined || want.ns === got.ns);

/** Evaluates every expectation; returns the failures (empty = passed). */
export function evaluate(expect: Expect, obs: Observed, ctx: CheckContext): Failure[] {
  const out: Failure[] = [];
  if (expect.status !== undefined) {
    if (obs.status === undefined || !expect.status.includes(obs.status))
      out.push({
        check: 'status',
        expected: expect.status.join(' or '),
        actual: String(obs.status ?? '(none)'),
      });
  }
  if (expect.headers)
    for (const [name, want] of Object.entries(expect.headers)) {
      const got = obs.headers[name.toLowerCase()];
      const w = ctx.sub(want);
      if (got === undefined || !got.toLowerCase().includes(w.toLowerCase()))
        out.push({ check: `header ${name}`, expected: `contains ${show(w)}`, actual: show(got) });
    }
  for (const s of expect.bodyContains ?? []) {
    const w = ctx.sub(s);
    if (!obs.body.includes(w))
      out.push({ check: 'bodyContains', expected: show(w), actual: 'not found in body' });
  }
  for (const s of expect.bodyNotContains ?? []) {
    const w = ctx.sub(s);
    if (obs.body.includes(w))
      out.push({ check: 'bodyNotContains', expected: `no ${show(w)}`, actual: 'found in body' });
  }
  const needsXml =
    expect.soapFault ??
    expect.registryStatus ??
    expect.errorCodes ??
    expect.exactErrorCodes ??
    expect.xpath ??
    expect.attachments?.some((a) => a.include);
  if (needsXml) checkXml(expect, obs, ctx, out);
  if (expect.hl7) {
    const msg = obs.hl7();
    if (isViewError(msg)) out.push({ check: 'hl7', expected: 'an HL7 v2 message', actual: msg.error });
    else for (const c of expect.hl7) checkValue(`hl7 ${c.field}`, hl7Get(msg, c.field), c, ctx, out);
  }
  if (expect.json) {
    const j = obs.json();
    if (isViewError(j)) out.push({ check: 'json', expected: 'a JSON body', actual: j.error });
    else
      for (const [path, want0] of Object.entries(expect.json)) {
        const want = substituteDeep(want0, ctx.sub);
        const got = jsonAt(j.value, path);
        if (!got.found || !isDeepStrictEqual(got.value, want))
          out.push({
            check: `json ${path}`,
            expected: show(want),
            actual: got.found ? show(got.value) : '(absent)',
          });
      }
  }
  if (expect.attachmentCount !== undefined && obs.attachments.length !== expect.attachmentCount)
    out.push({
      check: 'attachmentCount',
      expected: String(expect.attachmentCount),
      actual: String(obs.attachments.length),
    });
  for (const [i, a] of (expect.attachments ?? []).entries()) checkAttachment(a, i + 1, obs, ctx, out);
  return out;
}

function checkXml(expect: Expect, obs: Observed, ctx: CheckContext, out: Failure[]): void {
  const doc = obs.xml();
  if (isViewError(doc)) {
    out.push({ check: 'xml', expected: 'an XML response', actual: doc.error });
    return;
  }
  const ns = xpathNamespaces(obs, ctx);
  const vars = xpathVars(ctx.vars);
  if (expect.soapFault) {
    const fault = readFault(doc);
    if (!fault)
      out.push({ check: 'soapFault', expected: 'a SOAP Fault', actual: 'no SOAP Fault in the response' });
    else {
      if (expect.soapFault.code !== undefined) {
        const want = expectedQName(ctx.sub(expect.soapFault.code), fault.envelopeNs, ctx);
        if (!qnameMatches(want, fault.code))
          out.push({
            check: 'soapFault.code',
            expected: describe(expect.soapFault.code, want),
            actual: formatQName(fault.code),
          });
      }
      if (expect.soapFault.subcode !== undefined) {
        const want = expectedQName(ctx.sub(expect.soapFault.subcode), fault.envelopeNs, ctx);
        if (!fault.subcodes.some((s) => qnameMatches(want, s)))
          out.push({
            check: 'soapFault.subcode',
            expected: describe(expect.soapFault.subcode, want),
            actual: fault.subcodes.length ? fault.subcodes.map(formatQName).join(' > ') : '(no subcode)',
          });
      }
    }
  }
  if (expect.registryStatus !== undefined) {
    const status = registryStatusOf(doc);
    const suffix = status?.slice(status.lastIndexOf(':') + 1);
    if (suffix !== expect.registryStatus)
      out.push({
        check: 'registryStatus',
        expected: expect.registryStatus,
        actual: status ?? '(no ebRS status attribute)',
      });
  }
  if (expect.errorCodes || expect.exactErrorCodes) {
    const codes = select('//rs:RegistryError/@errorCode', doc).map((n) => n.nodeValue ?? '');
    const missing = (expect.errorCodes ?? []).map(ctx.sub).filter((c) => !codes.includes(c));
    if (missing.length)
      out.push({
        check: 'errorCodes',
        expected: `includes ${missing.join(', ')}`,
        actual: codes.join(', ') || '(none)',
      });
    if (expect.exactErrorCodes) {
      const want = [...new Set(expect.exactErrorCodes.map(ctx.sub))].sort();
      const got = [...new Set(codes)].sort();
      if (!isDeepStrictEqual(want, got))
        out.push({
          check: 'exactErrorCodes',
          expected: want.join(', ') || '(none)',
          actual: got.join(', ') || '(none)',
        });
    }
  }
  for (const x of expect.xpath ?? []) {
    const check = `xpath ${x.expr}`;
    try {
      if (x.count !== undefined) {
        const n = select(x.expr, doc, vars, ns).length;
        if (n !== x.count) out.push({ check, expected: `count ${x.count}`, actual: `count ${n}` });
      }
      if (x.exists !== undefined) {
        const bool = selectBoolean(x.expr, doc, vars, ns);
        if (bool !== x.exists)
          out.push({ check, expected: x.exists ? 'exists' : 'absent', actual: bool ? 'exists' : 'absent' });
      }
      if (x.equals !== undefined || x.matches !== undefined) {
        checkValue(
          check,
          selectString(x.expr, doc, vars, ns),
          { equals: x.equals, matches: x.matches },
          ctx,
          out,
        );
      }
    } catch (e) {
      out.push({ check, expected: 'a valid XPath', actual: (e as Error).message });
    }
  }
}

/** XPath boolean() of the expression: a non-empty node-set, a true comparison... (XPath 1.0 4.3). */
function selectBoolean(
  expr: string,
  doc: Document,
  vars: Record<string, XPathValue>,
  ns: Record<string, string>,
): boolean {
  const s = selectString(`boolean(${expr})`, doc, vars, ns);
  return s === 'true';
}

const describe = (raw: string, q: { ns: string | null | undefined; local: string }): string =>
  q.ns === undefined ? `${raw} (any namespace)` : `${raw} ({${q.ns ?? 'unknown prefix'}}${q.local})`;

/** status attribute of the first ebRS response element carrying a ResponseStatusType URN. */
export function registryStatusOf(doc: Document): string | undefined {
  for (const n of select('//*[@status]/@status', doc)) {
    const v = n.nodeValue ?? '';
    if (STATUS_PREFIXES.some((p) => v.startsWith(p))) return v;
  }
  return undefined;
}

function findAttachment(a: AttachmentCheck, obs: Observed, ctx: CheckContext): ParsedPart | string {
  if (a.index !== undefined) return obs.attachments[a.index - 1] ?? `no attachment #${a.index}`;
  let id: string;
  if (a.include !== undefined) {
    const doc = obs.xml();
    if (isViewError(doc)) return doc.error;
    const href = selectString(a.include, doc, xpathVars(ctx.vars), xpathNamespaces(obs, ctx));
    if (!href) return `XPath ${a.include} selected no href`;
    id = cidToContentId(href);
  } else id = ctx.sub(a.contentId ?? '');
  return obs.attachments.find((p) => p.contentId === id) ?? `no part with Content-ID <${id}>`;
}

function checkAttachment(
  a: AttachmentCheck,
  n: number,
  obs: Observed,
  ctx: CheckContext,
  out: Failure[],
): void {
  const check = `attachments[${n}]`;
  const part = findAttachment(a, obs, ctx);
  if (typeof part === 'string') {
    out.push({ check, expected: 'the attachment', actual: part });
    return;
  }
  if (a.sha1 !== undefined) {
    const want = ctx.sub(a.sha1).toLowerCase();
    const got = sha1Hex(part.data);
    if (got !== want) out.push({ check: `${check}.sha1`, expected: want, actual: got });
  }
  if (a.size !== undefined && part.data.length !== a.size)
    out.push({ check: `${check}.size`, expected: String(a.size), actual: String(part.data.length) });
  if (a.contentType !== undefined && !part.contentType.includes(ctx.sub(a.contentType)))
    out.push({
      check: `${check}.contentType`,
      expected: `contains ${ctx.sub(a.contentType)}`,
      actual: part.contentType,
    });
  if (a.text !== undefined) {
    const want = ctx.sub(a.text);
    const got = part.data.toString('utf8');
    if (got !== want)
      out.push({ check: `${check}.text`, expected: show(want), actual: show(got.slice(0, 200)) });
  }
}

/** `${var}` substitution in every string of a JSON value. */
export function substituteDeep(v: unknown, sub: (s: string) => string): unknown {
  if (typeof v === 'string') return sub(v);
  if (Array.isArray(v)) return v.map((x) => substituteDeep(x, sub));
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteDeep(x, sub)]));
  return v;
}
