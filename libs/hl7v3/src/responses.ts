/**
 * Parsing and validating the responder side of PIXV3/PDQV3: MCCI_IN000002UV01
 * acknowledgements, PRPA_IN201310UV02 (ITI-45) and PRPA_IN201306UV02 (ITI-47). The mesh uses
 * them on what it receives as a consumer/notification sender and to check what it builds.
 */
import { attr, child, children } from '@mesh/xml';
import { openMessage, result } from './message.js';
import type { Hl7v3Input, Parsed } from './message.js';
import type { AckV3, MatchedPatient, PdqQueryResponseV3, PixQueryResponseV3 } from './model.js';
import {
  Checker,
  HL7,
  OID,
  checkControlAct,
  checkWrapper,
  readAcknowledgement,
  readHeader,
  readInt,
  readPatient,
  readQueryAck,
} from './read.js';

const ACK_CODES = ['AA', 'AE', 'AR', 'CA', 'CE', 'CR'];

function checkAck(c: Checker, root: Element): void {
  const path = `/${root.localName}`;
  const acks = children(root, HL7, 'acknowledgement');
  if (acks.length === 0)
    c.error('SYN105', 'acknowledgement is required (ITI TF-2 Appendix O.1.2)', `${path}/acknowledgement`);
  else if (acks.length > 1)
    c.error('SYN108', 'exactly one acknowledgement shall be present', `${path}/acknowledgement[2]`);
  const ack = acks[0];
  if (!ack) return;
  c.code(ack, 'typeCode', ACK_CODES, `${path}/acknowledgement`, 'AcknowledgementType');
  const tm = c.required(ack, 'targetMessage', `${path}/acknowledgement`);
  if (tm) c.required(tm, 'id', `${path}/acknowledgement/targetMessage`);
}

/** Parses and validates an MCCI_IN000002UV01 acknowledgement (ITI TF-2 3.44.4.1.3, 3.46.4.1.3; Appendix O.1.2). */
export function parseAck(input: Hl7v3Input): Parsed<AckV3> {
  const opened = openMessage(input, ['MCCI_IN000002UV01']);
  if (!opened.ok) return opened;
  const root = opened.root;
  const c = new Checker();
  checkWrapper(c, root, 'NE');
  checkAck(c, root);
  return result(root, c.issues, () => ({
    header: readHeader(root),
    acknowledgement: readAcknowledgement(child(root, HL7, 'acknowledgement')),
  }));
}

/**
 * Checks PRPA_IN201310UV02 (ITI TF-2 3.45.4.2.2): wrapper with acceptAckCode NE, the
 * acknowledgement, trigger PRPA_TE201310UV02 in mood EVN, at most one registration event,
 * a patient with an id and a name (or the NA null flavor), a providerOrganization id that is
 * an OID, and the queryAck.
 */
function check310(root: Element): Checker {
  const c = new Checker();
  checkWrapper(c, root, 'NE');
  checkAck(c, root);
  const cap = checkControlAct(c, root, 'PRPA_TE201310UV02', 'EVN');
  if (!cap) return c;
  const path = '/PRPA_IN201310UV02/controlActProcess';
  const subjects = children(cap, HL7, 'subject');
  if (subjects.length > 1)
    c.error(
      'SYN108',
      'at most one registrationEvent shall be returned (ITI TF-2 3.45.4.2.2)',
      `${path}/subject[2]`,
    );
  const re = subjects[0] ? child(subjects[0], HL7, 'registrationEvent') : undefined;
  const s1 = re ? child(re, HL7, 'subject1') : undefined;
  const patient = s1 ? child(s1, HL7, 'patient') : undefined;
  if (patient) {
    const pPath = `${path}/subject/registrationEvent/subject1/patient`;
    if (
      !children(patient, HL7, 'id').some(
        (i) => attr(i, 'root') !== undefined || attr(i, 'extension') !== undefined,
      )
    )
      c.error('SYN105', 'patient id is required', `${pPath}/id`);
    const person = child(patient, HL7, 'patientPerson');
    if (!person || children(person, HL7, 'name').length === 0)
      c.error(
        'SYN105',
        'patientPerson/name (or name nullFlavor NA) is required',
        `${pPath}/patientPerson/name`,
      );
    const org = child(patient, HL7, 'providerOrganization');
    if (org) {
      const oid = child(org, HL7, 'id');
      const r = oid ? attr(oid, 'root') : undefined;
      if (r === undefined || !OID.test(r))
        c.error(
          'SYN103',
          'providerOrganization id/@root shall be an ISO OID',
          `${pPath}/providerOrganization/id/@root`,
        );
    }
  }
  const qa = c.required(cap, 'queryAck', path);
  if (qa) {
    c.required(qa, 'queryId', `${path}/queryAck`);
    c.code(qa, 'queryResponseCode', ['OK', 'NF', 'AE', 'QE'], `${path}/queryAck`, 'QueryResponse');
  }
  return c;
}

/** Parses and validates a PRPA_IN201310UV02 PIXV3 query response. */
export function parseIti45Response(input: Hl7v3Input): Parsed<PixQueryResponseV3> {
  const opened = openMessage(input, ['PRPA_IN201310UV02']);
  if (!opened.ok) return opened;
  const root = opened.root;
  const c = check310(root);
  return result(root, c.issues, () => {
    const cap = child(root, HL7, 'controlActProcess') as Element;
    const subject = child(cap, HL7, 'subject');
    const re = subject ? child(subject, HL7, 'registrationEvent') : undefined;
    const s1 = re ? child(re, HL7, 'subject1') : undefined;
    const patient = s1 ? child(s1, HL7, 'patient') : undefined;
    return {
      header: readHeader(root),
      acknowledgement: readAcknowledgement(child(root, HL7, 'acknowledgement')),
      queryAck: readQueryAck(child(cap, HL7, 'queryAck')),
      ...(patient ? { patient: readPatient(patient) } : {}),
    };
  });
}

/** Roles of patientPerson that ITI TF-2 3.47.4.2.2.2 leaves out of a PDQV3 response. */
const OMITTED_PERSON = [
  'asPatientOfOtherProvider',
  'birthPlace',
  'guarantorRole',
  'guardian',
  'contactParty',
  'asMember',
  'careGiver',
  'asStudent',
];

/**
 * Checks PRPA_IN201306UV02 (ITI TF-2 3.47.4.2.2, Appendix O.2.2): wrapper with acceptAckCode
 * NE and exactly one acknowledgement, trigger PRPA_TE201306UV02 in mood EVN without text,
 * priorityCode or reasonCode; per returned patient classCode PAT, statusCode active, at least
 * one id, a providerOrganization, a named patientPerson (PSN, INSTANCE) without the roles
 * 3.47.4.2.2.2 omits, and a queryMatchObservation value of data type INT; a queryAck with the
 * queryId.
 */
function check306(root: Element): Checker {
  const c = new Checker();
  checkWrapper(c, root, 'NE');
  checkAck(c, root);
  const cap = checkControlAct(c, root, 'PRPA_TE201306UV02', 'EVN');
  if (!cap) return c;
  const path = '/PRPA_IN201306UV02/controlActProcess';
  c.omitted(cap, ['text', 'priorityCode', 'reasonCode'], path, 'ITI TF-2 Appendix O.2.2');
  children(cap, HL7, 'subject').forEach((subject, i) => {
    const sPath = `${path}/subject[${i + 1}]`;
    if (attr(subject, 'contextConductionInd') === 'true')
      c.error(
        'SYN103',
        'contextConductionInd shall be false (ITI TF-2 Appendix O.2.2)',
        `${sPath}/@contextConductionInd`,
      );
    const re = c.required(subject, 'registrationEvent', sPath);
    if (!re) return;
    const rePath = `${sPath}/registrationEvent`;
    c.omitted(re, ['inFulfillmentOf', 'definition'], rePath, 'ITI TF-2 Appendix O.2.2');
    const s1 = c.required(re, 'subject1', rePath);
    const patient = s1 ? c.required(s1, 'patient', `${rePath}/subject1`) : undefined;
    if (!patient) return;
    const pPath = `${rePath}/subject1/patient`;
    const why = 'ITI TF-2 3.47.4.2.2.2';
    c.omitted(patient, ['patientNonPersonLivingSubject', 'subjectOf2', 'coveredPartyOf'], pPath, why);
    if (attr(patient, 'classCode') !== 'PAT')
      c.error('SYN103', 'patient/@classCode shall be PAT', `${pPath}/@classCode`);
    if (children(patient, HL7, 'id').length === 0)
      c.error('SYN105', 'at least one patient id is required', `${pPath}/id`);
    c.code(patient, 'statusCode', ['active'], pPath, why);
    c.required(patient, 'providerOrganization', pPath);
    const person = c.required(patient, 'patientPerson', pPath);
    if (person) {
      const pp = `${pPath}/patientPerson`;
      c.omitted(person, OMITTED_PERSON, pp, why);
      if (attr(person, 'classCode') !== 'PSN')
        c.error('SYN103', 'patientPerson/@classCode shall be PSN', `${pp}/@classCode`);
      if (attr(person, 'determinerCode') !== 'INSTANCE')
        c.error('SYN103', 'patientPerson/@determinerCode shall be INSTANCE', `${pp}/@determinerCode`);
      if (children(person, HL7, 'name').length === 0)
        c.error('SYN105', 'at least one name is required', `${pp}/name`);
      children(person, HL7, 'personalRelationship').forEach((r, k) =>
        c.fixedAttr(r, 'classCode', 'PRS', `${pp}/personalRelationship[${k + 1}]`, why),
      );
      children(person, HL7, 'asEmployee').forEach((r, k) =>
        c.fixedAttr(r, 'classCode', 'EMP', `${pp}/asEmployee[${k + 1}]`, why),
      );
      children(person, HL7, 'asCitizen').forEach((r, k) => {
        const cp = `${pp}/asCitizen[${k + 1}]`;
        if (attr(r, 'classCode') !== 'CIT')
          c.error('SYN103', 'asCitizen/@classCode shall be CIT', `${cp}/@classCode`);
        const nation = child(r, HL7, 'politicalNation');
        if (!nation || attr(nation, 'classCode') !== 'NAT' || attr(nation, 'determinerCode') !== 'INSTANCE')
          c.error(
            'SYN103',
            'politicalNation shall have classCode NAT and determinerCode INSTANCE',
            `${cp}/politicalNation`,
          );
      });
    }
    children(patient, HL7, 'subjectOf1').forEach((so, k) => {
      const qmo = child(so, HL7, 'queryMatchObservation');
      const v = qmo ? child(qmo, HL7, 'value') : undefined;
      if (v) c.xsiType(v, 'INT', `${pPath}/subjectOf1[${k + 1}]/queryMatchObservation/value`);
    });
  });
  const qa = c.required(cap, 'queryAck', path);
  if (qa) {
    c.required(qa, 'queryId', `${path}/queryAck`);
    c.code(qa, 'queryResponseCode', ['OK', 'NF', 'AE', 'QE'], `${path}/queryAck`, 'QueryResponse');
  }
  return c;
}

/** Parses and validates a PRPA_IN201306UV02 PDQV3 query response. */
export function parseIti47Response(input: Hl7v3Input): Parsed<PdqQueryResponseV3> {
  const opened = openMessage(input, ['PRPA_IN201306UV02']);
  if (!opened.ok) return opened;
  const root = opened.root;
  const c = check306(root);
  return result(root, c.issues, () => {
    const cap = child(root, HL7, 'controlActProcess') as Element;
    const patients: MatchedPatient[] = [];
    for (const subject of children(cap, HL7, 'subject')) {
      const re = child(subject, HL7, 'registrationEvent');
      const s1 = re ? child(re, HL7, 'subject1') : undefined;
      const patient = s1 ? child(s1, HL7, 'patient') : undefined;
      if (!patient) continue;
      const so = child(patient, HL7, 'subjectOf1');
      const qmo = so ? child(so, HL7, 'queryMatchObservation') : undefined;
      const score = readInt(qmo ? child(qmo, HL7, 'value') : undefined);
      patients.push({ ...readPatient(patient), matchScore: score });
    }
    return {
      header: readHeader(root),
      acknowledgement: readAcknowledgement(child(root, HL7, 'acknowledgement')),
      queryAck: readQueryAck(child(cap, HL7, 'queryAck')),
      patients,
    };
  });
}
