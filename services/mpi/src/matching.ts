/**
 * Identity matching (ADR 0012). Deterministic on the national identifier; otherwise a
 * weighted score over normalised demographics, in [0, 1]:
 *
 * - names are normalised (accents stripped, upper case, punctuation and compound-name
 *   separators folded) and compared by exact key, token overlap (compound names: "MARTIN
 *   DUPONT" ~ "DUPONT"), Jaro-Winkler similarity (typos) and a phonetic key (MEYER ~ MAIER,
 *   MÜLLER ~ MUELLER); family and given names swapped are recognised with a small penalty;
 * - birth date exact, or one part off / day and month swapped (data entry errors);
 * - sex must agree when both are known (different sex weighs heavily against);
 * - address: postal code and normalised street.
 *
 * Twins share family name, birth date and address; their given names differ, which keeps
 * them below the link threshold (at most a potential duplicate for review).
 */

/** A person name as the MPI keeps it (HL7 XPN / HL7 V3 PN reduced to what matching needs). */
export interface PersonName {
  readonly family: string;
  /** Given names in order (first, then second/middle). */
  readonly given: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
  /** HL7 table 0200 name type: L legal, B birth (maiden), M maiden, A alias, D display... */
  readonly use?: string;
}

/** A postal address. */
export interface Address {
  readonly street?: string;
  readonly other?: string;
  readonly city?: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly country?: string;
  /** HL7 table 0190: H home, B business... */
  readonly use?: string;
}

/** Patient demographics, transport-neutral (HL7v2 PID and HL7 V3 patientPerson both map to it). */
export interface Demographics {
  readonly names: readonly PersonName[];
  /** YYYY-MM-DD (or YYYY-MM / YYYY when only that is known). */
  readonly birthDate?: string;
  /** HL7 administrative sex: M, F, O, U, A, N. */
  readonly sex?: string;
  readonly addresses?: readonly Address[];
  readonly telecoms?: readonly string[];
  readonly mothersMaidenName?: string;
  readonly multipleBirthIndicator?: boolean;
  readonly birthOrder?: number;
}

/**
 * A bounded memo for the string normalisations: matching a feed scores tens of candidates
 * that share a few common names, and the regular expressions dominate the cost otherwise.
 */
function memo(fn: (s: string) => string): (s: string) => string {
  const cache = new Map<string, string>();
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      if (cache.size >= 50_000) cache.clear();
      v = fn(s);
      cache.set(s, v);
    }
    return v;
  };
}

/** Upper case, accents stripped, every non-letter a space, spaces collapsed. */
export const normaliseText: (s: string) => string = memo((s) =>
  s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'SS')
    .replace(/Æ|æ/g, 'AE')
    .replace(/Œ|œ/g, 'OE')
    .replace(/Ø|ø/g, 'O')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim(),
);

/** The search key of a name: normalised, compound parts joined ("JEAN-PIERRE" -> "JEANPIERRE"). */
export const nameKey: (s: string) => string = memo((s) => normaliseText(s).replace(/ /g, ''));

const tokenCache = new Map<string, readonly string[]>();
/** Name tokens (compound names split on spaces and hyphens), particles kept. */
export function nameTokens(s: string): readonly string[] {
  let v = tokenCache.get(s);
  if (v === undefined) {
    if (tokenCache.size >= 50_000) tokenCache.clear();
    v = Object.freeze(
      normaliseText(s)
        .split(' ')
        .filter((t) => t !== ''),
    );
    tokenCache.set(s, v);
  }
  return v;
}

/**
 * A phonetic key tuned for the western European names of the domain (French, German,
 * Luxembourgish, Portuguese): transliterations folded (UE->U, PH->F, SCH/CH/SH->S, C->K/S,
 * Z->S, W->V, Y->I, TH->T, GN->N, QU->K), silent H dropped, doubled letters collapsed and
 * vowels after the first letter removed. Equal keys mean "sounds alike", not "same".
 */
export const phoneticKey: (s: string) => string = memo(phoneticKeyOf);

/** Transliteration rules of {@link phoneticKey}, applied in order. */
const PHONETIC_RULES: readonly (readonly [RegExp, string])[] = [
  [/AE/g, 'E'],
  [/OE/g, 'E'],
  [/UE/g, 'U'],
  [/PH/g, 'F'],
  [/SCH/g, 'S'],
  [/CH/g, 'S'],
  [/SH/g, 'S'],
  [/QU/g, 'K'],
  [/CK/g, 'K'],
  [/C(?=[EIY])/g, 'S'],
  [/C/g, 'K'],
  [/Q/g, 'K'],
  [/GN/g, 'N'],
  [/TH/g, 'T'],
  [/DT/g, 'T'],
  [/Z/g, 'S'],
  [/X/g, 'KS'],
  [/W/g, 'V'],
  [/Y/g, 'I'],
  [/(?<=.)H/g, ''],
  [/(.)\1+/g, '$1'],
];

function phoneticKeyOf(s: string): string {
  const k = PHONETIC_RULES.reduce((acc, [re, to]) => acc.replace(re, to), nameKey(s));
  if (k === '') return '';
  const first = k[0] as string;
  const rest = k
    .slice(1)
    .replace(/[AEIOU]/g, '')
    .replace(/(.)\1+/g, '$1');
  // Trailing silent letters of French names (DUPONT ~ DUPON, RENAUD ~ RENAU).
  return (first + rest).replace(/(?<=..)[TDSX]$/, '');
}

/** What scoring needs of one name string, normalised once per distinct string. */
interface NameInfo {
  readonly key: string;
  readonly tokens: readonly string[];
  readonly phonetic: string;
}

const NO_NAME: NameInfo = Object.freeze({ key: '', tokens: Object.freeze([]), phonetic: '' });
const nameInfoCache = new Map<string, NameInfo>();
/** {@link nameKey}, {@link nameTokens} and {@link phoneticKey} of a string in one look-up. */
function nameInfo(s: string): NameInfo {
  if (s === '') return NO_NAME;
  let v = nameInfoCache.get(s);
  if (v === undefined) {
    if (nameInfoCache.size >= 50_000) nameInfoCache.clear();
    v = { key: nameKey(s), tokens: nameTokens(s), phonetic: phoneticKey(s) };
    nameInfoCache.set(s, v);
  }
  return v;
}

/** Scratch match flags of {@link jaroWinkler}, reused across calls (no allocation per pair). */
let jwA = new Uint8Array(64);
let jwB = new Uint8Array(64);

/** Jaro-Winkler similarity in [0, 1]. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a === '' ? 0 : 1;
  if (a === '' || b === '') return 0;
  const range = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  if (jwA.length < a.length) jwA = new Uint8Array(a.length * 2);
  if (jwB.length < b.length) jwB = new Uint8Array(b.length * 2);
  const am = jwA.fill(0, 0, a.length);
  const bm = jwB.fill(0, 0, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - range); j < Math.min(b.length, i + range + 1); j++) {
      if (bm[j] || a[i] !== b[j]) continue;
      am[i] = bm[j] = 1;
      m++;
      break;
    }
  }
  if (m === 0) return 0;
  let t = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!am[i]) continue;
    while (!bm[k]) k++;
    if (a[i] !== b[k]) t++;
    k++;
  }
  const jaro = (m / a.length + m / b.length + (m - t / 2) / m) / 3;
  let p = 0;
  while (p < 4 && a[p] === b[p]) p++;
  return jaro + p * 0.1 * (1 - jaro);
}

/** Similarity of two name strings in [0, 1], compound names and phonetics considered. */
export function nameSimilarity(a: string, b: string): number {
  return infoSimilarity(nameInfo(a), nameInfo(b));
}

function infoSimilarity(a: NameInfo, b: NameInfo): number {
  const ka = a.key;
  const kb = b.key;
  if (ka === '' || kb === '') return 0;
  if (ka === kb) return 1;
  const ta = a.tokens;
  const tb = b.tokens;
  // Compound names: one name entirely contained in the other ("MARTIN DUPONT" ~ "DUPONT").
  let shared = 0;
  for (const t of ta) if (t.length > 1 && tb.includes(t)) shared++;
  const tokenScore = shared > 0 ? 0.85 + 0.1 * (shared / Math.max(ta.length, tb.length)) : 0;
  const phonetic = a.phonetic === b.phonetic ? 0.9 : 0;
  const jw = jaroWinkler(ka, kb);
  const typo = jw >= 0.9 ? jw * 0.95 : jw * 0.6;
  return Math.max(tokenScore, phonetic, typo);
}

/** Matching weights and thresholds. */
export interface MatchPolicy {
  /** Score at or above which a source identity is linked automatically. */
  readonly linkThreshold: number;
  /** Score at or above which (and below link) it becomes a potential duplicate for review. */
  readonly reviewThreshold: number;
}

export const DEFAULT_MATCH_POLICY: MatchPolicy = { linkThreshold: 0.92, reviewThreshold: 0.75 };

/** What the score is made of, for the vigilance worklist. */
export interface MatchBreakdown {
  readonly score: number;
  readonly family: number;
  readonly given: number;
  readonly birthDate: number;
  readonly sex: number;
  readonly address: number;
  readonly swappedNames: boolean;
}

function primaryName(d: Demographics): PersonName | undefined {
  return (
    d.names.find((n) => n.use === 'L') ?? d.names.find((n) => n.use !== 'B' && n.use !== 'M') ?? d.names[0]
  );
}

function birthName(d: Demographics): PersonName | undefined {
  return d.names.find((n) => n.use === 'B' || n.use === 'M');
}

function dateScore(a?: string, b?: string): number {
  if (!a || !b) return 0.5;
  if (a === b) return 1;
  if (a.length !== 10 || b.length !== 10) return a.slice(0, 4) === b.slice(0, 4) ? 0.6 : 0;
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  if (ya === yb && ma === db && da === mb) return 0.8; // day and month swapped
  const same = Number(ya === yb) + Number(ma === mb) + Number(da === db);
  if (same === 2) {
    // One part off: a single-digit typo is plausible, a different year of a same day less so.
    const diff = ya !== yb ? [ya, yb] : ma !== mb ? [ma, mb] : [da, db];
    const [x, y] = diff as [string, string];
    let d = 0;
    for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) d++;
    return d === 1 ? 0.75 : 0.4;
  }
  return 0;
}

/** An address as scoring compares it: normalised keys, undefined where the value is absent. */
interface AddressKeys {
  readonly zip: string | undefined;
  readonly street: string | undefined;
  readonly city: string | undefined;
}

/** What scoring reads of one demographics record, normalised once (a feed is scored against every candidate). */
interface MatchProfile {
  readonly family: NameInfo;
  /** The given names joined by spaces, and whether there are any. */
  readonly given: NameInfo;
  readonly hasGiven: boolean;
  /** The first token of the given names. */
  readonly firstGiven: NameInfo;
  /** The birth (maiden) family name, when one is recorded (PID-5 type B / M). */
  readonly birthFamily: NameInfo | undefined;
  readonly birthDate: string | undefined;
  /** Administrative sex when known (U is unknown). */
  readonly sex: string | undefined;
  readonly addresses: readonly AddressKeys[];
}

function profileOf(d: Demographics): MatchProfile {
  const n = primaryName(d);
  const ga = n?.given.join(' ') ?? '';
  const birth = birthName(d)?.family;
  return {
    family: nameInfo(n?.family ?? ''),
    given: nameInfo(ga),
    hasGiven: ga !== '',
    firstGiven: nameInfo(nameTokens(ga)[0] ?? ''),
    birthFamily: birth ? nameInfo(birth) : undefined,
    birthDate: d.birthDate,
    sex: d.sex && d.sex !== 'U' ? d.sex : undefined,
    addresses: (d.addresses ?? []).map((x) => ({
      zip: x.postalCode ? nameKey(x.postalCode) : undefined,
      street: x.street ? nameKey(x.street) : undefined,
      city: x.city ? nameKey(x.city) : undefined,
    })),
  };
}

function addressScore(a: MatchProfile, b: MatchProfile): number {
  if (a.addresses.length === 0 || b.addresses.length === 0) return 0.5;
  let best = 0;
  for (const x of a.addresses)
    for (const y of b.addresses) {
      const zip = x.zip !== undefined && y.zip !== undefined ? (x.zip === y.zip ? 1 : 0) : 0.5;
      const street = x.street !== undefined && y.street !== undefined ? jaroWinkler(x.street, y.street) : 0.5;
      const city = x.city !== undefined && y.city !== undefined ? (x.city === y.city ? 1 : 0) : 0.5;
      best = Math.max(best, 0.4 * zip + 0.4 * street + 0.2 * city);
    }
  return best;
}

const W = { family: 0.3, given: 0.25, birthDate: 0.25, sex: 0.08, address: 0.12 };

/**
 * Scores how likely two sets of demographics describe the same person. Different known
 * sex, or a clearly different birth date or given name caps the score, whatever the rest.
 */
export function matchScore(a: Demographics, b: Demographics): MatchBreakdown {
  return scoreProfiles(profileOf(a), profileOf(b));
}

/** {@link matchScore} of `a` against many records: `a` is normalised once. */
export function matchScorer(a: Demographics): (b: Demographics) => MatchBreakdown {
  const pa = profileOf(a);
  return (b) => scoreProfiles(pa, profileOf(b));
}

function scoreProfiles(a: MatchProfile, b: MatchProfile): MatchBreakdown {
  let family = Math.max(infoSimilarity(a.family, b.family), crossBirthName(a, b));
  let given = !a.hasGiven || !b.hasGiven ? 0.5 : infoSimilarity(a.given, b.given);
  // Given names are often recorded only partly: "JEAN" vs "JEAN PIERRE" is the same person.
  if (a.hasGiven && b.hasGiven && given < 0.9) {
    const first = infoSimilarity(a.firstGiven, b.firstGiven);
    if (first === 1) given = Math.max(given, 0.9);
  }
  let swappedNames = false;
  const swapped = (infoSimilarity(a.family, b.given) + infoSimilarity(a.given, b.family)) / 2;
  if (swapped > (family + given) / 2 + 0.1 && swapped >= 0.9) {
    swappedNames = true;
    family = swapped * 0.95;
    given = swapped * 0.95;
  }
  const birthDate = dateScore(a.birthDate, b.birthDate);
  const sa = a.sex;
  const sb = b.sex;
  const sex = sa && sb ? (sa === sb ? 1 : 0) : 0.5;
  const address = addressScore(a, b);
  let score =
    W.family * family + W.given * given + W.birthDate * birthDate + W.sex * sex + W.address * address;
  if (sex === 0) score = Math.min(score, 0.6);
  if (birthDate === 0) score = Math.min(score, 0.7);
  if (given < 0.7) score = Math.min(score, 0.85); // twins, siblings: never an automatic link
  if (family < 0.6 && !swappedNames) score = Math.min(score, 0.8);
  return { score: Math.round(score * 1000) / 1000, family, given, birthDate, sex, address, swappedNames };
}

function crossBirthName(a: MatchProfile, b: MatchProfile): number {
  // A married name in one source and the birth name in another (PID-5 type B / PID-6).
  const ba = a.birthFamily;
  const bb = b.birthFamily;
  const s = Math.max(
    ba ? infoSimilarity(ba, b.family) : 0,
    bb ? infoSimilarity(a.family, bb) : 0,
    ba && bb ? infoSimilarity(ba, bb) : 0,
  );
  return s * 0.9;
}

/** What to do with a candidate score under a policy. */
export function decide(score: number, policy: MatchPolicy): 'link' | 'review' | 'new' {
  if (score >= policy.linkThreshold) return 'link';
  if (score >= policy.reviewThreshold) return 'review';
  return 'new';
}

/** Indexed search keys of a demographics record (the store's normalised columns). */
export function searchKeys(d: Demographics): {
  familyKey: string;
  givenKey: string;
  familyPhonetic: string;
  givenPhonetic: string;
} {
  const n = primaryName(d);
  // The first given name only: "PAUL HENRI" and "PAUL" share their key.
  const given = nameTokens(n?.given[0] ?? '')[0] ?? '';
  return {
    familyKey: nameKey(n?.family ?? ''),
    givenKey: nameKey(given),
    familyPhonetic: phoneticKey(n?.family ?? ''),
    givenPhonetic: phoneticKey(given),
  };
}
