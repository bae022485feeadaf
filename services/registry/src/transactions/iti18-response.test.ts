import { describe, expect, it } from 'vitest';
import { error, warning } from '@mesh/core';
import { parseXml, select, selectString } from '@mesh/xml';
import { ERROR_SEVERITY, RESPONSE_STATUS } from '@mesh/xds';
import type { RegistryObjects } from '@mesh/xds';
import { documentEntry, patientCx } from '../fixtures.js';
import { buildQueryResponse } from './iti18-response.js';

const NONE: RegistryObjects = {
  documentEntries: [],
  submissionSets: [],
  folders: [],
  associations: [],
  objectRefs: [],
};
let n = 0;
const write = { newId: () => `urn:uuid:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` };

function parse(xml: string): Document {
  const doc = parseXml(xml);
  expect(select('/query:AdhocQueryResponse/rim:RegistryObjectList', doc)).toHaveLength(1);
  return doc;
}

const status = (doc: Document): string => selectString('string(/query:AdhocQueryResponse/@status)', doc);

describe('buildQueryResponse', () => {
  it('writes LeafClass objects with status Success and no error list', () => {
    const de = documentEntry(patientCx(4711), { title: { value: 'Lettre <de> sortie & "suivi"' } });
    const doc = parse(
      buildQueryResponse({ objects: { ...NONE, documentEntries: [de] }, tooManyResults: false }, { write }),
    );
    expect(status(doc)).toBe(RESPONSE_STATUS.Success);
    expect(select('//rs:RegistryErrorList', doc)).toHaveLength(0);
    const eo = select(
      '/query:AdhocQueryResponse/rim:RegistryObjectList/rim:ExtrinsicObject[@id = $id]',
      doc,
      {
        id: de.entryUUID,
      },
    );
    expect(eo).toHaveLength(1);
    expect(
      selectString('string(//rim:ExtrinsicObject[@id = $id]/rim:Name/rim:LocalizedString/@value)', doc, {
        id: de.entryUUID,
      }),
    ).toBe('Lettre <de> sortie & "suivi"');
  });

  it('writes ObjectRefs as rim:ObjectRef id=', () => {
    const refs = [
      { id: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
      { id: 'urn:uuid:22222222-2222-4222-8222-222222222222' },
    ];
    const doc = parse(buildQueryResponse({ objects: { ...NONE, objectRefs: refs }, tooManyResults: false }));
    expect(status(doc)).toBe(RESPONSE_STATUS.Success);
    const ids = select('/query:AdhocQueryResponse/rim:RegistryObjectList/rim:ObjectRef/@id', doc).map(
      (a) => (a as Attr).value,
    );
    expect(ids).toEqual(refs.map((r) => r.id));
  });

  it('answers Failure with XDSTooManyResults and no objects when the result overflowed', () => {
    const de = documentEntry(patientCx(1));
    const doc = parse(
      buildQueryResponse(
        { objects: { ...NONE, documentEntries: [de] }, tooManyResults: true },
        { limit: 500, write },
      ),
    );
    expect(status(doc)).toBe(RESPONSE_STATUS.Failure);
    expect(select('//rim:ExtrinsicObject', doc)).toHaveLength(0);
    const err = select('//rs:RegistryErrorList/rs:RegistryError[@errorCode = $code]', doc, {
      code: 'XDSTooManyResults',
    });
    expect(err).toHaveLength(1);
    expect((err[0] as Element).getAttribute('severity')).toBe(ERROR_SEVERITY.Error);
    expect((err[0] as Element).getAttribute('codeContext')).toContain('500');
  });

  it('renders issues as RegistryErrors with code, context, severity and location, escaped', () => {
    const doc = parse(
      buildQueryResponse({
        issues: [
          error(
            'XDSStoredQueryMissingParam',
            'Required parameter <$XDSDocumentEntryStatus> & "more"',
            '$XDSDocumentEntryStatus',
          ),
        ],
      }),
    );
    expect(status(doc)).toBe(RESPONSE_STATUS.Failure);
    const e = select('//rs:RegistryError[@location = $loc]', doc, {
      loc: '$XDSDocumentEntryStatus',
    })[0] as Element;
    expect(e.getAttribute('errorCode')).toBe('XDSStoredQueryMissingParam');
    expect(e.getAttribute('codeContext')).toBe('Required parameter <$XDSDocumentEntryStatus> & "more"');
    expect(e.getAttribute('severity')).toBe(ERROR_SEVERITY.Error);
    expect(selectString('string(//rs:RegistryErrorList/@highestSeverity)', doc)).toBe(ERROR_SEVERITY.Error);
  });

  it('keeps Success with objects when only warnings are reported', () => {
    const de = documentEntry(patientCx(2));
    const doc = parse(
      buildQueryResponse(
        { objects: { ...NONE, documentEntries: [de] }, tooManyResults: false },
        { warnings: [warning('XDSRegistryError', 'parameter ignored', '$XDSDocumentEntryFoo')], write },
      ),
    );
    expect(status(doc)).toBe(RESPONSE_STATUS.Success);
    expect(select('//rim:ExtrinsicObject', doc)).toHaveLength(1);
    const w = select('//rs:RegistryError[@severity = $sev]', doc, { sev: ERROR_SEVERITY.Warning });
    expect(w).toHaveLength(1);
    expect(selectString('string(//rs:RegistryErrorList/@highestSeverity)', doc)).toBe(ERROR_SEVERITY.Warning);
  });

  it('never returns objects alongside an Error, even one passed among the warnings', () => {
    const de = documentEntry(patientCx(3));
    const doc = parse(
      buildQueryResponse(
        { objects: { ...NONE, documentEntries: [de] }, tooManyResults: false },
        { warnings: [error('XDSResultNotSinglePatient', 'two patients')], write },
      ),
    );
    expect(status(doc)).toBe(RESPONSE_STATUS.Failure);
    expect(select('//rim:ExtrinsicObject', doc)).toHaveLength(0);
  });

  it('places the RegistryErrorList before the RegistryObjectList (ebRS 3.0 query.xsd)', () => {
    const doc = parse(
      buildQueryResponse({
        issues: [error('XDSUnknownStoredQuery', 'Unknown stored query id: x', 'AdhocQuery')],
      }),
    );
    const names = select('/query:AdhocQueryResponse/*', doc).map((e) => (e as Element).localName);
    expect(names).toEqual(['RegistryErrorList', 'RegistryObjectList']);
  });
});
