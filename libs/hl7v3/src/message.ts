/**
 * Opening an HL7v3 message: hardened parsing (through @mesh/xml parseXml only) and the
 * interaction check every parser starts with.
 */
import { error } from '@mesh/core';
import type { Issue } from '@mesh/core';
import { XmlError, parseXml } from '@mesh/xml';
import type { MessageHeader } from './model.js';
import { HL7, readHeader } from './read.js';

/**
 * What every parser returns. `ok: false` when any issue is an Error; the header is then
 * still given when the root was an HL7v3 interaction, so the caller can address its
 * acknowledgement (targetMessage id, sender and receiver swapped).
 */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T; readonly issues: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[]; readonly header?: MessageHeader };

/** An HL7v3 message as XML text or bytes, a parsed document, or its root element (e.g. a SOAP Body child). */
export type Hl7v3Input = string | Uint8Array | Document | Element;

/**
 * The message's root element when it is in the HL7v3 namespace and one of `interactions`.
 * Text is parsed with the hardened parser: a DOCTYPE, entity or malformed input is a
 * syntax error (SYN, the message is rejected).
 */
export function openMessage(
  input: Hl7v3Input,
  interactions: readonly string[],
): { ok: true; root: Element } | { ok: false; issues: Issue[] } {
  let root: Element | null;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    try {
      root = parseXml(input).documentElement;
    } catch (e) {
      if (e instanceof XmlError)
        return { ok: false, issues: [error('SYN', `not acceptable XML (${e.reason}): ${e.message}`, '/')] };
      throw e;
    }
  } else root = 'documentElement' in input ? input.documentElement : input;
  if (!root) return { ok: false, issues: [error('SYN', 'no root element', '/')] };
  if (root.namespaceURI !== HL7)
    return {
      ok: false,
      issues: [
        error(
          'NS200',
          `root element ${root.localName} is not in the HL7v3 namespace ${HL7}`,
          `/${root.localName}`,
        ),
      ],
    };
  if (!interactions.includes(root.localName))
    return {
      ok: false,
      issues: [
        error(
          'NS200',
          `unsupported interaction ${root.localName}; expected ${interactions.join(', ')}`,
          `/${root.localName}`,
        ),
      ],
    };
  return { ok: true, root };
}

/** Builds the Parsed result of a checked message. */
export function result<T>(root: Element, issues: readonly Issue[], value: () => T): Parsed<T> {
  if (issues.some((i) => i.severity === 'Error'))
    return { ok: false, issues, header: compact(readHeader(root)) };
  return { ok: true, value: compact(value()), issues };
}

/**
 * Drops undefined properties, deeply: a parsed value has a key only for what the message sent
 * (values are plain objects and arrays built by the readers).
 */
function compact<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const x of v) compact(x);
  } else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (o[k] === undefined) delete o[k];
      else compact(o[k]);
    }
  }
  return v;
}
