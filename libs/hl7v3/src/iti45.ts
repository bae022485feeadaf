/** ITI-45 PIXV3 Query: Patient Identifier Cross-reference Consumer -> Patient Identifier Cross-reference Manager. */
import { attr, child, children } from '@mesh/xml';
import { openMessage, result } from './message.js';
import type { Hl7v3Input, Parsed } from './message.js';
import type { PixQueryV3 } from './model.js';
import {
  Checker,
  HL7,
  OID,
  checkControlAct,
  checkWrapper,
  readAuthorDevice,
  readHeader,
  readII,
} from './read.js';

const QBP = '/PRPA_IN201309UV02/controlActProcess/queryByParameter';

/** XPath of the queried-for identifier, the location IHE gives for an unknown patient or domain (ITI TF-2 3.45.4.2.3 cases 3, 4). */
export const ITI45_PATIENT_IDENTIFIER_LOCATION = `${QBP}/parameterList/patientIdentifier/value`;

/** XPath of the n-th (1-based) dataSource value, the location for an unknown requested domain (ITI TF-2 3.45.4.2.3 case 5). */
export function iti45DataSourceLocation(n: number): string {
  return `${QBP}/parameterList/dataSource[${n}]/value`;
}

/**
 * Checks PRPA_IN201309UV02 (ITI TF-2 3.45.4.1.2, Table 3.45.4.1.2-1): the wrapper, trigger
 * PRPA_TE201309UV02, a queryByParameter with queryId, statusCode new and
 * responsePriorityCode I, exactly one patientIdentifier with one value whose root names the
 * domain, and dataSource values that are OIDs without extension.
 */
function check(root: Element): Checker {
  const c = new Checker();
  checkWrapper(c, root, 'AL');
  const cap = checkControlAct(c, root, 'PRPA_TE201309UV02');
  if (!cap) return c;
  const qbp = c.required(cap, 'queryByParameter', '/PRPA_IN201309UV02/controlActProcess');
  if (!qbp) return c;
  const qid = c.required(qbp, 'queryId', QBP);
  if (qid && attr(qid, 'root') === undefined)
    c.error('SYN105', 'queryId/@root is required', `${QBP}/queryId/@root`);
  c.code(qbp, 'statusCode', ['new'], QBP, 'ITI TF-2 3.45.4.1.2');
  c.code(qbp, 'responsePriorityCode', ['I'], QBP, 'ITI TF-2 3.45.4.1.2');
  const pl = c.required(qbp, 'parameterList', QBP);
  if (!pl) return c;
  const plPath = `${QBP}/parameterList`;
  const pids = children(pl, HL7, 'patientIdentifier');
  if (pids.length === 0)
    c.error('SYN105', 'patientIdentifier is required (ITI TF-2 3.45.4.1.2)', `${plPath}/patientIdentifier`);
  else if (pids.length > 1)
    c.error(
      'SYN108',
      'exactly one patientIdentifier shall be present (ITI TF-2 3.45.4.1.2)',
      `${plPath}/patientIdentifier[2]`,
    );
  const pid = pids[0];
  if (pid) {
    const values = children(pid, HL7, 'value');
    if (values.length === 0)
      c.error('SYN105', 'patientIdentifier/value is required', ITI45_PATIENT_IDENTIFIER_LOCATION);
    else if (values.length > 1)
      c.error(
        'SYN108',
        'exactly one patientIdentifier/value shall be present',
        `${plPath}/patientIdentifier/value[2]`,
      );
    const v = values[0];
    if (v && attr(v, 'root') === undefined)
      c.error(
        'SYN105',
        'patientIdentifier/value/@root (the assigning authority) is required',
        `${ITI45_PATIENT_IDENTIFIER_LOCATION}/@root`,
      );
  }
  children(pl, HL7, 'dataSource').forEach((ds, i) => {
    const values = children(ds, HL7, 'value');
    const loc = iti45DataSourceLocation(i + 1);
    if (values.length !== 1) {
      c.error(
        values.length ? 'SYN108' : 'SYN105',
        'each dataSource shall have exactly one value (ITI TF-2 3.45.4.1.2)',
        loc,
      );
      return;
    }
    const v = values[0] as Element;
    const root = attr(v, 'root');
    if (root === undefined) c.error('SYN105', 'dataSource/value/@root is required', `${loc}/@root`);
    else if (!OID.test(root)) c.error('SYN103', 'dataSource/value/@root shall be an ISO OID', `${loc}/@root`);
    if (attr(v, 'extension') !== undefined)
      c.error(
        'SYN103',
        'dataSource/value/@extension shall not be valued (ITI TF-2 3.45.4.1.2)',
        `${loc}/@extension`,
      );
  });
  return c;
}

/** Parses and validates an ITI-45 PIXV3 Query (PRPA_IN201309UV02). */
export function parseIti45(input: Hl7v3Input): Parsed<PixQueryV3> {
  const opened = openMessage(input, ['PRPA_IN201309UV02']);
  if (!opened.ok) return opened;
  const root = opened.root;
  const c = check(root);
  return result(root, c.issues, () => {
    const cap = child(root, HL7, 'controlActProcess') as Element;
    const qbp = child(cap, HL7, 'queryByParameter') as Element;
    const pl = child(qbp, HL7, 'parameterList') as Element;
    const pid = child(pl, HL7, 'patientIdentifier') as Element;
    const sc = child(qbp, HL7, 'statusCode');
    const rp = child(qbp, HL7, 'responsePriorityCode');
    const author = readAuthorDevice(cap);
    return {
      transaction: 'ITI-45' as const,
      header: readHeader(root),
      queryId: readII(child(qbp, HL7, 'queryId')) as PixQueryV3['queryId'],
      ...(sc && attr(sc, 'code') !== undefined ? { statusCode: attr(sc, 'code') } : {}),
      ...(rp && attr(rp, 'code') !== undefined ? { responsePriorityCode: attr(rp, 'code') } : {}),
      patientIdentifier: readII(child(pid, HL7, 'value')) as PixQueryV3['patientIdentifier'],
      dataSources: children(pl, HL7, 'dataSource').map(
        (d) => attr(child(d, HL7, 'value') as Element, 'root') as string,
      ),
      authorDeviceId: author,
    };
  });
}
