/**
 * The composite data types PIX and PDQ carry (HL7 v2.5 chapter 2A): CX (PID-3, QPD-3), HD,
 * XPN (PID-5), XAD (PID-11). Parsed to plain objects and formatted back as field values.
 */
import type { Hl7Repetition } from './message.js';
import type { ComponentValue, RepetitionValue } from './build.js';

/** HD: namespace id, universal id, universal id type. */
export interface Hd {
  readonly namespaceId: string;
  readonly universalId: string;
  readonly universalIdType: string;
}

/** CX as PIX uses it: CX-1 id, CX-4 assigning authority, CX-5 identifier type code. */
export interface Cx {
  readonly id: string;
  readonly assigningAuthority: Hd;
  readonly identifierTypeCode: string;
}

/** Reads a CX repetition. */
export function readCx(r: Hl7Repetition): Cx {
  return {
    id: r.get(1),
    assigningAuthority: { namespaceId: r.get(4, 1), universalId: r.get(4, 2), universalIdType: r.get(4, 3) },
    identifierTypeCode: r.get(5),
  };
}

/** Reads an HD component of a repetition (`comp` = the component holding the HD). */
export function readHd(r: Hl7Repetition, comp: number): Hd {
  return { namespaceId: r.get(comp, 1), universalId: r.get(comp, 2), universalIdType: r.get(comp, 3) };
}

/** A CX field value: `id^^^ns&oid&ISO^type`. */
export function cxValue(c: {
  id: string;
  assigningAuthority: { namespaceId?: string; universalId: string; universalIdType?: string };
  identifierTypeCode?: string;
}): RepetitionValue {
  const hd: ComponentValue = [
    c.assigningAuthority.namespaceId ?? '',
    c.assigningAuthority.universalId,
    c.assigningAuthority.universalIdType ?? 'ISO',
  ];
  return [c.id, '', '', hd, c.identifierTypeCode ?? ''];
}

/** XPN: family (XPN-1.1), given (XPN-2), second given (XPN-3), prefix/suffix, type (XPN-7). */
export interface Xpn {
  readonly family: string;
  readonly given: string;
  readonly secondGiven: string;
  readonly suffix: string;
  readonly prefix: string;
  readonly nameTypeCode: string;
}

export function readXpn(r: Hl7Repetition): Xpn {
  return {
    family: r.get(1, 1),
    given: r.get(2),
    secondGiven: r.get(3),
    suffix: r.get(4),
    prefix: r.get(5),
    nameTypeCode: r.get(7),
  };
}

export function xpnValue(n: Partial<Xpn>): RepetitionValue {
  return [
    n.family ?? '',
    n.given ?? '',
    n.secondGiven ?? '',
    n.suffix ?? '',
    n.prefix ?? '',
    '',
    n.nameTypeCode ?? '',
  ];
}

/** XAD: street, other, city, state, zip, country, type. */
export interface Xad {
  readonly street: string;
  readonly other: string;
  readonly city: string;
  readonly state: string;
  readonly postalCode: string;
  readonly country: string;
  readonly addressType: string;
}

export function readXad(r: Hl7Repetition): Xad {
  return {
    street: r.get(1, 1),
    other: r.get(2),
    city: r.get(3),
    state: r.get(4),
    postalCode: r.get(5),
    country: r.get(6),
    addressType: r.get(7),
  };
}

export function xadValue(a: Partial<Xad>): RepetitionValue {
  return [
    a.street ?? '',
    a.other ?? '',
    a.city ?? '',
    a.state ?? '',
    a.postalCode ?? '',
    a.country ?? '',
    a.addressType ?? '',
  ];
}
