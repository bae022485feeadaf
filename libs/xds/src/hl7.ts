/**
 * The HL7 v2 data types XDS metadata uses (ITI TF-3 Table 4.2.3.1.7-2), parsed for matching
 * and validation only. Every parser keeps the raw text; nothing here reformats a value.
 * Components are split on `^` and subcomponents on `&` as sent, without unescaping, because
 * the registry compares and returns values as registered.
 */
import type { Cx, Dtm, Xcn, Xon, Xtn } from './model.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Component n (1-based, as HL7 counts) of a `^`-separated value; undefined when empty. */
function comp(parts: readonly string[], n: number): string | undefined {
  const v = parts[n - 1];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Subcomponent n (1-based) of an `&`-separated component; undefined when empty. Found with
 * indexOf, without splitting the component into a new array per read.
 */
function sub(component: string | undefined, n: number): string | undefined {
  if (component === undefined) return undefined;
  let from = 0;
  for (let i = 1; i < n; i++) {
    const amp = component.indexOf('&', from);
    if (amp < 0) return undefined;
    from = amp + 1;
  }
  const end = component.indexOf('&', from);
  return end === from || from === component.length
    ? undefined
    : component.slice(from, end < 0 ? undefined : end);
}

/*
 * The parsers below build each object with only its valued properties, in the order the type
 * lists them (so parsed values compare equal with toEqual / deep equality, and serialize the
 * same way), rather than deleting undefined ones afterwards: a deleted property leaves V8 a
 * slow dictionary-mode object that every later reader pays for.
 */

/** Parses a CX (`id^^^&1.2.3&ISO`, CXi with CX.5/CX.6 for referenceIdList). */
export function parseCx(raw: string): Cx {
  const p = raw.split('^');
  const cx4 = comp(p, 4);
  const cx: Mutable<Cx> = { raw, id: p[0] ?? '' };
  const namespace = sub(cx4, 1);
  if (namespace !== undefined) cx.assigningAuthorityNamespace = namespace;
  const authority = sub(cx4, 2);
  if (authority !== undefined) cx.assigningAuthority = authority;
  const authorityType = sub(cx4, 3);
  if (authorityType !== undefined) cx.assigningAuthorityType = authorityType;
  const typeCode = comp(p, 5);
  if (typeCode !== undefined) cx.identifierTypeCode = typeCode;
  const facility = comp(p, 6);
  if (facility !== undefined) cx.assigningFacility = facility;
  return cx;
}

/** Parses an XCN (`id^family^given^further^suffix^prefix^^^&1.2.3&ISO`). */
export function parseXcn(raw: string): Xcn {
  const p = raw.split('^');
  const xcn: Mutable<Xcn> = { raw };
  const idNumber = comp(p, 1);
  if (idNumber !== undefined) xcn.idNumber = idNumber;
  const familyName = comp(p, 2);
  if (familyName !== undefined) xcn.familyName = familyName;
  const givenName = comp(p, 3);
  if (givenName !== undefined) xcn.givenName = givenName;
  const otherGivenNames = comp(p, 4);
  if (otherGivenNames !== undefined) xcn.otherGivenNames = otherGivenNames;
  const suffix = comp(p, 5);
  if (suffix !== undefined) xcn.suffix = suffix;
  const prefix = comp(p, 6);
  if (prefix !== undefined) xcn.prefix = prefix;
  const xcn9 = comp(p, 9);
  const authority = sub(xcn9, 2);
  if (authority !== undefined) xcn.assigningAuthority = authority;
  const authorityType = sub(xcn9, 3);
  if (authorityType !== undefined) xcn.assigningAuthorityType = authorityType;
  return xcn;
}

/** Parses an XON (`name^^^^^&1.2.3&ISO^^^^id`; XON.3 is the older identifier place). */
export function parseXon(raw: string): Xon {
  const p = raw.split('^');
  const xon: Mutable<Xon> = { raw, organizationName: p[0] ?? '' };
  const authority = sub(comp(p, 6), 2);
  if (authority !== undefined) xon.assigningAuthority = authority;
  const identifier = comp(p, 10) ?? comp(p, 3);
  if (identifier !== undefined) xon.organizationIdentifier = identifier;
  return xon;
}

/** Parses an XTN (`^^Internet^someone@example.org`, `^PRN^PH^^352^^123456`). */
export function parseXtn(raw: string): Xtn {
  const p = raw.split('^');
  const xtn: Mutable<Xtn> = { raw };
  const useCode = comp(p, 2);
  if (useCode !== undefined) xtn.useCode = useCode;
  const equipmentType = comp(p, 3);
  if (equipmentType !== undefined) xtn.equipmentType = equipmentType;
  const email = comp(p, 4);
  if (email !== undefined) xtn.email = email;
  const countryCode = comp(p, 5);
  if (countryCode !== undefined) xtn.countryCode = countryCode;
  const areaCode = comp(p, 6);
  if (areaCode !== undefined) xtn.areaCode = areaCode;
  const localNumber = comp(p, 7);
  if (localNumber !== undefined) xtn.localNumber = localNumber;
  const extension = comp(p, 8);
  if (extension !== undefined) xtn.extension = extension;
  return xtn;
}

/** Precision of a DTM as XDS allows it (ITI TF-3 Table 4.2.3.1.7-2). */
export type DtmPrecision = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

const PRECISION: Record<number, DtmPrecision> = {
  4: 'year',
  6: 'month',
  8: 'day',
  10: 'hour',
  12: 'minute',
  14: 'second',
};

/**
 * The precision of a DTM, or undefined when it is not `YYYY[MM[DD[hh[mm[ss]]]]]` digits
 * (XDS times are UTC without zone or fractions). Ranges of the fields are not checked here.
 */
export function dtmPrecision(value: Dtm): DtmPrecision | undefined {
  return /^\d+$/.test(value) ? PRECISION[value.length] : undefined;
}
