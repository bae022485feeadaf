/**
 * The HL7 v2 data types XDS metadata uses (ITI TF-3 Table 4.2.3.1.7-2), parsed for matching
 * and validation only. Every parser keeps the raw text; nothing here reformats a value.
 * Components are split on `^` and subcomponents on `&` as sent, without unescaping, because
 * the registry compares and returns values as registered.
 */
import type { Cx, Dtm, Xcn, Xon, Xtn } from './model.js';

/** Component n (1-based, as HL7 counts) of a `^`-separated value; undefined when empty. */
function comp(parts: readonly string[], n: number): string | undefined {
  const v = parts[n - 1];
  return v === undefined || v === '' ? undefined : v;
}

/** Subcomponent n (1-based) of an `&`-separated component. */
function sub(component: string | undefined, n: number): string | undefined {
  if (component === undefined) return undefined;
  const v = component.split('&')[n - 1];
  return v === undefined || v === '' ? undefined : v;
}

/** Assigns only defined properties, so parsed values compare equal with toEqual / deep equality. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** Parses a CX (`id^^^&1.2.3&ISO`, CXi with CX.5/CX.6 for referenceIdList). */
export function parseCx(raw: string): Cx {
  const p = raw.split('^');
  const cx4 = comp(p, 4);
  return defined({
    raw,
    id: p[0] ?? '',
    assigningAuthorityNamespace: sub(cx4, 1),
    assigningAuthority: sub(cx4, 2),
    assigningAuthorityType: sub(cx4, 3),
    identifierTypeCode: comp(p, 5),
    assigningFacility: comp(p, 6),
  });
}

/** Parses an XCN (`id^family^given^further^suffix^prefix^^^&1.2.3&ISO`). */
export function parseXcn(raw: string): Xcn {
  const p = raw.split('^');
  const xcn9 = comp(p, 9);
  return defined({
    raw,
    idNumber: comp(p, 1),
    familyName: comp(p, 2),
    givenName: comp(p, 3),
    otherGivenNames: comp(p, 4),
    suffix: comp(p, 5),
    prefix: comp(p, 6),
    assigningAuthority: sub(xcn9, 2),
    assigningAuthorityType: sub(xcn9, 3),
  });
}

/** Parses an XON (`name^^^^^&1.2.3&ISO^^^^id`; XON.3 is the older identifier place). */
export function parseXon(raw: string): Xon {
  const p = raw.split('^');
  return defined({
    raw,
    organizationName: p[0] ?? '',
    assigningAuthority: sub(comp(p, 6), 2),
    organizationIdentifier: comp(p, 10) ?? comp(p, 3),
  });
}

/** Parses an XTN (`^^Internet^someone@example.org`, `^PRN^PH^^352^^123456`). */
export function parseXtn(raw: string): Xtn {
  const p = raw.split('^');
  return defined({
    raw,
    useCode: comp(p, 2),
    equipmentType: comp(p, 3),
    email: comp(p, 4),
    countryCode: comp(p, 5),
    areaCode: comp(p, 6),
    localNumber: comp(p, 7),
    extension: comp(p, 8),
  });
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
