/** ITI-47 Patient Demographics Query HL7 V3: Patient Demographics Consumer -> Patient Demographics Supplier. */
import { attr, child, children } from '@mesh/xml';
import { openMessage, result } from './message.js';
import type { Hl7v3Input, Parsed } from './message.js';
import type { PdqContinuationV3, PdqParameters, PdqQueryV3, PersonName, Telecom } from './model.js';
import {
  Checker,
  HL7,
  TS,
  checkControlAct,
  checkWrapper,
  readAddress,
  readAuthorDevice,
  readHeader,
  readII,
  readIIs,
  readInt,
  readName,
  readTelecom,
} from './read.js';

const QBP = '/PRPA_IN201305UV02/controlActProcess/queryByParameter';
const PL = `${QBP}/parameterList`;

/** XPath of the n-th (1-based) otherIDsScopingOrganization value: where an unknown domain is reported (ITI TF-2 3.47.4.1.3 case 4). */
export function iti47ScopingOrganizationLocation(n: number): string {
  return `${PL}/otherIDsScopingOrganization[${n}]/value`;
}

/** XPath of the n-th (1-based) livingSubjectId value: where an unknown patient id domain is reported (ITI TF-2 3.47.4.1.3). */
export function iti47LivingSubjectIdLocation(n: number): string {
  return `${PL}/livingSubjectId[${n}]/value`;
}

/**
 * Parameters ITI TF-2 3.47.4.1.2 (Table 3.47.4.1.2-2) leaves out of the PDQV3 query; the
 * IPF ITI-47 rules reject them. MothersMaidenName and PatientTelecom are query parameters of
 * the current TF table and are accepted.
 */
const OMITTED_PARAMETERS = [
  'id',
  'principalCareProviderId',
  'principalCareProvisionId',
  'livingSubjectDeceasedTime',
  'patientStatusCode',
  'livingSubjectBirthPlaceName',
  'livingSubjectBirthPlaceAddress',
];

/** Elements of queryByParameter the PDQV3 query model leaves out (ITI TF-2 3.47.4.1.2). */
const OMITTED_QBP = ['responseElementGroupId', 'modifyCode', 'executionAndDeliveryTime', 'sortControl'];

/**
 * Checks PRPA_IN201305UV02 (ITI TF-2 3.47.4.1.2): the wrapper, trigger PRPA_TE201305UV02,
 * queryByParameter with queryId, statusCode new, responseModalityCode R, responsePriorityCode I,
 * the omitted elements, the data types of matchAlgorithm (ST) and minimumDegreeMatch (INT,
 * 0-100), at most one gender, birth time and address parameter, one value per parameter,
 * and otherIDsScopingOrganization values carrying a root and no extension.
 */
function checkQuery(root: Element): Checker {
  const c = new Checker();
  checkWrapper(c, root, 'AL');
  const cap = checkControlAct(c, root, 'PRPA_TE201305UV02');
  if (!cap) return c;
  const qbp = c.required(cap, 'queryByParameter', '/PRPA_IN201305UV02/controlActProcess');
  if (!qbp) return c;
  const qid = c.required(qbp, 'queryId', QBP);
  if (qid && attr(qid, 'root') === undefined)
    c.error('SYN105', 'queryId/@root is required', `${QBP}/queryId/@root`);
  c.code(qbp, 'statusCode', ['new'], QBP, 'ITI TF-2 3.47.4.1.2');
  c.code(qbp, 'responseModalityCode', ['R'], QBP, 'ITI TF-2 3.47.4.1.2');
  c.code(qbp, 'responsePriorityCode', ['I'], QBP, 'ITI TF-2 3.47.4.1.2');
  c.omitted(qbp, OMITTED_QBP, QBP, 'ITI TF-2 3.47.4.1.2');
  const iq = child(qbp, HL7, 'initialQuantity');
  if (iq) {
    const n = readInt(iq);
    if (n === undefined || n < 1)
      c.error(
        'SYN102',
        'initialQuantity/@value shall be a positive integer',
        `${QBP}/initialQuantity/@value`,
      );
  }
  const mcl = child(qbp, HL7, 'matchCriterionList');
  if (mcl) {
    const mPath = `${QBP}/matchCriterionList`;
    c.omitted(mcl, ['id', 'matchWeight'], mPath, 'ITI TF-2 3.47.4.1.2');
    const alg = child(mcl, HL7, 'matchAlgorithm');
    const algValue = alg ? child(alg, HL7, 'value') : undefined;
    if (algValue) c.xsiType(algValue, 'ST', `${mPath}/matchAlgorithm/value`);
    const mdm = child(mcl, HL7, 'minimumDegreeMatch');
    const mdmValue = mdm ? child(mdm, HL7, 'value') : undefined;
    if (mdmValue) {
      c.xsiType(mdmValue, 'INT', `${mPath}/minimumDegreeMatch/value`);
      const n = readInt(mdmValue);
      if (attr(mdmValue, 'value') !== undefined && (n === undefined || n < 0 || n > 100))
        c.error(
          'SYN103',
          'minimumDegreeMatch value shall be between 0 and 100',
          `${mPath}/minimumDegreeMatch/value/@value`,
        );
    }
  }
  const pl = c.required(qbp, 'parameterList', QBP);
  if (!pl) return c;
  c.omitted(pl, OMITTED_PARAMETERS, PL, 'ITI TF-2 3.47.4.1.2');
  for (const p of ['livingSubjectAdministrativeGender', 'livingSubjectBirthTime', 'patientAddress'])
    c.atMost(pl, p, 1, PL, 'ITI TF-2 3.47.4.1.2');
  for (const p of [
    'livingSubjectAdministrativeGender',
    'patientAddress',
    'livingSubjectBirthTime',
    'livingSubjectId',
    'livingSubjectName',
    'otherIDsScopingOrganization',
    'mothersMaidenName',
  ])
    children(pl, HL7, p).forEach((el, i) => {
      const values = children(el, HL7, 'value');
      if (values.length === 0) c.error('SYN105', `${p}/value is required`, `${PL}/${p}[${i + 1}]/value`);
      else if (values.length > 1)
        c.error(
          'SYN108',
          `only one ${p}/value is allowed (ITI TF-2 3.47.4.1.2)`,
          `${PL}/${p}[${i + 1}]/value[2]`,
        );
    });
  children(pl, HL7, 'otherIDsScopingOrganization').forEach((el, i) => {
    const v = child(el, HL7, 'value');
    if (v && (attr(v, 'root') === undefined || attr(v, 'extension') !== undefined))
      c.error(
        'SYN103',
        'otherIDsScopingOrganization/value shall have @root and no @extension (ITI TF-2 3.47.4.1.2)',
        iti47ScopingOrganizationLocation(i + 1),
      );
  });
  children(pl, HL7, 'livingSubjectBirthTime').forEach((el, i) => {
    const v = child(el, HL7, 'value');
    if (v) c.timestamp(v, 'low', `${PL}/livingSubjectBirthTime[${i + 1}]/value`);
    const value = v ? attr(v, 'value') : undefined;
    if (value !== undefined && !TS.test(value))
      c.error(
        'SYN102',
        'livingSubjectBirthTime value is not an HL7 TS',
        `${PL}/livingSubjectBirthTime[${i + 1}]/value/@value`,
      );
  });
  children(pl, HL7, 'livingSubjectId').forEach((el, i) => {
    const v = child(el, HL7, 'value');
    if (v && attr(v, 'root') === undefined)
      c.error(
        'SYN105',
        'livingSubjectId/value/@root (the assigning authority) is required',
        `${iti47LivingSubjectIdLocation(i + 1)}/@root`,
      );
  });
  return c;
}

const values = (pl: Element, name: string): Element[] =>
  children(pl, HL7, name).flatMap((p) => children(p, HL7, 'value'));

function readParameters(pl: Element): PdqParameters {
  const gender = values(pl, 'livingSubjectAdministrativeGender')[0];
  const birth = values(pl, 'livingSubjectBirthTime')[0];
  // IVL_TS: a point in @value, or an interval whose center or low bound carries it.
  const birthTime = birth
    ? (attr(birth, 'value') ??
      attr(child(birth, HL7, 'center') ?? birth, 'value') ??
      attr(child(birth, HL7, 'low') ?? birth, 'value'))
    : undefined;
  const deceased = values(pl, 'livingSubjectDeceasedTime')[0];
  const mmn = values(pl, 'mothersMaidenName')[0];
  const telecoms: Telecom[] = [];
  for (const t of values(pl, 'patientTelecom')) {
    const tel = readTelecom(t);
    if (tel) telecoms.push(tel);
  }
  const mothersMaidenName: PersonName | undefined = mmn ? readName(mmn) : undefined;
  const gcode = gender ? attr(gender, 'code') : undefined;
  const dtime = deceased ? attr(deceased, 'value') : undefined;
  return {
    livingSubjectIds: readIIs(values(pl, 'livingSubjectId')),
    otherIDsScopingOrganizations: values(pl, 'otherIDsScopingOrganization')
      .map((v) => attr(v, 'root'))
      .filter((r): r is string => r !== undefined),
    names: values(pl, 'livingSubjectName').map(readName),
    administrativeGender: gcode,
    birthTime,
    addresses: values(pl, 'patientAddress').map(readAddress),
    telecoms,
    mothersMaidenName,
    deceasedTime: dtime,
  };
}

const codeAttr = (parent: Element, name: string): string | undefined => {
  const el = child(parent, HL7, name);
  return el ? attr(el, 'code') : undefined;
};

/** Parses and validates an ITI-47 Patient Demographics Query (PRPA_IN201305UV02). */
export function parseIti47(input: Hl7v3Input): Parsed<PdqQueryV3> {
  const opened = openMessage(input, ['PRPA_IN201305UV02']);
  if (!opened.ok) return opened;
  const root = opened.root;
  const c = checkQuery(root);
  return result(root, c.issues, () => {
    const cap = child(root, HL7, 'controlActProcess') as Element;
    const qbp = child(cap, HL7, 'queryByParameter') as Element;
    const mcl = child(qbp, HL7, 'matchCriterionList');
    const alg = mcl ? child(mcl, HL7, 'matchAlgorithm') : undefined;
    const algValue = alg ? child(alg, HL7, 'value') : undefined;
    const mdm = mcl ? child(mcl, HL7, 'minimumDegreeMatch') : undefined;
    const minimumDegreeMatch = readInt(mdm ? child(mdm, HL7, 'value') : undefined);
    const initialQuantity = readInt(child(qbp, HL7, 'initialQuantity'));
    const statusCode = codeAttr(qbp, 'statusCode');
    const responseModalityCode = codeAttr(qbp, 'responseModalityCode');
    const responsePriorityCode = codeAttr(qbp, 'responsePriorityCode');
    const matchAlgorithm = algValue ? (algValue.textContent ?? '').trim() : undefined;
    const author = readAuthorDevice(cap);
    return {
      transaction: 'ITI-47' as const,
      header: readHeader(root),
      queryId: readII(child(qbp, HL7, 'queryId')) as PdqQueryV3['queryId'],
      statusCode,
      responseModalityCode,
      responsePriorityCode,
      initialQuantity,
      matchAlgorithm,
      minimumDegreeMatch,
      parameters: readParameters(child(qbp, HL7, 'parameterList') as Element),
      authorDeviceId: author,
    };
  });
}

const CONTINUATION_STATUS = ['waitContinuedQueryResponse', 'aborted'];

/**
 * Parses and validates an ITI-47 continuation or cancel, QUQI_IN000003UV01 (ITI TF-2
 * 3.47.4.3, Table 3.47.4.3.2-1): acknowledgement AA whose targetMessage is the previous
 * response, trigger PRPA_TE000003UV01, queryContinuation with the original queryId and
 * statusCode waitContinuedQueryResponse (next page) or aborted (cancel). The root may also be
 * QUQI_IN000003UV01_Cancel, the element name some implementations send for the cancel.
 */
export function parseIti47Continuation(input: Hl7v3Input): Parsed<PdqContinuationV3> {
  const opened = openMessage(input, ['QUQI_IN000003UV01', 'QUQI_IN000003UV01_Cancel']);
  if (!opened.ok) return opened;
  const root = opened.root;
  const path = `/${root.localName}`;
  const c = new Checker();
  checkWrapperForContinuation(c, root);
  const ack = c.required(root, 'acknowledgement', path);
  if (ack) {
    c.code(ack, 'typeCode', ['AA'], `${path}/acknowledgement`, 'ITI TF-2 3.47.4.3.2');
    const tm = c.required(ack, 'targetMessage', `${path}/acknowledgement`);
    if (tm) c.required(tm, 'id', `${path}/acknowledgement/targetMessage`);
  }
  const cap = checkControlAct(c, root, 'PRPA_TE000003UV01');
  const qc = cap ? c.required(cap, 'queryContinuation', `${path}/controlActProcess`) : undefined;
  if (qc) {
    const qcPath = `${path}/controlActProcess/queryContinuation`;
    const qid = c.required(qc, 'queryId', qcPath);
    if (qid && attr(qid, 'root') === undefined)
      c.error('SYN105', 'queryId/@root is required', `${qcPath}/queryId/@root`);
    c.code(qc, 'statusCode', CONTINUATION_STATUS, qcPath, 'ITI TF-2 Appendix O Table O.2.4-4');
    const cq = child(qc, HL7, 'continuationQuantity');
    if (cq) {
      const n = readInt(cq);
      if (n === undefined || n < 1)
        c.error(
          'SYN102',
          'continuationQuantity/@value shall be a positive integer',
          `${qcPath}/continuationQuantity/@value`,
        );
    }
  }
  return result(root, c.issues, () => {
    const q = child(child(root, HL7, 'controlActProcess') as Element, HL7, 'queryContinuation') as Element;
    const statusCode = codeAttr(q, 'statusCode') as string;
    const continuationQuantity = readInt(child(q, HL7, 'continuationQuantity'));
    const startResultNumber = readInt(child(q, HL7, 'startResultNumber'));
    const tm = child(child(root, HL7, 'acknowledgement') as Element, HL7, 'targetMessage') as Element;
    const targetMessageId = readII(child(tm, HL7, 'id'));
    return {
      transaction: 'ITI-47' as const,
      header: readHeader(root),
      queryId: readII(child(q, HL7, 'queryId')) as PdqContinuationV3['queryId'],
      statusCode,
      cancel: statusCode === 'aborted',
      continuationQuantity,
      startResultNumber,
      targetMessageId,
    };
  });
}

/** QUQI_IN000003UV01 uses the MCCI_MT000300UV01 wrapper, but its interactionId is QUQI_IN000003UV01 for the cancel too. */
function checkWrapperForContinuation(c: Checker, root: Element): void {
  const before = c.issues.length;
  checkWrapper(c, root, 'AL');
  if (root.localName === 'QUQI_IN000003UV01_Cancel') {
    // The interactionId of a cancel is still QUQI_IN000003UV01 (ITI TF-2 3.47.4.3.2).
    const i = c.issues.findIndex(
      (x, k) => k >= before && x.location === `/${root.localName}/interactionId/@extension`,
    );
    if (i >= 0) c.issues.splice(i, 1);
    const iid = child(root, HL7, 'interactionId');
    if (iid && attr(iid, 'extension') !== 'QUQI_IN000003UV01')
      c.error(
        'SYN103',
        'interactionId/@extension shall be QUQI_IN000003UV01',
        `/${root.localName}/interactionId/@extension`,
      );
  }
}
