/** Test and benchmark fixtures shared by this package's tests (not exported by the package). */
import type { UserPrincipal } from '@mesh/core';

/** A XUA user as the audit builders see one: a pharmacist acting for treatment. */
export const TEST_USER: UserPrincipal = {
  kind: 'user',
  subjectId: 'Dr. Anne Muller',
  nameId: 'anne.muller@hospital.example',
  roles: [{ code: '46255001', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Pharmacist' }],
  purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
  assertionId: '_a1',
};
