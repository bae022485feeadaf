/**
 * Value formats of XDS metadata (ITI TF-3 Table 4.2.3.1.7-2 "Data Types" and the attribute
 * sections of 4.2.3.2 - 4.2.3.4). Each checker returns undefined when the value is valid, or a
 * short reason that becomes the context: the sender learns what is wrong, not only where.
 */
import type { Xcn, Xon, Xtn } from '@mesh/xds';

/** ISO OID in dotted notation, no leading zeros in arcs (ITI TF-3 Table 4.2.3.1.7-2 "OID"). */
const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/** OID of at most 64 characters (ITI TF-3 Table 4.2.3.1.7-2; 4.2.3.3.12, 4.2.3.4.8, 4.2.3.2.18). */
export function oidProblem(value: string): string | undefined {
  if (!OID.test(value)) return `'${value}' is not an OID in dotted notation`;
  if (value.length > 64) return `OID '${value}' is longer than 64 characters`;
  return undefined;
}

/** Blanks and HL7 delimiters, which a uniqueId extension does not carry. */
const EXTENSION_SPECIAL = /[\s^&~\\|]/;

/**
 * DocumentEntry.uniqueId (ITI TF-3 4.2.3.2.26): an OID, or `OID^extension` (the CDA id
 * root^extension), root at most 64 and extension at most 16 characters, 128 in all.
 */
export function documentUniqueIdProblem(value: string): string | undefined {
  if (value.length > 128) return `uniqueId is longer than 128 characters`;
  const caret = value.indexOf('^');
  if (caret < 0) return oidProblem(value);
  const root = value.slice(0, caret);
  const extension = value.slice(caret + 1);
  const rootProblem = oidProblem(root);
  if (rootProblem) return `root of uniqueId: ${rootProblem}`;
  if (extension === '' || extension.length > 16 || EXTENSION_SPECIAL.test(extension))
    return `extension '${extension}' of uniqueId must be 1 to 16 characters without blanks or HL7 delimiters`;
  return undefined;
}

const UUID_URN = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Whether a value is `urn:uuid:` + an RFC 4122 UUID in its string form. */
export function isUuidUrn(value: string): boolean {
  return UUID_URN.test(value);
}

/**
 * entryUUID / id (ITI TF-3 4.2.3.2.8, 4.2.3.1.5): a `urn:uuid:` UUID, or in a submission a
 * symbolic id, which must not look like a UUID URN and carries no blanks.
 */
export function entryUuidProblem(value: string): string | undefined {
  if (value === '') return 'entryUUID is empty';
  if (UUID_PREFIX.test(value))
    return isUuidUrn(value) ? undefined : `'${value}' is not urn:uuid: followed by an RFC 4122 UUID`;
  if (BLANK.test(value)) return `symbolic id '${value}' contains blanks`;
  return undefined;
}

const UUID_PREFIX = /^urn:uuid:/i;
const BLANK = /\s/;

/** homeCommunityId (ITI TF-3 4.2.3.2.12): `urn:oid:` + OID. */
export function homeCommunityIdProblem(value: string): string | undefined {
  if (!value.startsWith('urn:oid:')) return `homeCommunityId '${value}' is not urn:oid: followed by an OID`;
  return oidProblem(value.slice('urn:oid:'.length));
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DIGITS = /^\d+$/;

/**
 * The two-digit field of a DTM (all digits, of even length) starting at `from`, when the value
 * is that long.
 */
function dtmField(value: string, from: number): number | undefined {
  return value.length > from
    ? (value.charCodeAt(from) - 48) * 10 + value.charCodeAt(from + 1) - 48
    : undefined;
}

/**
 * DTM in UTC as XDS carries it (ITI TF-3 Table 4.2.3.1.7-2): YYYY[MM[DD[hh[mm[ss]]]]], no
 * zone, no fractions, and each field a real calendar/clock value.
 */
export function dtmProblem(value: string): string | undefined {
  const n = value.length;
  if (!DIGITS.test(value) || (n !== 4 && n !== 6 && n !== 8 && n !== 10 && n !== 12 && n !== 14))
    return `'${value}' is not a DTM: 4, 6, 8, 10, 12 or 14 digits (YYYY[MM[DD[hh[mm[ss]]]]]) in UTC`;
  const year = Number(value.slice(0, 4));
  const month = dtmField(value, 4);
  const day = dtmField(value, 6);
  const hour = dtmField(value, 8);
  const minute = dtmField(value, 10);
  const second = dtmField(value, 12);
  if (month !== undefined && (month < 1 || month > 12)) return `'${value}' has month ${month}`;
  if (month !== undefined && day !== undefined) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const max = month === 2 && !leap ? 28 : (DAYS[month - 1] ?? 31);
    if (day < 1 || day > max) return `'${value}' has day ${day} in month ${month}`;
  }
  if (hour !== undefined && hour > 23) return `'${value}' has hour ${hour}`;
  if (minute !== undefined && minute > 59) return `'${value}' has minute ${minute}`;
  if (second !== undefined && second > 59) return `'${value}' has second ${second}`;
  return undefined;
}

/** Subcomponent, repetition and escape characters, which a plain CX.1 does not carry. */
const CX_ID_SPECIAL = /[&~\\]/;

/**
 * The CX form of XDS patient ids (ITI TF-3 Table 4.2.3.1.7-2, 4.2.3.2.16, 4.2.3.2.20):
 * `id^^^&OID&ISO`. Only CX.1 and CX.4 are valued; CX.4 has no namespace id, an OID as universal
 * id and `ISO` as its type; nothing follows CX.4.
 */
export function xdsCxProblem(raw: string): string | undefined {
  // The separators found with indexOf: no arrays of parts on the path of a valid id.
  const caret1 = raw.indexOf('^');
  const caret2 = caret1 < 0 ? -1 : raw.indexOf('^', caret1 + 1);
  const caret3 = caret2 < 0 ? -1 : raw.indexOf('^', caret2 + 1);
  if (caret3 < 0 || raw.indexOf('^', caret3 + 1) >= 0)
    return `'${raw}' must be id^^^&OID&ISO: exactly four components, ${raw.split('^').length} given`;
  const id = raw.slice(0, caret1);
  if (id === '') return `'${raw}' has an empty CX.1 (id)`;
  if (CX_ID_SPECIAL.test(id) || id.trim() !== id)
    return `'${raw}' has subcomponents, repetitions or blanks in CX.1`;
  if (caret2 !== caret1 + 1 || caret3 !== caret2 + 1)
    return `'${raw}' has CX.2 or CX.3 valued; only CX.1 and CX.4 are allowed`;
  // CX.4 as three subcomponents: exactly two '&' after the last '^'.
  const amp1 = raw.indexOf('&', caret3 + 1);
  const amp2 = amp1 < 0 ? -1 : raw.indexOf('&', amp1 + 1);
  if (amp2 < 0 || raw.indexOf('&', amp2 + 1) >= 0) return `'${raw}' must have CX.4 as &OID&ISO`;
  if (amp1 !== caret3 + 1) return `'${raw}' has a namespace id in CX.4.1; only &OID&ISO is allowed`;
  if (raw.length !== amp2 + 4 || !raw.endsWith('ISO')) return `'${raw}' must have ISO as CX.4.3`;
  const oid = oidProblem(raw.slice(amp1 + 1, amp2));
  return oid ? `CX.4.2 of '${raw}': ${oid}` : undefined;
}

const SHA1_HEX = /^[0-9a-fA-F]{40}$/;

/** hash (ITI TF-3 4.2.3.2.10): SHA-1 of the document as 40 hexadecimal digits. */
export function hashProblem(value: string): string | undefined {
  return SHA1_HEX.test(value) ? undefined : `hash '${value}' is not 40 hexadecimal digits (SHA-1)`;
}

const SIZE = /^\d{1,19}$/;

/** size (ITI TF-3 4.2.3.2.24): size in bytes, a non-negative decimal integer. */
export function sizeProblem(value: string): string | undefined {
  return SIZE.test(value) ? undefined : `size '${value}' is not a non-negative integer`;
}

const TOKEN = '[A-Za-z0-9!#$&^_.+\\-]{1,127}';
const MIME = new RegExp(`^${TOKEN}/${TOKEN}$`);

/** mimeType (ITI TF-3 4.2.3.2.14): `type/subtype` (RFC 6838 4.2), no parameters. */
export function mimeTypeProblem(value: string): string | undefined {
  return MIME.test(value) ? undefined : `mimeType '${value}' is not type/subtype`;
}

const LANGUAGE_TAG = /^([A-Za-z]{2,8}|[xXiI])(-[A-Za-z0-9]{1,8})*$/;

/**
 * languageCode (ITI TF-3 4.2.3.2.12): an RFC 5646 language tag. Checked here for its shape
 * (primary language of 2-3 letters, or 4-8 / x- / i- forms, then subtags of 1-8 alphanumerics);
 * the affinity domain decides which languages it accepts.
 */
export function languageCodeProblem(value: string): string | undefined {
  return LANGUAGE_TAG.test(value) ? undefined : `languageCode '${value}' is not an RFC 5646 language tag`;
}

/**
 * The assigning authority HD of XCN.9 / XON.6, when valued: an OID in HD.2 and `ISO` in HD.3
 * (ITI TF-3 Table 4.2.3.1.7-2). Unlike CX.4 of patient ids, a namespace id in HD.1 is tolerated.
 */
function authorityProblem(component: string | undefined, field: string, raw: string): string | undefined {
  if (component === undefined || component === '') return undefined;
  // Exactly three subcomponents: two '&'.
  const first = component.indexOf('&');
  const second = first < 0 ? -1 : component.indexOf('&', first + 1);
  if (
    second < 0 ||
    component.indexOf('&', second + 1) >= 0 ||
    component.slice(second + 1) !== 'ISO' ||
    oidProblem(component.slice(first + 1, second)) !== undefined
  )
    return `${field} of '${raw}' must be [namespace]&OID&ISO, is '${component}'`;
  return undefined;
}

/** Component n (1-based) of a `^`-separated value, as `split('^')[n - 1]` gives it. */
function nthComponent(raw: string, n: number): string | undefined {
  let from = 0;
  for (let i = 1; i < n; i++) {
    const caret = raw.indexOf('^', from);
    if (caret < 0) return undefined;
    from = caret + 1;
  }
  const end = raw.indexOf('^', from);
  return raw.slice(from, end < 0 ? undefined : end);
}

/**
 * XCN (ITI TF-3 Table 4.2.3.1.7-2): an id (XCN.1) or a family name (XCN.2) must be present;
 * the assigning authority XCN.9, when given, is `&OID&ISO`.
 */
export function xcnProblem(xcn: Xcn): string | undefined {
  if (!xcn.idNumber && !xcn.familyName)
    return `XCN '${xcn.raw}' has neither XCN.1 (id) nor XCN.2 (family name)`;
  return authorityProblem(nthComponent(xcn.raw, 9), 'XCN.9', xcn.raw);
}

/**
 * XON (ITI TF-3 Table 4.2.3.1.7-2): XON.1 organization name required; XON.6 assigning
 * authority, when given, is `&OID&ISO`.
 */
export function xonProblem(xon: Xon): string | undefined {
  if (xon.organizationName === '') return `XON '${xon.raw}' has no XON.1 (organization name)`;
  return authorityProblem(nthComponent(xon.raw, 6), 'XON.6', xon.raw);
}

/**
 * XTN (ITI TF-3 Table 4.2.3.1.7-2): XTN.3 equipment type given; `Internet` carries an e-mail
 * address in XTN.4, a telephone type a number in XTN.7 or XTN.12.
 */
export function xtnProblem(xtn: Xtn): string | undefined {
  if (!xtn.equipmentType) return `XTN '${xtn.raw}' has no XTN.3 (telecommunication equipment type)`;
  if (xtn.equipmentType === 'Internet' || xtn.equipmentType === 'X.400')
    return xtn.email?.includes('@') ? undefined : `XTN '${xtn.raw}' of type Internet has no address in XTN.4`;
  const unformatted = nthComponent(xtn.raw, 12);
  if (!xtn.localNumber && !unformatted) return `XTN '${xtn.raw}' has no number in XTN.7 or XTN.12`;
  return undefined;
}

const URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$/;
const IHE_URN = /^urn:ihe:/i;

/**
 * Extra metadata slot names (ITI TF-3 4.2.3.1.7): a URN, not in the `urn:ihe:` namespace IHE
 * reserves. Nothing more: the TF reserves no other namespace.
 */
export function extraSlotNameProblem(name: string): string | undefined {
  if (!URN.test(name))
    return `slot '${name}' is neither defined by XDS for this object nor a URN (extra metadata)`;
  if (IHE_URN.test(name)) return `slot '${name}' is in the urn:ihe: namespace reserved for IHE`;
  return undefined;
}
