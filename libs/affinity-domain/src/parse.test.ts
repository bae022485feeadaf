import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AffinityDomainError, parseAffinityDomain } from './parse.js';
import { DEFAULT_AFFINITY_DOMAIN_URL } from './files.js';

const shipped = (): Record<string, unknown> =>
  JSON.parse(readFileSync(DEFAULT_AFFINITY_DOMAIN_URL, 'utf8')) as Record<string, unknown>;

function problemsOf(value: unknown): readonly { path: string; message: string }[] {
  try {
    parseAffinityDomain(value);
  } catch (e) {
    expect(e).toBeInstanceOf(AffinityDomainError);
    return (e as AffinityDomainError).problems;
  }
  throw new Error('expected an AffinityDomainError');
}

describe('parseAffinityDomain', () => {
  it('returns a deep-frozen copy without the $schema key', () => {
    const json = shipped();
    const d = parseAffinityDomain(json);
    expect(json.$schema).toBeDefined();
    expect('$schema' in d).toBe(false);
    expect(d).not.toBe(json);
    expect(Object.isFrozen(d)).toBe(true);
    expect(Object.isFrozen(d.valueSets.classCode[0])).toBe(true);
    expect(Object.isFrozen(d.assigningAuthorities)).toBe(true);
    expect(d.patientIdAuthority).toEqual({
      oid: '1.3.6.1.4.1.99999.1.1',
      name: 'National eHealth patient identifier',
      namespaceId: 'NATPID',
      kind: 'national',
    });
  });

  it('does not keep a reference to the caller’s objects', () => {
    const json = shipped() as { valueSets: { classCode: { code: string }[] } };
    const d = parseAffinityDomain(json);
    json.valueSets.classCode[0]!.code = 'changed';
    expect(d.valueSets.classCode[0]!.code).toBe('18842-5');
  });

  it('collects every problem of the file in one error, each with its JSON path', () => {
    const json = shipped() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    json.homeCommunityId = '1.2.3';
    json.repositories[1].repositoryUniqueId = 'repo-2';
    json.valueSets.typeCode[3].displayName = '';
    delete json.valueSets.formatCode[0].codeSystem;
    json.extra = true;
    expect(problemsOf(json).map((p) => p.path)).toEqual([
      '$.extra',
      '$.homeCommunityId',
      '$.repositories[1].repositoryUniqueId',
      '$.valueSets.typeCode[3].displayName',
      '$.valueSets.formatCode[0].codeSystem',
    ]);
  });

  it('names each problem in the message, one per line, without echoing values', () => {
    const err = (() => {
      try {
        parseAffinityDomain({ ...shipped(), homeCommunityId: 'secret-looking-value' });
      } catch (e) {
        return e as AffinityDomainError;
      }
      throw new Error('expected an error');
    })();
    expect(err.name).toBe('AffinityDomainError');
    expect(err.message).toBe(
      'invalid affinity domain (1 problem):\n  $.homeCommunityId: must be urn:oid: followed by an OID',
    );
    expect(err.message).not.toContain('secret-looking-value');
  });

  it('reports non-objects at the root', () => {
    expect(problemsOf(null)).toEqual([{ path: '$', message: 'must be an object' }]);
    expect(problemsOf('{}')).toEqual([{ path: '$', message: 'must be an object' }]);
  });

  it('quotes property names that are not identifiers in paths', () => {
    expect(problemsOf({ ...shipped(), 'my key': 1 }).map((p) => p.path)).toEqual(['$["my key"]']);
  });

  it('counts maxLength in code points, as JSON Schema does', () => {
    const json = shipped() as { name: string };
    json.name = '😀'.repeat(256); // 512 UTF-16 units, 256 code points: allowed
    expect(parseAffinityDomain(json).name).toHaveLength(512);
    json.name = '😀'.repeat(257);
    expect(problemsOf(json)).toEqual([{ path: '$.name', message: 'must be at most 256 characters' }]);
  });

  it('leaves optional value sets absent rather than empty', () => {
    const json = shipped() as { valueSets: Record<string, unknown> };
    delete json.valueSets.eventCodeList;
    delete json.valueSets.mimeType;
    const d = parseAffinityDomain(json);
    expect(d.valueSets.eventCodeList).toBeUndefined();
    expect('mimeType' in d.valueSets).toBe(false);
  });
});
