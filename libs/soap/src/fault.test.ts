import { MeshError } from '@mesh/core';
import { NS, child, parseXml, text } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import { faultFromMeshError, faultHttpStatus, faults, renderFault } from './fault.js';

describe('renderFault', () => {
  it('renders SOAP 1.2 Code/Subcode chain with declared prefixes, Reason and Detail', () => {
    const f = faults.invalidAddressingHeader('ActionMismatch', 'Action', 'a < b');
    const el = parseXml(renderFault(f, '1.2')).documentElement as Element;
    expect(el.namespaceURI).toBe(NS.soap12);
    const code = child(el, NS.soap12, 'Code')!;
    expect(text(child(code, NS.soap12, 'Value'))).toBe('env:Sender');
    const sub1 = child(code, NS.soap12, 'Subcode')!;
    const v1 = child(sub1, NS.soap12, 'Value')!;
    expect(text(v1)).toBe('wsa:InvalidAddressingHeader');
    expect(v1.lookupNamespaceURI('wsa')).toBe(NS.wsa);
    const v2 = child(child(sub1, NS.soap12, 'Subcode')!, NS.soap12, 'Value')!;
    expect(text(v2)).toBe('wsa:ActionMismatch');
    const reasonText = child(child(el, NS.soap12, 'Reason')!, NS.soap12, 'Text')!;
    expect(text(reasonText)).toBe('a < b');
    expect(reasonText.getAttributeNS(NS.xml, 'lang')).toBe('en');
    expect(text(child(child(el, NS.soap12, 'Detail')!, NS.wsa, 'ProblemHeaderQName'))).toBe('wsa:Action');
  });

  it('renders SOAP 1.1 with the innermost subcode as faultcode (WS-Addressing SOAP 1.1 binding)', () => {
    const el = parseXml(renderFault(faults.actionNotSupported('urn:x'), '1.1')).documentElement as Element;
    const fc = child(el, null, 'faultcode')!;
    expect(text(fc)).toBe('wsa:ActionNotSupported');
    expect(fc.lookupNamespaceURI('wsa')).toBe(NS.wsa);
    expect(text(child(el, null, 'faultstring'))).toMatch(/urn:x/);
    const plain = parseXml(renderFault(faults.receiver('boom'), '1.1')).documentElement as Element;
    expect(text(child(plain, null, 'faultcode'))).toBe('env:Server');
  });
});

describe('faultFromMeshError and HTTP status', () => {
  it('maps sender, receiver and busy, with the first issue code as subcode', () => {
    const s = faultFromMeshError(MeshError.of('XDSRegistryMetadataError', 'bad slot'), NS.rs);
    expect(s).toMatchObject({
      code: 'Sender',
      reason: 'bad slot',
      subcodes: [{ ns: NS.rs, local: 'XDSRegistryMetadataError' }],
    });
    expect(faultHttpStatus(s, '1.2')).toBe(400);
    const r = faultFromMeshError(MeshError.of('XDSRegistryError', 'db', { fault: 'receiver' }), NS.rs);
    expect(r.code).toBe('Receiver');
    expect(faultHttpStatus(r, '1.2')).toBe(500);
    const b = faultFromMeshError(MeshError.of('XDSRegistryBusy', 'try later', { fault: 'busy' }), NS.rs, 7);
    expect(b).toMatchObject({ code: 'Receiver', httpStatus: 503, retryAfterSeconds: 7 });
    expect(faultHttpStatus(b, '1.2')).toBe(503);
    expect(faultHttpStatus(s, '1.1')).toBe(500);
  });

  it('keeps codes that are not NCNames out of the subcode', () => {
    const f = faultFromMeshError(MeshError.of('207', 'application error'), NS.rs);
    expect(f.subcodes).toEqual([]);
    expect(f.reason).toBe('207: application error');
  });
});
