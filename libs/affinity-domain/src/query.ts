/**
 * Lookups the registry, repository and MPI make against the configured affinity domain.
 * The domain stays a plain JSON-shaped value; each lookup goes through an index built once
 * per domain object and cached, so a check costs a few Map lookups at any value-set size.
 */
import type { AffinityDomain, AssigningAuthority, Code, CodedAttribute, Repository } from './model.js';
import { CODED_ATTRIBUTES, CODED_ATTRIBUTE_NAMES } from './model.js';

interface Index {
  /** attribute -> codingScheme -> code -> Code; absent attribute = unconstrained. */
  readonly codes: ReadonlyMap<CodedAttribute, ReadonlyMap<string, ReadonlyMap<string, Code>>>;
  readonly authorities: ReadonlyMap<string, AssigningAuthority>;
  readonly repositories: ReadonlyMap<string, Repository>;
  readonly mimeTypes?: ReadonlySet<string>;
  readonly languageRanges?: readonly string[];
}

const indexes = new WeakMap<AffinityDomain, Index>();

function indexOf(domain: AffinityDomain): Index {
  const cached = indexes.get(domain);
  if (cached) return cached;
  const codes = new Map<CodedAttribute, Map<string, Map<string, Code>>>();
  for (const attribute of CODED_ATTRIBUTE_NAMES) {
    const set = domain.valueSets[attribute];
    if (!set) continue;
    const bySystem = new Map<string, Map<string, Code>>();
    for (const c of set) {
      let byCode = bySystem.get(c.codeSystem);
      if (!byCode) bySystem.set(c.codeSystem, (byCode = new Map<string, Code>()));
      byCode.set(c.code, c);
    }
    codes.set(attribute, bySystem);
  }
  const authorities = new Map<string, AssigningAuthority>();
  for (const a of [domain.patientIdAuthority, ...domain.assigningAuthorities]) authorities.set(a.oid, a);
  const index: Index = {
    codes,
    authorities,
    repositories: new Map(domain.repositories.map((r) => [r.repositoryUniqueId, r])),
    ...(domain.valueSets.mimeType
      ? { mimeTypes: new Set(domain.valueSets.mimeType.map((m) => m.toLowerCase())) }
      : {}),
    ...(domain.valueSets.languageCode
      ? { languageRanges: domain.valueSets.languageCode.map((l) => l.toLowerCase()) }
      : {}),
  };
  indexes.set(domain, index);
  return index;
}

/** Whether the domain gives a value set for the attribute (required ones always do). */
export function isConstrained(domain: AffinityDomain, attribute: CodedAttribute): boolean {
  return indexOf(domain).codes.has(attribute);
}

/**
 * The value set of an attribute, or undefined when the domain leaves that (optional)
 * attribute unconstrained.
 */
export function valueSet(domain: AffinityDomain, attribute: CodedAttribute): readonly Code[] | undefined {
  return domain.valueSets[attribute];
}

/**
 * The domain's entry for a (code, codingScheme) pair of an attribute, for its displayName;
 * undefined when not in the value set or the attribute is unconstrained.
 */
export function findCode(
  domain: AffinityDomain,
  attribute: CodedAttribute,
  code: string,
  codingScheme: string,
): Code | undefined {
  return indexOf(domain).codes.get(attribute)?.get(codingScheme)?.get(code);
}

/**
 * Whether a Classification's nodeRepresentation (`code`) and codingScheme slot are
 * acceptable for the attribute (ITI TF-3 4.2.3.1.2; unknown codes are
 * XDSRegistryMetadataError for the caller to report). Both are compared exactly: codes are
 * case-sensitive and the scheme is the string the slot carries. True for an attribute the
 * domain leaves unconstrained.
 */
export function isAllowedCode(
  domain: AffinityDomain,
  attribute: CodedAttribute,
  code: string,
  codingScheme: string,
): boolean {
  return allowedCode(indexOf(domain), attribute, code, codingScheme);
}

function allowedCode(index: Index, attribute: CodedAttribute, code: string, codingScheme: string): boolean {
  const bySystem = index.codes.get(attribute);
  return bySystem === undefined || bySystem.get(codingScheme)?.has(code) === true;
}

/**
 * Whether DocumentEntry.mimeType is acceptable (ITI TF-3 4.2.3.2.14). Media types are
 * case-insensitive (RFC 6838 4.2); a value carrying parameters (`; charset=...`) does not match.
 * True when the domain lists no mime types.
 */
export function isAllowedMimeType(domain: AffinityDomain, mimeType: string): boolean {
  return allowedMimeType(indexOf(domain), mimeType);
}

function allowedMimeType(index: Index, mimeType: string): boolean {
  const set = index.mimeTypes;
  return set === undefined || set.has(mimeType.toLowerCase());
}

/**
 * Whether DocumentEntry.languageCode is acceptable (ITI TF-3 4.2.3.2.12). Each configured
 * entry is a language range matched by RFC 4647 3.3.1 basic filtering: `fr` accepts `fr` and
 * `fr-LU`, not `fra`; case-insensitive. True when the domain lists no language codes.
 */
export function isAllowedLanguageCode(domain: AffinityDomain, languageCode: string): boolean {
  return allowedLanguageCode(indexOf(domain), languageCode);
}

function allowedLanguageCode(index: Index, languageCode: string): boolean {
  const ranges = index.languageRanges;
  if (ranges === undefined) return true;
  const tag = languageCode.toLowerCase();
  for (const r of ranges)
    if (tag === r || (tag.length > r.length && tag.charCodeAt(r.length) === HYPHEN && tag.startsWith(r)))
      return true;
  return false;
}

const HYPHEN = 0x2d;

/** Whether an OID is the national patient-id authority or one of the known local ones. */
export function isKnownAssigningAuthority(domain: AffinityDomain, oid: string): boolean {
  return indexOf(domain).authorities.has(oid);
}

/** The authority (national or local) with that OID. */
export function assigningAuthority(domain: AffinityDomain, oid: string): AssigningAuthority | undefined {
  return indexOf(domain).authorities.get(oid);
}

/** Whether a repositoryUniqueId belongs to one of the domain's repositories. */
export function isKnownRepository(domain: AffinityDomain, repositoryUniqueId: string): boolean {
  return indexOf(domain).repositories.has(repositoryUniqueId);
}

/** A patient id in the XDS CX form, split. */
export interface XdsPatientId {
  /** CX.1 */
  readonly id: string;
  /** CX.4.2, the assigning authority's OID. */
  readonly assigningAuthority: string;
}

const CX_OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;
/** Subcomponent, repetition and escape characters, which a plain CX.1 does not carry. */
const CX_ID_SPECIAL = /[&~\\]/;

/**
 * Parses the CX form XDS uses for patient ids, `id^^^&OID&ISO` (ITI TF-3 4.2.3.1.7, Table
 * 4.2.3.1.7-2): only CX.1 and CX.4 are valued, CX.4 has an empty HD-1, an OID in HD-2 and
 * `ISO` in HD-3. Returns undefined for anything else (other components, escapes, repetitions).
 */
export function parseXdsPatientId(cx: string): XdsPatientId | undefined {
  // The separators found with indexOf: no arrays of parts per call.
  const caret1 = cx.indexOf('^');
  const caret2 = caret1 < 0 ? -1 : cx.indexOf('^', caret1 + 1);
  const caret3 = caret2 < 0 ? -1 : cx.indexOf('^', caret2 + 1);
  if (caret3 < 0 || cx.indexOf('^', caret3 + 1) >= 0) return undefined;
  if (caret2 !== caret1 + 1 || caret3 !== caret2 + 1) return undefined;
  // CX.1 is a plain string: no subcomponents, repetitions, escapes or surrounding blanks.
  const id = cx.slice(0, caret1);
  if (id === '' || CX_ID_SPECIAL.test(id) || id.trim() !== id) return undefined;
  // CX.4 is &OID&ISO: exactly two '&', the first right after the last '^'.
  const amp1 = cx.indexOf('&', caret3 + 1);
  const amp2 = amp1 < 0 ? -1 : cx.indexOf('&', amp1 + 1);
  if (amp1 !== caret3 + 1 || amp2 < 0 || cx.length !== amp2 + 4 || !cx.endsWith('ISO')) return undefined;
  const oid = cx.slice(amp1 + 1, amp2);
  if (oid.length > 64 || !CX_OID.test(oid)) return undefined;
  return { id, assigningAuthority: oid };
}

/** Whether a CX patient id is well-formed and issued by the domain's national authority. */
export function isAffinityDomainPatientId(domain: AffinityDomain, cx: string): boolean {
  return parseXdsPatientId(cx)?.assigningAuthority === domain.patientIdAuthority.oid;
}

/** The CX form of a national patient id: `id^^^&<national OID>&ISO`. */
export function affinityDomainPatientId(domain: AffinityDomain, id: string): string {
  return `${id}^^^&${domain.patientIdAuthority.oid}&ISO`;
}

/** What GET /api/affinity-domain serves: what the mesh accepts, for vendors and test tools. */
export interface AffinityDomainPublicView {
  readonly name: string;
  readonly description?: string;
  readonly version?: string;
  readonly homeCommunityId: string;
  readonly patientIdAuthority: AssigningAuthority;
  readonly assigningAuthorities: readonly AssigningAuthority[];
  readonly repositoryUniqueIds: readonly string[];
  readonly repositories: readonly { readonly repositoryUniqueId: string; readonly name: string }[];
  /** Value set per coded attribute, with the object and classificationScheme it applies to. */
  readonly valueSets: {
    readonly [A in CodedAttribute]: {
      readonly object: string;
      readonly classificationScheme: string;
      /** False: any code is accepted for this attribute. */
      readonly constrained: boolean;
      readonly codes: readonly Code[];
    };
  };
  /** Accepted mime types, or null when any is. */
  readonly mimeTypes: readonly string[] | null;
  /** Accepted language ranges, or null when any language is. */
  readonly languageCodes: readonly string[] | null;
}

/**
 * The read-only view served at GET /api/affinity-domain. Repository URLs are left out: they
 * are internal addresses, and vendors reach repositories through the mesh's published ports.
 */
export function publicView(domain: AffinityDomain): AffinityDomainPublicView {
  return {
    name: domain.name,
    ...(domain.description === undefined ? {} : { description: domain.description }),
    ...(domain.version === undefined ? {} : { version: domain.version }),
    homeCommunityId: domain.homeCommunityId,
    patientIdAuthority: domain.patientIdAuthority,
    assigningAuthorities: domain.assigningAuthorities,
    repositoryUniqueIds: domain.repositories.map((r) => r.repositoryUniqueId),
    repositories: domain.repositories.map((r) => ({
      repositoryUniqueId: r.repositoryUniqueId,
      name: r.name,
    })),
    valueSets: Object.fromEntries(
      CODED_ATTRIBUTE_NAMES.map((attribute) => {
        const set = domain.valueSets[attribute];
        const spec = CODED_ATTRIBUTES[attribute];
        return [
          attribute,
          {
            object: spec.object,
            classificationScheme: spec.classificationScheme,
            constrained: set !== undefined,
            codes: set ?? [],
          },
        ];
      }),
    ) as AffinityDomainPublicView['valueSets'],
    mimeTypes: domain.valueSets.mimeType ?? null,
    languageCodes: domain.valueSets.languageCode ?? null,
  };
}

/** The coded attribute whose Classification uses this classificationScheme, if any. */
export function attributeOfClassificationScheme(scheme: string): CodedAttribute | undefined {
  return CODED_ATTRIBUTE_NAMES.find((a) => CODED_ATTRIBUTES[a].classificationScheme === scheme);
}

/** The lookups of one domain as plain functions (no `this`), e.g. for a metadata validator's policy. */
export interface AffinityDomainLookups {
  readonly isAllowedCode: (attribute: CodedAttribute, code: string, codingScheme: string) => boolean;
  readonly isAffinityDomainPatientId: (cx: string) => boolean;
  readonly isKnownAssigningAuthority: (oid: string) => boolean;
  readonly isKnownRepository: (repositoryUniqueId: string) => boolean;
  readonly isAllowedMimeType: (mimeType: string) => boolean;
  readonly isAllowedLanguageCode: (languageCode: string) => boolean;
}

const bound = new WeakMap<AffinityDomain, AffinityDomainLookups>();

/**
 * Binds the lookups to one domain. The result fits the affinity-domain half of
 * @mesh/xds-validation's MetadataPolicy as is (same names and signatures). Built once per
 * domain object and cached, like the index (the registry asks for it per submission); frozen,
 * since every caller shares it.
 */
export function lookupsFor(domain: AffinityDomain): AffinityDomainLookups {
  const cached = bound.get(domain);
  if (cached) return cached;
  // The index is the one the domain-taking functions use: the same answers, without a
  // WeakMap look-up per call.
  const index = indexOf(domain);
  const lookups: AffinityDomainLookups = Object.freeze({
    isAllowedCode: (attribute: CodedAttribute, code: string, codingScheme: string) =>
      allowedCode(index, attribute, code, codingScheme),
    isAffinityDomainPatientId: (cx: string) => isAffinityDomainPatientId(domain, cx),
    isKnownAssigningAuthority: (oid: string) => index.authorities.has(oid),
    isKnownRepository: (uid: string) => index.repositories.has(uid),
    isAllowedMimeType: (mimeType: string) => allowedMimeType(index, mimeType),
    isAllowedLanguageCode: (languageCode: string) => allowedLanguageCode(index, languageCode),
  });
  bound.set(domain, lookups);
  return lookups;
}
