/** ITI-44 Patient Identity Feed HL7 V3: Patient Identity Source -> Patient Identifier Cross-reference Manager. */
import { attr, child, children, elements, text } from '@mesh/xml';
import { openMessage, result } from './message.js';
import type { Hl7v3Input, Parsed } from './message.js';
import type { FeedKind, PatientFeedV3 } from './model.js';
import {
  Checker,
  HL7,
  checkControlAct,
  checkWrapper,
  readHeader,
  readII,
  readIIs,
  readPatient,
} from './read.js';

/** The ITI-44 interactions and what each one does (ITI TF-2 3.44.4.1.2, 3.44.4.2.2). */
export const ITI44_INTERACTIONS: Readonly<Record<string, FeedKind>> = Object.freeze({
  PRPA_IN201301UV02: 'add',
  PRPA_IN201302UV02: 'revise',
  PRPA_IN201304UV02: 'merge',
});

const TRIGGER: Readonly<Record<FeedKind, string>> = {
  add: 'PRPA_TE201301UV02',
  revise: 'PRPA_TE201302UV02',
  merge: 'PRPA_TE201304UV02',
};

/**
 * XPath of the n-th (1-based) patient id of a feed: where an id of an unrecognized domain is
 * reported in the AE acknowledgement (code 204, ITI TF-2 3.44.4.1.3).
 */
export function iti44PatientIdLocation(interaction: string, n: number): string {
  return `/${interaction}/controlActProcess/subject/registrationEvent/subject1/patient/id[${n}]`;
}

const hasName = (person: Element | undefined): boolean =>
  !!person &&
  children(person, HL7, 'name').some(
    (n) => elements(n).length > 0 || (text(n)?.trim() ?? '') !== '' || attr(n, 'nullFlavor') !== undefined,
  );

/**
 * Checks an ITI-44 message: the wrapper (Appendix O), exactly one subject (Tables
 * 3.44.4.1.2-1, 3.44.4.2.2-1: the control act carries one registration event), an active
 * registration event, a patient with at least one id and a named patientPerson (classCode PSN,
 * determinerCode INSTANCE); add/revise carry no replacementOf, a merge carries the obsolete
 * prior registration with the replaced id (3.44.4.2.2).
 */
function check(root: Element, kind: FeedKind): Checker {
  const c = new Checker();
  checkWrapper(c, root, 'AL');
  const cap = checkControlAct(c, root, TRIGGER[kind]);
  if (!cap) return c;
  const capPath = `/${root.localName}/controlActProcess`;
  const subjects = children(cap, HL7, 'subject');
  if (subjects.length === 0) {
    c.error('SYN105', 'subject is required', `${capPath}/subject`);
    return c;
  }
  if (subjects.length > 1)
    c.error('SYN108', 'exactly one subject shall be present (ITI TF-2 3.44.4.1.2)', `${capPath}/subject[2]`);
  const subjectEl = subjects[0] as Element;
  const rePath = `${capPath}/subject/registrationEvent`;
  const re = c.required(subjectEl, 'registrationEvent', `${capPath}/subject`);
  if (!re) return c;
  c.code(re, 'statusCode', ['active'], rePath, 'ITI TF-2 3.44.4.1.2');
  const s1 = c.required(re, 'subject1', rePath);
  const patient = s1 ? c.required(s1, 'patient', `${rePath}/subject1`) : undefined;
  const pPath = `${rePath}/subject1/patient`;
  if (patient) {
    const ids = children(patient, HL7, 'id');
    if (!ids.some((i) => attr(i, 'root') !== undefined))
      c.error('SYN105', 'patient id with @root (the assigning authority) is required', `${pPath}/id`);
    const person = c.required(patient, 'patientPerson', pPath);
    if (person) {
      const pp = `${pPath}/patientPerson`;
      c.fixedAttr(person, 'classCode', 'PSN', pp, 'ITI TF-2 3.44.4.1.2');
      c.fixedAttr(person, 'determinerCode', 'INSTANCE', pp, 'ITI TF-2 3.44.4.1.2');
      if (!hasName(person)) c.error('SYN105', 'patientPerson/name with a value is required', `${pp}/name`);
      c.timestamp(person, 'birthTime', pp);
      children(person, HL7, 'asOtherIDs').forEach((o, i) => {
        const cc = attr(o, 'classCode');
        if (cc === 'CIT' || cc === 'EMP')
          c.error(
            'SYN103',
            `asOtherIDs/@classCode ${cc} is not allowed in a feed`,
            `${pp}/asOtherIDs[${i + 1}]/@classCode`,
          );
      });
    }
  }
  const replacement = child(re, HL7, 'replacementOf');
  if (kind === 'merge') {
    const prior = replacement ? child(replacement, HL7, 'priorRegistration') : undefined;
    if (!prior)
      c.error(
        'SYN105',
        'replacementOf/priorRegistration is required (ITI TF-2 3.44.4.2.2)',
        `${rePath}/replacementOf`,
      );
    else {
      const prPath = `${rePath}/replacementOf/priorRegistration`;
      c.code(prior, 'statusCode', ['obsolete'], prPath, 'ITI TF-2 3.44.4.2.2');
      const ps1 = child(prior, HL7, 'subject1');
      const role = ps1 ? child(ps1, HL7, 'priorRegisteredRole') : undefined;
      const rid = role ? child(role, HL7, 'id') : undefined;
      if (!rid || attr(rid, 'root') === undefined)
        c.error(
          'SYN105',
          'priorRegisteredRole id/@root is required (ITI TF-2 3.44.4.2.2)',
          `${prPath}/subject1/priorRegisteredRole/id`,
        );
    }
  } else if (replacement || root.getElementsByTagNameNS(HL7, 'replacementOf').length > 0) {
    c.error(
      'SYN103',
      `replacementOf is only allowed in PRPA_IN201304UV02 (ITI TF-2 3.44.4.1.2)`,
      `${rePath}/replacementOf`,
    );
  }
  return c;
}

/**
 * Parses and validates an ITI-44 Patient Identity Feed HL7 V3 message (ITI TF-2 3.44):
 * PRPA_IN201301UV02 (add), PRPA_IN201302UV02 (revise) or PRPA_IN201304UV02 (duplicates
 * resolved). On failure the issues carry AcknowledgementDetailCode codes and XPath
 * locations for {@link buildIti44Ack}.
 */
export function parseIti44(input: Hl7v3Input): Parsed<PatientFeedV3> {
  const opened = openMessage(input, Object.keys(ITI44_INTERACTIONS));
  if (!opened.ok) return opened;
  const root = opened.root;
  const kind = ITI44_INTERACTIONS[root.localName] as FeedKind;
  const c = check(root, kind);
  return result(root, c.issues, () => {
    // check() has verified controlActProcess/subject/registrationEvent/subject1/patient.
    const cap = child(root, HL7, 'controlActProcess') as Element;
    const re = child(child(cap, HL7, 'subject') as Element, HL7, 'registrationEvent') as Element;
    const patient = child(child(re, HL7, 'subject1') as Element, HL7, 'patient') as Element;
    const custodian = child(re, HL7, 'custodian');
    const entity = custodian ? child(custodian, HL7, 'assignedEntity') : undefined;
    const custodianId = entity ? readII(child(entity, HL7, 'id')) : undefined;
    const replacedIds =
      kind === 'merge'
        ? children(re, HL7, 'replacementOf').flatMap((r) => {
            const prior = child(r, HL7, 'priorRegistration');
            const s1 = prior ? child(prior, HL7, 'subject1') : undefined;
            const role = s1 ? child(s1, HL7, 'priorRegisteredRole') : undefined;
            return role ? readIIs(children(role, HL7, 'id')) : [];
          })
        : [];
    return {
      transaction: 'ITI-44' as const,
      kind,
      header: readHeader(root),
      patient: readPatient(patient),
      custodianId,
      replacedIds,
    };
  });
}
