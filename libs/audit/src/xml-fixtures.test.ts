/**
 * The 18 IPF audit messages (third-party, read in place from ../shared/conformance):
 * every one parses to the model, and model -> XML -> model is the identity.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAuditXml, parseAuditXmlWithForm, toAuditXml } from './index.js';

const dir = fileURLToPath(new URL('../../../../shared/conformance/05-atna/ipf/audit/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .sort();

describe('IPF DICOM audit fixtures', () => {
  it('are all there (a missing folder must not pass silently)', () => {
    expect(files).toHaveLength(18);
  });

  it.each(files)('%s parses as the DICOM form and round-trips', (f) => {
    const bytes = readFileSync(`${dir}${f}`);
    const { message, form } = parseAuditXmlWithForm(bytes);
    expect(form).toBe('dicom');
    const xml = readFileSync(`${dir}${f}`, 'utf8');
    // Every element of the source is represented: counts match after the round trip.
    const again = toAuditXml(message);
    for (const name of [
      'ActiveParticipant',
      'ParticipantObjectIdentification',
      'ParticipantObjectDetail',
      'RoleIDCode',
      'EventTypeCode',
    ])
      expect(again.split(`<${name} `).length, name).toBe(xml.split(`<${name} `).length);
    expect(parseAuditXml(again)).toEqual(message);
  });
});
