/**
 * rs:RegistryResponse both ways (ITI TF-3 4.2.4.1): the ITI-41 and ITI-86 responses the
 * repository renders, and the registry's ITI-42 answer it reads back to merge its own warnings.
 */
import type { Issue, Outcome, OutcomeStatus } from '@mesh/core';
import { ERROR_SEVERITY, RESPONSE_STATUS } from '@mesh/xds';
import { NS, attr, escapeXmlAttribute, parseXml } from '@mesh/xml';

// Characters XML 1.0 cannot carry at all (2.2 Char); a codeContext may echo hostile input.
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlAttr(s: string): string {
  return escapeXmlAttribute(s.replace(NOT_XML_CHAR, '\uFFFD'));
}

/** The rs:RegistryErrorList of an Outcome, or '' when it has no issues. */
export function registryErrorList(issues: readonly Issue[]): string {
  if (issues.length === 0) return '';
  const highest = issues.some((i) => i.severity === 'Error') ? 'Error' : 'Warning';
  const errors = issues.map((i) => {
    const location = i.location === undefined ? '' : ` location="${xmlAttr(i.location)}"`;
    return (
      `<rs:RegistryError errorCode="${xmlAttr(i.code)}" codeContext="${xmlAttr(i.context)}"` +
      ` severity="${ERROR_SEVERITY[i.severity]}"${location}/>`
    );
  });
  return `<rs:RegistryErrorList highestSeverity="${ERROR_SEVERITY[highest]}">${errors.join('')}</rs:RegistryErrorList>`;
}

/** An Outcome as `rs:RegistryResponse` (ITI-41 response, ITI TF-2 3.41.4.2; ITI-86, ITI TF-2 3.86.4.2). */
export function registryResponseXml(outcome: Outcome<unknown>): string {
  const status = RESPONSE_STATUS[outcome.status];
  const list = registryErrorList(outcome.issues);
  return list === ''
    ? `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${status}"/>`
    : `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${status}">${list}</rs:RegistryResponse>`;
}

const STATUS_BY_URN = new Map<string, OutcomeStatus>(
  (Object.entries(RESPONSE_STATUS) as [OutcomeStatus, string][]).map(([k, v]) => [v, k]),
);

/** Reads an rs:RegistryResponse (the registry's ITI-42 answer) into an Outcome. */
export function readRegistryResponse(xml: string): Outcome {
  const root = parseXml(xml).documentElement;
  if (!root || root.namespaceURI !== NS.rs || root.localName !== 'RegistryResponse')
    throw new Error('not an rs:RegistryResponse');
  const status = STATUS_BY_URN.get(attr(root, 'status') ?? '');
  if (!status) throw new Error(`unknown RegistryResponse status ${attr(root, 'status') ?? ''}`);
  const issues: Issue[] = Array.from(root.getElementsByTagNameNS(NS.rs, 'RegistryError')).map((e) => {
    const location = attr(e, 'location');
    const base = {
      code: attr(e, 'errorCode') ?? '',
      severity: attr(e, 'severity') === ERROR_SEVERITY.Warning ? ('Warning' as const) : ('Error' as const),
      context: attr(e, 'codeContext') ?? '',
    };
    return location === undefined ? base : { ...base, location };
  });
  return { status, issues };
}
