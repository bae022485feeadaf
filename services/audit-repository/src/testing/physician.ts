/**
 * TEST ONLY (tests, benchmarks): the requesting user of the ITI-43 audit records the tests
 * and benchmarks store: a medical practitioner with an XUA role and PurposeOfUse TREATMENT.
 */
import type { UserPrincipal } from '@mesh/core';

/** A physician principal as XUA would give it; `extra` adds or overrides attributes. */
export function physician(
  subjectId: string,
  nameId: string,
  extra: Partial<UserPrincipal> = {},
): UserPrincipal {
  return {
    kind: 'user',
    subjectId,
    nameId,
    roles: [{ code: '158965000', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Medical practitioner' }],
    purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
    assertionId: '_a',
    ...extra,
  };
}
