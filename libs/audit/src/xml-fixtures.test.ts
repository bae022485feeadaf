/**
 * The 18 IPF audit messages (third-party, read in place from ../shared/conformance):
 * every one parses to the model as the DICOM form, model -> XML -> model is the identity,
 * and the XML written back carries exactly the elements, attributes and text of the source.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attr, elements, parseXml, text } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import { parseAuditXml, parseAuditXmlWithForm, toAuditXml } from './index.js';

const dir = fileURLToPath(new URL('../../../../shared/conformance/05-atna/ipf/audit/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .sort();

/** Every element, attribute and leaf text of a document, as sorted `path@attr=value` lines. */
function content(xml: string | Uint8Array): string[] {
  const out: string[] = [];
  const walk = (e: Element, path: string): void => {
    const p = `${path}/${e.localName}`;
    out.push(p);
    for (const a of Array.from(e.attributes))
      // Namespace declarations are not content (DICOM defines no namespace).
      if (!a.name.startsWith('xmlns')) out.push(`${p}@${a.name}=${attr(e, a.name)}`);
    const kids = elements(e);
    if (kids.length === 0 && (text(e) ?? '').trim() !== '') out.push(`${p}=${(text(e) ?? '').trim()}`);
    for (const k of kids) walk(k, p);
  };
  walk(parseXml(xml).documentElement, '');
  return out.sort();
}

describe('IPF DICOM audit fixtures', () => {
  it('are all there (a missing folder must not pass silently)', () => {
    expect(files).toHaveLength(18);
  });

  it.each(files)('%s parses as the DICOM form and round-trips losslessly', (f) => {
    const bytes = readFileSync(`${dir}${f}`);
    const { message, form } = parseAuditXmlWithForm(bytes);
    expect(form).toBe('dicom');
    const again = toAuditXml(message);
    expect(content(again)).toEqual(content(bytes));
    expect(parseAuditXml(again)).toEqual(message);
  });
});
