/**
 * The ITI-42 response (ITI TF-2 3.42.4.2): an `rs:RegistryResponse` with the ebRS status and,
 * when there are issues, an `rs:RegistryErrorList` (ITI TF-3 4.2.4.1).
 */
import type { Outcome } from '@mesh/core';
import { ERROR_SEVERITY, RESPONSE_STATUS } from '@mesh/xds';
import { NS, escapeXmlAttribute } from '@mesh/xml';

/** Renders an Outcome as `rs:RegistryResponse` (the body of the ITI-42 response, also ITI-41, ITI-57, ITI-62). */
export function registryResponseXml(outcome: Pick<Outcome<unknown>, 'status' | 'issues'>): string {
  const status = RESPONSE_STATUS[outcome.status];
  if (outcome.issues.length === 0) return `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${status}"/>`;
  const highest = outcome.issues.some((i) => i.severity === 'Error') ? 'Error' : 'Warning';
  const errors = outcome.issues.map((i) => {
    const location = i.location === undefined ? '' : ` location="${attr(i.location)}"`;
    return (
      `<rs:RegistryError errorCode="${attr(i.code)}" codeContext="${attr(i.context)}"` +
      ` severity="${ERROR_SEVERITY[i.severity]}"${location}/>`
    );
  });
  return (
    `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${status}">` +
    `<rs:RegistryErrorList highestSeverity="${ERROR_SEVERITY[highest]}">${errors.join('')}</rs:RegistryErrorList>` +
    `</rs:RegistryResponse>`
  );
}

// Characters XML 1.0 cannot carry at all (2.2 Char); a codeContext may echo hostile input.

const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function attr(s: string): string {
  return escapeXmlAttribute(s.replace(NOT_XML_CHAR, '\uFFFD'));
}
