/**
 * HL7v2 PID segment <-> MPI demographics and identifiers (ITI TF-2 3.8.4.1, the PID of
 * the feed; 3.21.4.2, the PID of a PDQ response). HL7 "" (explicit null) identifiers are
 * dropped: they ask to delete a value the MPI never held.
 */
import { cxValue, readCx, readXad, readXpn, segment, xadValue, xpnValue } from '@mesh/hl7v2';
import type { FieldValue, Hl7Segment, RepetitionValue } from '@mesh/hl7v2';
import type { PatientIdentifier } from '@mesh/bus';
import type { Address, Demographics, PersonName } from '../matching.js';
import type { SourceIdentifier } from '../model.js';

/** PID-3 / MRG-1 / QPD-3 repetitions as source identifiers (HL7 nulls dropped, positions kept). */
export function identifiersOf(
  seg: Hl7Segment | undefined,
  field: number,
): { id: SourceIdentifier; repetition: number }[] {
  if (!seg) return [];
  return seg
    .repetitions(field)
    .map((r, i) => ({ cx: readCx(r), repetition: i + 1 }))
    .filter((x) => x.cx.id !== '' && x.cx.id !== '""')
    .map(({ cx, repetition }) => ({
      id: {
        id: cx.id,
        ...(cx.assigningAuthority.universalId
          ? { assigningAuthority: cx.assigningAuthority.universalId }
          : {}),
        ...(cx.assigningAuthority.namespaceId ? { namespaceId: cx.assigningAuthority.namespaceId } : {}),
      },
      repetition,
    }));
}

/** HL7 TS/DTM date part as YYYY-MM-DD (or YYYY-MM / YYYY); undefined when absent or malformed. */
export function hl7Date(v: string): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?/.exec(v);
  if (!m) return undefined;
  return [m[1], m[2], m[3]].filter((x) => x !== undefined).join('-');
}

/** YYYY-MM-DD as HL7 DT. */
export function toHl7Date(v: string | undefined): string {
  return (v ?? '').replace(/-/g, '');
}

/** Demographics from a PID segment. */
export function demographicsOf(pid: Hl7Segment): Demographics {
  const names: PersonName[] = pid
    .repetitions(5)
    .map(readXpn)
    .filter((n) => n.family !== '' || n.given !== '')
    .map((n) => ({
      family: n.family,
      given: [n.given, n.secondGiven].filter((g) => g !== ''),
      ...(n.prefix ? { prefix: n.prefix } : {}),
      ...(n.suffix ? { suffix: n.suffix } : {}),
      ...(n.nameTypeCode ? { use: n.nameTypeCode } : {}),
    }));
  const addresses: Address[] = pid
    .repetitions(11)
    .map(readXad)
    .filter((a) => Object.entries(a).some(([k, v]) => k !== 'addressType' && v !== ''))
    .map((a) => {
      const out: Record<string, string> = {};
      if (a.street) out['street'] = a.street;
      if (a.other) out['other'] = a.other;
      if (a.city) out['city'] = a.city;
      if (a.state) out['state'] = a.state;
      if (a.postalCode) out['postalCode'] = a.postalCode;
      if (a.country) out['country'] = a.country;
      if (a.addressType) out['use'] = a.addressType;
      return out;
    });
  const telecoms = [...pid.repetitions(13), ...pid.repetitions(14)]
    .map((r) => r.get(1) || r.get(4))
    .filter((t) => t !== '');
  const birthDate = hl7Date(pid.get(7));
  const sex = pid.get(8);
  const mmn = pid.get(6);
  const mb = pid.get(24);
  const order = Number(pid.get(25));
  return {
    names,
    ...(birthDate ? { birthDate } : {}),
    ...(sex ? { sex } : {}),
    ...(addresses.length ? { addresses } : {}),
    ...(telecoms.length ? { telecoms } : {}),
    ...(mmn ? { mothersMaidenName: mmn } : {}),
    ...(mb === 'Y' || mb === 'N' ? { multipleBirthIndicator: mb === 'Y' } : {}),
    ...(Number.isInteger(order) && order > 0 ? { birthOrder: order } : {}),
  };
}

/** A PatientIdentifier as CX with namespace id (when the domain knows it), OID, ISO and type PI. */
export function cxOf(
  id: PatientIdentifier,
  namespaceOf: (oid: string) => string | undefined,
): RepetitionValue {
  return cxValue({
    id: id.id,
    assigningAuthority: {
      namespaceId: namespaceOf(id.assigningAuthority) ?? '',
      universalId: id.assigningAuthority,
    },
    identifierTypeCode: 'PI',
  });
}

/** PID of a PDQ response (ITI TF-2 3.21.4.2 Return Patient Demographics): identifiers, names, birth date, sex, addresses, phones. */
export function pidSegment(
  setId: number,
  ids: readonly PatientIdentifier[],
  d: Demographics | undefined,
  namespaceOf: (oid: string) => string | undefined,
): Hl7Segment {
  const names: FieldValue =
    d && d.names.length
      ? {
          repeat: d.names.map((n) =>
            xpnValue({
              family: n.family,
              given: n.given[0] ?? '',
              secondGiven: n.given.slice(1).join(' '),
              prefix: n.prefix ?? '',
              suffix: n.suffix ?? '',
              nameTypeCode: n.use ?? '',
            }),
          ),
        }
      : // PIX responses: PID-5 is required in v2.5; IHE sends an empty name of type S (ITI TF-2 3.9.4.2.2.6).
        { repeat: ['', ['', '', '', '', '', '', 'S']] };
  const addresses: FieldValue = d?.addresses?.length
    ? {
        repeat: d.addresses.map((a) =>
          xadValue({
            street: a.street ?? '',
            other: a.other ?? '',
            city: a.city ?? '',
            state: a.state ?? '',
            postalCode: a.postalCode ?? '',
            country: a.country ?? '',
            addressType: a.use ?? '',
          }),
        ),
      }
    : undefined;
  return segment(
    'PID',
    String(setId),
    undefined,
    { repeat: ids.map((i) => cxOf(i, namespaceOf)) },
    undefined,
    names,
    d?.mothersMaidenName ? [d.mothersMaidenName] : undefined,
    toHl7Date(d?.birthDate),
    d?.sex,
    undefined,
    undefined,
    addresses,
    undefined,
    d?.telecoms?.length ? { repeat: d.telecoms } : undefined,
  );
}
