import { describe, expect, it } from 'vitest';
import { ANONYMOUS, principalId, systemPrincipal } from './principal.js';
import type { UserPrincipal } from './principal.js';

const user: UserPrincipal = {
  kind: 'user',
  subjectId: 'Dr Anne Muller',
  nameId: 'CN=amuller,O=Hospital',
  roles: [{ code: '309343006', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Physician' }],
  purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1' },
  assertionId: '_a1b2',
};

describe('principals', () => {
  it('ANONYMOUS is frozen and identified as anonymous', () => {
    expect(ANONYMOUS.kind).toBe('anonymous');
    expect(Object.isFrozen(ANONYMOUS)).toBe(true);
    expect(principalId(ANONYMOUS)).toBe('anonymous');
  });

  it('an anonymous caller identified by its TLS peer is recorded by it', () => {
    expect(principalId({ kind: 'anonymous', peer: 'CN=lis.example.lu' })).toBe('CN=lis.example.lu');
  });

  it('systemPrincipal names the service and is frozen', () => {
    const p = systemPrincipal('repository');
    expect(p).toEqual({ kind: 'system', service: 'repository' });
    expect(Object.isFrozen(p)).toBe(true);
    expect(principalId(p)).toBe('system:repository');
  });

  it('a user is recorded by the XUA subject id', () => {
    expect(principalId(user)).toBe('Dr Anne Muller');
  });
});
