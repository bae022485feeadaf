/** Initiator-side builders: parse(build(x)) gives x back, for content taken from the IPF samples (read in place). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildIti44Feed,
  buildIti45Query,
  buildIti47Continuation,
  buildIti47Query,
  parseIti44,
  parseIti45,
  parseIti47,
  parseIti47Continuation,
} from './index.js';

const V3 = new URL('../../../../shared/conformance/03-hl7v3/ipf/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, V3), 'utf8');
const OPTS = {
  messageId: { root: '2.25.1234', extension: 'm-1' },
  creationTime: '20261125234500',
  sender: { id: { root: '1.2.3.77' } },
  receiver: { id: { root: '1.2.3.999.1' }, organizationId: { root: '1.2.3.999' } },
};

function ok<T>(r: { ok: true; value: T } | { ok: false; issues: unknown }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

describe('buildIti44Feed', () => {
  for (const f of [
    'translation/pixfeed/v3/PIX_FEED_REG_Maximal_Request.xml',
    'translation/pixfeed/v3/PIX_FEED_REV_Maximal_Request.xml',
    'translation/pixfeed/v3/PIX_FEED_MERGE_Maximal_Request.xml',
    'translation/pixsource/v3/A01_Response.xml',
    'translation/pixsource/v3/A40_Response.xml',
  ]) {
    it(`round-trips ${f}`, () => {
      const original = ok(parseIti44(read(f)));
      const { transaction: _t, header: _h, ...content } = original;
      const again = ok(parseIti44(buildIti44Feed(content, OPTS)));
      const { transaction: _t2, header, ...content2 } = again;
      expect(content2).toStrictEqual({
        ...content,
        // the writer groups other ids per domain and fills providerOrganization from the first id
        patient: {
          ...content.patient,
          statusCode: 'active',
          providerOrganizationId: {
            root: (content.patient.providerOrganizationId ?? content.patient.ids[0])?.root,
          },
        },
      });
      expect(header).toMatchObject({
        interactionId: original.header.interactionId,
        messageId: OPTS.messageId,
        acceptAckCode: 'AL',
        sender: OPTS.sender,
        receivers: [OPTS.receiver],
      });
    });
  }
});

describe('buildIti45Query / buildIti47Query', () => {
  it('ITI-45 round-trips', () => {
    for (const f of [
      'translation/pixquery/v3/NistPixpdq_Mesa10501-04_Example_01.xml',
      'translation/pixquery/v3/NistPixpdq_Mesa10503-01~UnknownAssigningAuth_Example_01.xml',
    ]) {
      const { transaction: _t, header: _h, ...q } = ok(parseIti45(read(f)));
      const { transaction: _t2, header: _h2, ...again } = ok(parseIti45(buildIti45Query(q, OPTS)));
      expect(again).toStrictEqual(q);
    }
  });

  it('ITI-47 round-trips', () => {
    for (const f of [
      'translation/pdq/v3/PDQ_Maximal_Query.xml',
      'translation/pdq/v3/PDQ_ID_Query.xml',
      'iti47/01_PDQQuery1.xml',
    ]) {
      const { transaction: _t, header: _h, ...q } = ok(parseIti47(read(f)));
      const { transaction: _t2, header: _h2, ...again } = ok(parseIti47(buildIti47Query(q, OPTS)));
      expect(again).toStrictEqual(q);
    }
  });
});

describe('buildIti47Continuation', () => {
  it('continue and cancel round-trip', () => {
    for (const cancel of [false, true]) {
      const c = {
        queryId: { root: '1.2.3.4', extension: 'q&1' },
        cancel,
        targetMessageId: { root: '2.25.99' },
        ...(cancel ? {} : { continuationQuantity: 10, startResultNumber: 11 }),
      };
      const r = ok(parseIti47Continuation(buildIti47Continuation(c, OPTS)));
      expect(r).toMatchObject({ ...c, statusCode: cancel ? 'aborted' : 'waitContinuedQueryResponse' });
      expect(r.header.interactionId).toBe('QUQI_IN000003UV01');
    }
  });
});
