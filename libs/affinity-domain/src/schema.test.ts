/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- the variants mutate JSON fixtures of any shape */
/**
 * schemas/affinity-domain.schema.json and parseAffinityDomain must agree: the shipped
 * default (and a variant of it) passes both, and each broken variant is rejected by both at
 * the same place. What the schema cannot express (duplicates) is rejected by parseAffinityDomain alone.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { AffinityDomainError, parseAffinityDomain } from './parse.js';
import { DEFAULT_AFFINITY_DOMAIN_URL } from './files.js';
import { CODED_ATTRIBUTES, CODED_ATTRIBUTE_NAMES } from './model.js';

const SCHEMA_PATH = fileURLToPath(new URL('../../../schemas/affinity-domain.schema.json', import.meta.url));
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

const readJson = (url: URL): unknown => JSON.parse(readFileSync(url, 'utf8'));
const defaultJson = readJson(DEFAULT_AFFINITY_DOMAIN_URL) as Record<string, any>;
/**
 * The default with the optional sets the other way round (associationDocumentation
 * constrained, mimeType and languageCode absent, a one-code classCode): both must accept it.
 */
const optionalSetsVariant = (() => {
  const d = structuredClone(defaultJson);
  d.valueSets.associationDocumentation = [{ code: 'R', codeSystem: '1.2.3.4', displayName: 'Reason' }];
  d.valueSets.classCode = [{ code: 'VAR-1', codeSystem: '1.2.3.5', displayName: 'Variant class' }];
  delete d.valueSets.mimeType;
  delete d.valueSets.languageCode;
  return d;
})();
const valid = { default: defaultJson, 'default with the optional sets swapped': optionalSetsVariant };

/** `$.a.b[2]["c d"]` -> `/a/b/2/c d` (JSON Pointer, as ajv reports instancePath). */
function toPointer(path: string): string {
  const segments: string[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.slice(1).matchAll(re)) segments.push(m[1] ?? m[2] ?? (JSON.parse(m[3]!) as string));
  return segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Where ajv places each error: the instance path, plus the named property for required/additional. */
function ajvLocations(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => {
    const p = e.params as { missingProperty?: string; additionalProperty?: string };
    const extra = p.missingProperty ?? p.additionalProperty;
    return extra === undefined ? e.instancePath : `${e.instancePath}/${extra}`;
  });
}

function parseProblems(value: unknown): string[] {
  try {
    parseAffinityDomain(value);
    return [];
  } catch (e) {
    if (!(e instanceof AffinityDomainError)) throw e;
    return e.problems.map((p) => toPointer(p.path));
  }
}

/** A minimal valid domain: only what the schema requires. */
function minimal(): Record<string, any> {
  const code = { code: 'X', codeSystem: '1.2.3', displayName: 'X' };
  return {
    name: 'Test domain',
    homeCommunityId: 'urn:oid:1.2.3.1',
    patientIdAuthority: { oid: '1.2.3.2', name: 'National' },
    assigningAuthorities: [],
    repositories: [{ repositoryUniqueId: '1.2.3.3', name: 'Repo' }],
    valueSets: Object.fromEntries(
      CODED_ATTRIBUTE_NAMES.filter((a) => CODED_ATTRIBUTES[a].required).map((a) => [a, [{ ...code }]]),
    ),
  };
}

function variant(change: (d: Record<string, any>) => void, base: () => Record<string, any> = minimal) {
  const d = base();
  change(d);
  return d;
}

describe('the shipped default and a variant of it', () => {
  it.each(Object.entries(valid))(
    '%s is valid under the JSON Schema and parseAffinityDomain',
    (_name, json) => {
      expect(ajvLocations(json)).toEqual([]);
      expect(parseProblems(json)).toEqual([]);
    },
  );

  it('the default constrains every coded attribute, mime types and languages', () => {
    const d = parseAffinityDomain(defaultJson);
    for (const a of CODED_ATTRIBUTE_NAMES.filter((x) => x !== 'associationDocumentation'))
      expect(d.valueSets[a]?.length, a).toBeGreaterThan(0);
    expect(d.valueSets.mimeType).toContain('application/pdf');
    expect(d.valueSets.languageCode).toContain('fr');
  });
});

describe('schema and parseAffinityDomain agree', () => {
  const full = () => structuredClone(defaultJson);
  const cases: [string, Record<string, any>, string][] = [
    ['missing homeCommunityId', variant((d) => delete d.homeCommunityId), '$.homeCommunityId'],
    ['homeCommunityId without urn:oid:', variant((d) => (d.homeCommunityId = '1.2.3')), '$.homeCommunityId'],
    [
      'OID with a leading zero',
      variant((d) => (d.repositories[0].repositoryUniqueId = '1.02.3')),
      '$.repositories[0].repositoryUniqueId',
    ],
    [
      'OID longer than 64 characters (ITI TF-3 4.2.3.1.5)',
      variant((d) => (d.patientIdAuthority.oid = `1.2.${'1234567890.'.repeat(6)}1`)),
      '$.patientIdAuthority.oid',
    ],
    ['unknown top-level property', variant((d) => (d.homeCommunityID = 'urn:oid:1.2')), '$.homeCommunityID'],
    ['empty required value set', variant((d) => (d.valueSets.classCode = [])), '$.valueSets.classCode'],
    [
      'missing required value set',
      variant((d) => delete d.valueSets.confidentialityCode),
      '$.valueSets.confidentialityCode',
    ],
    ['unknown value set', variant((d) => (d.valueSets.authorRole = [])), '$.valueSets.authorRole'],
    [
      'code without codeSystem',
      variant((d) => delete d.valueSets.typeCode[0].codeSystem),
      '$.valueSets.typeCode[0].codeSystem',
    ],
    [
      'code with an unknown property',
      variant((d) => (d.valueSets.typeCode[0].system = 'http://loinc.org'), full),
      '$.valueSets.typeCode[0].system',
    ],
    [
      'displayName with a trailing space',
      variant((d) => (d.valueSets.formatCode[0].displayName = 'PDF '), full),
      '$.valueSets.formatCode[0].displayName',
    ],
    [
      'code that is a number',
      variant((d) => (d.valueSets.classCode[0].code = 42)),
      '$.valueSets.classCode[0].code',
    ],
    [
      'mime type without subtype',
      variant((d) => (d.valueSets.mimeType[1] = 'pdf'), full),
      '$.valueSets.mimeType[1]',
    ],
    [
      'language tag with an underscore',
      variant((d) => (d.valueSets.languageCode[0] = 'fr_LU'), full),
      '$.valueSets.languageCode[0]',
    ],
    [
      'authority kind outside the enumeration',
      variant((d) => (d.assigningAuthorities[0].kind = 'clinic'), full),
      '$.assigningAuthorities[0].kind',
    ],
    [
      'namespace id with a space',
      variant((d) => (d.assigningAuthorities[0].namespaceId = 'CITY HOSP'), full),
      '$.assigningAuthorities[0].namespaceId',
    ],
    ['no repository', variant((d) => (d.repositories = [])), '$.repositories'],
    [
      'repository url that is not a URI',
      variant((d) => (d.repositories[0].url = 'not a uri')),
      '$.repositories[0].url',
    ],
    [
      'assigningAuthorities not an array',
      variant((d) => (d.assigningAuthorities = {})),
      '$.assigningAuthorities',
    ],
    ['description that is a number', variant((d) => (d.description = 7)), '$.description'],
    ['root that is an array', [], '$'],
  ];

  it.each(cases)('%s', (_name, value, path) => {
    const pointer = toPointer(path);
    expect(ajvLocations(value)).toContain(pointer);
    expect(parseProblems(value)).toContain(pointer);
  });

  it('both accept the minimal domain and a repository url', () => {
    const v = variant((d) => (d.repositories[0].url = 'https://repo.example/xds/repository'));
    expect(ajvLocations(minimal())).toEqual([]);
    expect(parseProblems(minimal())).toEqual([]);
    expect(ajvLocations(v)).toEqual([]);
    expect(parseProblems(v)).toEqual([]);
  });
});

describe('what only parseAffinityDomain rejects (the schema cannot express it)', () => {
  const cases: [string, Record<string, any>, string][] = [
    [
      'the same code and codeSystem twice',
      variant((d) =>
        d.valueSets.classCode.push({ code: 'X', codeSystem: '1.2.3', displayName: 'Other name' }),
      ),
      '$.valueSets.classCode[1]',
    ],
    [
      'a local authority with the national OID',
      variant((d) => d.assigningAuthorities.push({ oid: '1.2.3.2', name: 'Hospital' })),
      '$.assigningAuthorities[0].oid',
    ],
    [
      'two authorities with one namespace id',
      variant((d) => {
        d.patientIdAuthority.namespaceId = 'NAT';
        d.assigningAuthorities.push({ oid: '1.2.3.9', name: 'Hospital', namespaceId: 'NAT' });
      }),
      '$.assigningAuthorities[0].namespaceId',
    ],
    [
      'two repositories with one repositoryUniqueId',
      variant((d) => d.repositories.push({ repositoryUniqueId: '1.2.3.3', name: 'Other' })),
      '$.repositories[1].repositoryUniqueId',
    ],
    [
      'a mime type listed twice in different case',
      variant((d) => (d.valueSets.mimeType = ['text/xml', 'Text/XML'])),
      '$.valueSets.mimeType[1]',
    ],
  ];

  it.each(cases)('%s', (_name, value, path) => {
    expect(ajvLocations(value)).toEqual([]);
    expect(parseProblems(value)).toEqual([toPointer(path)]);
  });
});
