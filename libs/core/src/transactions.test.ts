import { describe, expect, it } from 'vitest';
import { TRANSACTIONS, TRANSACTION_LIST, transactionSlug } from './transactions.js';
import type { TransactionId } from './transactions.js';

const soap = TRANSACTION_LIST.filter((t) => t.transport === 'soap');

describe('transaction catalogue', () => {
  it('keys every spec by its own id, in the ITI-n form', () => {
    for (const [key, spec] of Object.entries(TRANSACTIONS)) {
      expect(spec.id).toBe(key);
      expect(spec.id).toMatch(/^ITI-\d+$/);
      expect(spec.tf).toBe(`ITI TF-2 3.${spec.id.slice(4)}`);
    }
    expect(new Set(TRANSACTION_LIST.map((t) => t.id)).size).toBe(TRANSACTION_LIST.length);
  });

  it('gives every SOAP transaction at least one action pair and an MTOM rule', () => {
    expect(soap.length).toBeGreaterThan(10);
    for (const t of soap) {
      expect(t.soapActions?.length, t.id).toBeGreaterThan(0);
      expect(t.mtom, t.id).toBeDefined();
      for (const pair of t.soapActions ?? []) {
        expect(pair.request, t.id).toMatch(/^urn:/);
        expect(pair.response, t.id).toMatch(/^urn:/);
        expect(pair.response).not.toBe(pair.request);
      }
    }
  });

  it('gives no action to transactions that are not SOAP', () => {
    for (const t of TRANSACTION_LIST.filter((x) => x.transport !== 'soap')) {
      expect(t.soapActions, t.id).toBeUndefined();
      expect(t.mtom, t.id).toBeUndefined();
    }
  });

  it('uses each request action for one transaction, except PRPA_IN201302UV02 (ITI-44 revise and ITI-46)', () => {
    const owners = new Map<string, TransactionId[]>();
    for (const t of soap)
      for (const { request } of t.soapActions ?? [])
        owners.set(request, [...(owners.get(request) ?? []), t.id]);
    const shared = [...owners].filter(([, ids]) => ids.length > 1);
    expect(shared).toEqual([['urn:hl7-org:v3:PRPA_IN201302UV02', ['ITI-44', 'ITI-46']]]);
  });

  it('names the HL7v3 message of every HL7v3 action', () => {
    for (const t of soap)
      for (const pair of t.soapActions ?? [])
        if (pair.request.startsWith('urn:hl7-org:v3:'))
          expect(pair.message, pair.request).toMatch(/^[A-Z]{4}_IN\d{6}UV\d{2}(_Cancel)?$/);
  });

  it('has the TF-2 actions for the XDS, XCA, RMD and SVS transactions', () => {
    const req = (id: TransactionId): string[] => (TRANSACTIONS[id].soapActions ?? []).map((p) => p.request);
    expect(req('ITI-18')).toEqual(['urn:ihe:iti:2007:RegistryStoredQuery']);
    expect(req('ITI-41')).toEqual(['urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b']);
    expect(req('ITI-42')).toEqual(['urn:ihe:iti:2007:RegisterDocumentSet-b']);
    expect(req('ITI-43')).toEqual(['urn:ihe:iti:2007:RetrieveDocumentSet']);
    expect(req('ITI-57')).toEqual(['urn:ihe:iti:2010:UpdateDocumentSet']);
    expect(req('ITI-62')).toEqual(['urn:ihe:iti:2010:DeleteDocumentSet']);
    expect(req('ITI-86')).toEqual(['urn:ihe:iti:2017:RemoveDocuments']);
    expect(req('ITI-48')).toEqual(['urn:ihe:iti:2008:RetrieveValueSet']);
    expect(req('ITI-60')).toEqual(['urn:ihe:iti:2010:RetrieveMultipleValueSets']);
    expect(req('ITI-55')).toEqual(['urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery']);
    expect(TRANSACTIONS['ITI-43'].soapActions?.[0]?.response).toBe(
      'urn:ihe:iti:2007:RetrieveDocumentSetResponse',
    );
  });

  it('has the HL7v3 interactions of PIXV3 and PDQV3', () => {
    const pairs = (id: TransactionId): string[] =>
      (TRANSACTIONS[id].soapActions ?? []).map((p) => `${p.message ?? ''}>${p.response.slice(15)}`);
    expect(pairs('ITI-44')).toEqual([
      'PRPA_IN201301UV02>MCCI_IN000002UV01',
      'PRPA_IN201302UV02>MCCI_IN000002UV01',
      'PRPA_IN201304UV02>MCCI_IN000002UV01',
    ]);
    expect(pairs('ITI-45')).toEqual(['PRPA_IN201309UV02>PRPA_IN201310UV02']);
    expect(pairs('ITI-46')).toEqual(['PRPA_IN201302UV02>MCCI_IN000002UV01']);
    expect(pairs('ITI-47')).toEqual([
      'PRPA_IN201305UV02>PRPA_IN201306UV02',
      'QUQI_IN000003UV01>PRPA_IN201306UV02',
      'QUQI_IN000003UV01_Cancel>MCCI_IN000002UV01',
    ]);
    expect(TRANSACTIONS['ITI-47'].soapActions?.[1]?.request).toBe(
      'urn:hl7-org:v3:QUQI_IN000003UV01_Continue',
    );
    expect(TRANSACTIONS['ITI-47'].soapActions?.[2]?.request).toBe('urn:hl7-org:v3:QUQI_IN000003UV01_Cancel');
  });

  it('requires MTOM where ITI TF-2 says so', () => {
    expect(TRANSACTIONS['ITI-41'].mtom).toBe('request');
    expect(TRANSACTIONS['ITI-43'].mtom).toBe('both');
    expect(TRANSACTIONS['ITI-39'].mtom).toBe('both');
    expect(TRANSACTIONS['ITI-42'].mtom).toBe('none');
  });
});

describe('transactionSlug', () => {
  it('lower-cases and drops the dash', () => {
    expect(transactionSlug('ITI-41')).toBe('iti41');
    expect(transactionSlug('ITI-8')).toBe('iti8');
    expect(new Set(TRANSACTION_LIST.map((t) => transactionSlug(t.id))).size).toBe(TRANSACTION_LIST.length);
  });
});
