import { readFileSync } from 'node:fs';
import { TRANSACTIONS } from '@mesh/core';
import { describe, expect, it } from 'vitest';
import { HL7V3_ACTIONS, actionFor } from './index.js';

const WSDL = new URL('../../../../shared/conformance/08-schemas/ipf-hl7v3/wsdl/', import.meta.url);

describe('HL7v3 SOAP actions', () => {
  it('are exactly the input/output actions of the IHE ITI-44..47 WSDLs (read in place)', () => {
    const fromWsdl = new Set<string>();
    for (const f of ['iti44/iti44-pix.wsdl', 'iti45/iti45.wsdl', 'iti46/iti46.wsdl', 'iti47/iti47.wsdl']) {
      const text = readFileSync(new URL(f, WSDL), 'utf8');
      for (const m of text.matchAll(/Action="([^"]+)"/g)) fromWsdl.add(m[1] as string);
    }
    const ours = new Set(HL7V3_ACTIONS.flatMap((x) => [x.request, x.response]));
    expect([...ours].sort()).toEqual([...fromWsdl].sort());
  });

  it('dispatch by endpoint: PRPA_IN201302UV02 is ITI-44 at the PIX Manager, ITI-46 at a consumer', () => {
    expect(actionFor('urn:hl7-org:v3:PRPA_IN201302UV02', ['ITI-44', 'ITI-45'])?.transaction).toBe('ITI-44');
    expect(actionFor('urn:hl7-org:v3:PRPA_IN201302UV02', ['ITI-46'])?.transaction).toBe('ITI-46');
    expect(actionFor('urn:hl7-org:v3:QUQI_IN000003UV01_Continue', ['ITI-47'])).toMatchObject({
      requestElement: 'QUQI_IN000003UV01',
      response: 'urn:hl7-org:v3:PRPA_IN201306UV02',
    });
    expect(actionFor('urn:hl7-org:v3:PRPA_IN201309UV02', ['ITI-47'])).toBeUndefined();
  });

  it('are the actions of the @mesh/core transaction catalogue', () => {
    const core = new Set(
      (['ITI-44', 'ITI-45', 'ITI-46', 'ITI-47'] as const).flatMap((t) =>
        (TRANSACTIONS[t].soapActions ?? []).map((p) => p.request),
      ),
    );
    const missingInCore = HL7V3_ACTIONS.map((x) => x.request).filter((r) => !core.has(r));
    expect(missingInCore).toEqual([]);
  });
});
