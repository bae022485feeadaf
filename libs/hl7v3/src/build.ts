/**
 * Responses and notifications the PIX Manager / PDQ Supplier sends: MCCI_IN000002UV01
 * acknowledgements (ITI-44, ITI-47 cancel), PRPA_IN201310UV02 (ITI-45), PRPA_IN201306UV02
 * (ITI-47) and the ITI-46 PRPA_IN201302UV02 update notification. Pure: ids and times come
 * from the caller. Each builder returns the message element alone (no XML declaration), ready
 * to be the SOAP Body's child (@mesh/soap SoapReply.body) or a standalone UTF-8 document.
 */
import type { Issue } from '@mesh/core';
import { ackTypeFor } from './codes.js';
import type {
  AckTypeCode,
  Demographics,
  Device,
  II,
  MatchedPatient,
  MessageHeader,
  PdqQueryV3,
  PersonName,
  PixQueryV3,
} from './model.js';
import {
  NA_NAME,
  ROOT_ATTRS,
  acknowledgement,
  ad,
  custodian,
  el,
  ii,
  person,
  pn,
  responseWrapper,
  tel,
  txt,
  wrapper,
} from './write.js';
import type { MessageOptions, ResponseAddressing, Xml } from './write.js';

export type { MessageOptions, ResponseAddressing } from './write.js';

export const CODE_SYSTEM = '2.16.840.1.113883.1.6';

/**
 * MCCI_IN000002UV01 application acknowledgement (ITI TF-2 3.44.4.1.3 / 3.44.4.2.3; Appendix
 * O.1.2): AA when `issues` has no error, else AE, or AR when a not-supported/syntax code
 * rejects the message (see {@link ackTypeFor}); one acknowledgementDetail per issue with
 * its code, text and XPath location. targetMessage is the request's message id; the
 * request's sender becomes the receiver. When the request could not be read at all
 * (`request` undefined) the target id is nullFlavor UNK and `receiver` should be given.
 * Also answers an ITI-47 cancel (QUQI_IN000003UV01_Cancel) and acknowledges ITI-46.
 */
export function buildAck(
  opts: MessageOptions &
    ResponseAddressing & {
      readonly request?: MessageHeader;
      readonly issues?: readonly Issue[];
      /** Overrides the typeCode derived from the issues. */
      readonly typeCode?: AckTypeCode;
    },
): string {
  const issues = opts.issues ?? [];
  return el(
    'MCCI_IN000002UV01',
    ROOT_ATTRS,
    responseWrapper('MCCI_IN000002UV01', opts.request, opts),
    acknowledgement(opts.typeCode ?? ackTypeFor(issues), opts.request?.messageId, issues),
  );
}

/** The content of a PIXV3 query, without its transmission wrapper. */
export type PixQuery = Omit<PixQueryV3, 'transaction' | 'header'>;
/** The content of a PDQV3 query, without its transmission wrapper. */
export type PdqQuery = Omit<PdqQueryV3, 'transaction' | 'header'>;

/** The outcome of resolving a PIXV3 query (ITI TF-2 3.45.4.2.3). */
export type PixQueryResult =
  /** Case 1: the identifiers in the requested domains (the queried-for id is left out). */
  | {
      readonly kind: 'found';
      readonly patientIds: readonly II[];
      /** Person names to return; none gives name nullFlavor NA. */
      readonly names?: readonly PersonName[];
      readonly providerOrganizationId?: II;
    }
  /** Case 2: the patient is known, but has no identifier in the requested domains. */
  | { readonly kind: 'not-found' }
  /** Cases 3-5: unknown patient id, unknown patient id domain, unknown data source domain (issues coded 204). */
  | { readonly kind: 'error'; readonly issues: readonly Issue[] };

/** Options of query responses: our device, our custodian id, the message id and time. */
export type QueryResponseOptions = MessageOptions &
  ResponseAddressing & {
    /** registrationEvent/custodian/assignedEntity/id: the PIX Manager / PDQ Supplier (an OID). */
    readonly custodianId: II;
  };

const sameId = (a: II, b: II): boolean => a.root === b.root && (a.extension ?? '') === (b.extension ?? '');

function queryAck(
  queryId: II | undefined,
  responseCode: string,
  counts?: { total: number; current: number; remaining: number },
): Xml {
  const q = queryId ? ii('queryId', queryId) : el('queryId', { nullFlavor: 'UNK' });
  return el(
    'queryAck',
    {},
    q,
    // QueryStatusCode: more results wait for a continuation, else the response is delivered.
    el('statusCode', {
      code: counts && counts.remaining > 0 ? 'waitContinuedQueryResponse' : 'deliveredResponse',
    }),
    el('queryResponseCode', { code: responseCode }),
    counts && el('resultTotalQuantity', { value: counts.total }),
    counts && el('resultCurrentQuantity', { value: counts.current }),
    counts && el('resultRemainingQuantity', { value: counts.remaining }),
  );
}

function registrationEvent(patient: Xml, custodianId: II): Xml {
  return el(
    'subject',
    { typeCode: 'SUBJ', contextConductionInd: 'false' },
    el(
      'registrationEvent',
      { classCode: 'REG', moodCode: 'EVN' },
      el('id', { nullFlavor: 'NA' }),
      el('statusCode', { code: 'active' }),
      el('subject1', { typeCode: 'SBJ' }, patient),
      custodian(custodianId),
    ),
  );
}

/** COCT_MT150003UV03.Organization: id, then at least one contactParty (the schema's minOccurs 1). */
function providerOrganization(id: II): Xml {
  return el(
    'providerOrganization',
    { classCode: 'ORG', determinerCode: 'INSTANCE' },
    ii('id', { root: id.root }),
    el('contactParty', { classCode: 'CON' }),
  );
}

/**
 * A patient role in schema order (PRPA_MT201302UV02 / 201304UV02 / 201310UV02.Patient): ids,
 * statusCode active, the person, the provider organization (by default the assigning
 * authority of the first id), then what follows (subjectOf1).
 */
export function patientRole(
  ids: readonly II[],
  personContent: readonly Xml[],
  org: II | undefined,
  after?: Xml | false,
): Xml {
  const provider = org ?? ids[0];
  return el(
    'patient',
    { classCode: 'PAT' },
    ids.map((id) => ii('id', id)),
    el('statusCode', { code: 'active' }),
    el('patientPerson', { classCode: 'PSN', determinerCode: 'INSTANCE' }, personContent),
    provider && providerOrganization(provider),
    after,
  );
}

/** The query echoed in the response (ITI TF-2 3.45.4.2.3: the queried-for id is returned in the QueryByParameter). */
export function pixQueryByParameter(q: PixQuery): Xml {
  return el(
    'queryByParameter',
    {},
    ii('queryId', q.queryId),
    el('statusCode', { code: q.statusCode ?? 'new' }),
    el('responsePriorityCode', { code: q.responsePriorityCode ?? 'I' }),
    el(
      'parameterList',
      {},
      q.dataSources.map((root) =>
        el('dataSource', {}, el('value', { root }), el('semanticsText', {}, txt('DataSource.id'))),
      ),
      el(
        'patientIdentifier',
        {},
        ii('value', q.patientIdentifier),
        el('semanticsText', {}, txt('Patient.id')),
      ),
    ),
  );
}

/**
 * PRPA_IN201310UV02 PIXV3 query response (ITI TF-2 3.45.4.2): `found` gives AA / OK with one
 * registration event whose Patient.id lists the cross-referenced identifiers (never the
 * queried-for one, 3.45.4.2.3 case 1); `not-found` gives AA / NF and no registration event
 * (case 2); `error` gives AE / AE with one acknowledgementDetail per issue (cases 3-5: code
 * 204, location {@link ITI45_PATIENT_IDENTIFIER_LOCATION} or a dataSource value). The query
 * is echoed in queryByParameter.
 */
export function buildIti45Response(
  query: PixQueryV3,
  result: PixQueryResult,
  opts: QueryResponseOptions,
): string {
  let ackCode: AckTypeCode = 'AA';
  let responseCode = 'OK';
  let issues: readonly Issue[] = [];
  let subject: Xml | undefined;
  if (result.kind === 'found') {
    const ids = result.patientIds.filter((id) => !sameId(id, query.patientIdentifier));
    if (ids.length === 0) responseCode = 'NF';
    else {
      const names = (result.names?.length ? result.names : [NA_NAME]).map((n) => pn('name', n));
      const patient = patientRole(ids, names, result.providerOrganizationId);
      subject = registrationEvent(patient, opts.custodianId);
    }
  } else if (result.kind === 'not-found') responseCode = 'NF';
  else {
    issues = result.issues;
    ackCode = ackTypeFor(issues);
    if (ackCode === 'AA') ackCode = 'AE';
    responseCode = 'AE';
  }
  return el(
    'PRPA_IN201310UV02',
    ROOT_ATTRS,
    responseWrapper('PRPA_IN201310UV02', query.header, opts),
    acknowledgement(ackCode, query.header.messageId, issues),
    el(
      'controlActProcess',
      { classCode: 'CACT', moodCode: 'EVN' },
      el('code', { code: 'PRPA_TE201310UV02', codeSystem: CODE_SYSTEM }),
      subject,
      queryAck(query.queryId, responseCode),
      pixQueryByParameter(query),
    ),
  );
}

/** One page of PDQV3 results (ITI TF-2 3.47.4.2.3; continuation 3.47.4.3). */
export type PdqQueryResult =
  /** Case 1: matches. `total` is every match; `patients` this page; `remaining` what a continuation can still fetch. */
  | {
      readonly kind: 'found';
      readonly patients: readonly MatchedPatient[];
      readonly total: number;
      readonly remaining: number;
    }
  /** Case 2: no match. */
  | { readonly kind: 'not-found' }
  /** Case 4 (unknown otherIDsScopingOrganization domain, code 204) and other application errors. */
  | { readonly kind: 'error'; readonly issues: readonly Issue[] };

function demographicsParameters(q: PdqQuery): Xml {
  const p = q.parameters;
  const param = (name: string, value: Xml, semantics: string): Xml =>
    el(name, {}, value, el('semanticsText', {}, txt(semantics)));
  return el(
    'parameterList',
    {},
    p.administrativeGender !== undefined &&
      param(
        'livingSubjectAdministrativeGender',
        el('value', { code: p.administrativeGender }),
        'LivingSubject.administrativeGender',
      ),
    p.birthTime !== undefined &&
      param('livingSubjectBirthTime', el('value', { value: p.birthTime }), 'LivingSubject.birthTime'),
    p.livingSubjectIds.map((id) => param('livingSubjectId', ii('value', id), 'LivingSubject.id')),
    p.names.map((n) => param('livingSubjectName', pn('value', n), 'LivingSubject.name')),
    p.mothersMaidenName &&
      param('mothersMaidenName', pn('value', p.mothersMaidenName), 'Person.MothersMaidenName'),
    p.otherIDsScopingOrganizations.map((root) =>
      param('otherIDsScopingOrganization', el('value', { root }), 'OtherIDs.scopingOrganization.id'),
    ),
    p.addresses.map((a) => param('patientAddress', ad('value', a), 'Patient.addr')),
    p.telecoms.map((t) => param('patientTelecom', tel('value', t), 'Patient.telecom')),
  );
}

export function pdqQueryByParameter(q: PdqQuery): Xml {
  const mcl =
    q.matchAlgorithm !== undefined || q.minimumDegreeMatch !== undefined
      ? el(
          'matchCriterionList',
          {},
          q.matchAlgorithm !== undefined &&
            el(
              'matchAlgorithm',
              {},
              el('value', { 'xsi:type': 'ST' }, txt(q.matchAlgorithm)),
              el('semanticsText', {}, txt('MatchAlgorithm')),
            ),
          q.minimumDegreeMatch !== undefined &&
            el(
              'minimumDegreeMatch',
              {},
              el('value', { 'xsi:type': 'INT', value: q.minimumDegreeMatch }),
              el('semanticsText', {}, txt('Degree of match requested')),
            ),
        )
      : undefined;
  return el(
    'queryByParameter',
    {},
    ii('queryId', q.queryId),
    el('statusCode', { code: q.statusCode ?? 'new' }),
    el('responseModalityCode', { code: q.responseModalityCode ?? 'R' }),
    el('responsePriorityCode', { code: q.responsePriorityCode ?? 'I' }),
    q.initialQuantity !== undefined && el('initialQuantity', { value: q.initialQuantity }),
    mcl,
    demographicsParameters(q),
  );
}

function matchedPatient(p: MatchedPatient): Xml {
  return patientRole(
    p.ids,
    person(p.demographics, p.otherIds),
    p.providerOrganizationId,
    p.matchScore !== undefined &&
      el(
        'subjectOf1',
        {},
        el(
          'queryMatchObservation',
          { classCode: 'COND', moodCode: 'EVN' },
          el('code', { code: 'IHE_PDQ' }),
          el('value', { 'xsi:type': 'INT', value: Math.round(p.matchScore) }),
        ),
      ),
  );
}

/**
 * PRPA_IN201306UV02 PDQV3 query response (ITI TF-2 3.47.4.2), for a query or a continuation:
 * `found` gives AA / OK with one registration event per patient on this page, each with a
 * queryMatchObservation (INT, 0-100) when scored, and a queryAck carrying
 * resultTotalQuantity, resultCurrentQuantity and resultRemainingQuantity (3.47.4.2.2;
 * statusCode waitContinuedQueryResponse while results remain); `not-found` gives AA / NF;
 * `error` gives AE / AE with the issues as acknowledgementDetails. The original query is
 * echoed. For a continuation pass its header as `inResponseTo` so the acknowledgement
 * targets it and the answer goes to its sender.
 */
export function buildIti47Response(
  query: PdqQueryV3,
  result: PdqQueryResult,
  opts: QueryResponseOptions & { readonly inResponseTo?: MessageHeader },
): string {
  const request = opts.inResponseTo ?? query.header;
  let ackCode: AckTypeCode = 'AA';
  let issues: readonly Issue[] = [];
  let qa: Xml;
  let subjects: Xml[] = [];
  if (result.kind === 'found' && result.patients.length > 0) {
    subjects = result.patients.map((p) => registrationEvent(matchedPatient(p), opts.custodianId));
    qa = queryAck(query.queryId, 'OK', {
      total: result.total,
      current: result.patients.length,
      remaining: result.remaining,
    });
  } else if (result.kind === 'error') {
    issues = result.issues;
    ackCode = ackTypeFor(issues);
    if (ackCode === 'AA') ackCode = 'AE';
    qa = queryAck(query.queryId, 'AE', { total: 0, current: 0, remaining: 0 });
  } else qa = queryAck(query.queryId, 'NF', { total: 0, current: 0, remaining: 0 });
  return el(
    'PRPA_IN201306UV02',
    ROOT_ATTRS,
    responseWrapper('PRPA_IN201306UV02', request, opts),
    acknowledgement(ackCode, request.messageId, issues),
    el(
      'controlActProcess',
      { classCode: 'CACT', moodCode: 'EVN' },
      el('code', { code: 'PRPA_TE201306UV02', codeSystem: CODE_SYSTEM }),
      subjects,
      qa,
      pdqQueryByParameter(query),
    ),
  );
}

/**
 * The response to a query that could not be accepted (a Parsed failure of {@link parseIti45}
 * or {@link parseIti47}): PRPA_IN201310UV02 or PRPA_IN201306UV02 with AE, or AR for a rejected
 * message (see {@link ackTypeFor}), one acknowledgementDetail per issue and queryResponseCode
 * QE (query parameter error) for syntax issues, else AE. Without a readable header, `receiver`
 * should be given.
 */
export function buildQueryRejection(
  transaction: 'ITI-45' | 'ITI-47',
  failure: { readonly header?: MessageHeader; readonly issues: readonly Issue[]; readonly queryId?: II },
  opts: MessageOptions & ResponseAddressing,
): string {
  const interaction = transaction === 'ITI-45' ? 'PRPA_IN201310UV02' : 'PRPA_IN201306UV02';
  const trigger = transaction === 'ITI-45' ? 'PRPA_TE201310UV02' : 'PRPA_TE201306UV02';
  const errors = failure.issues.filter((i) => i.severity === 'Error');
  const typeCode = ackTypeFor(failure.issues) === 'AR' ? 'AR' : 'AE';
  const responseCode = errors.some((e) => e.code.startsWith('SYN')) ? 'QE' : 'AE';
  return el(
    interaction,
    ROOT_ATTRS,
    responseWrapper(interaction, failure.header, opts),
    acknowledgement(typeCode, failure.header?.messageId, failure.issues),
    el(
      'controlActProcess',
      { classCode: 'CACT', moodCode: 'EVN' },
      el('code', { code: trigger, codeSystem: CODE_SYSTEM }),
      queryAck(
        failure.queryId,
        responseCode,
        transaction === 'ITI-47' ? { total: 0, current: 0, remaining: 0 } : undefined,
      ),
    ),
  );
}

/** What an ITI-46 notification says about one patient. */
export interface PixUpdate {
  /** Every identifier of the patient in the domains the consumer is interested in (ITI TF-2 3.46.4.1.2). */
  readonly patientIds: readonly II[];
  /** Demographics to include; by default the name is nullFlavor NA. */
  readonly demographics?: Demographics;
  readonly providerOrganizationId?: II;
}

/**
 * ITI-46 PIXV3 Update Notification, PRPA_IN201302UV02 from the PIX Manager to a consumer
 * (ITI TF-2 3.46.4.1.2): acceptAckCode AL, trigger PRPA_TE201302UV02, one registration event
 * whose Patient.id lists the patient's identifiers in the consumer's domains of interest; the
 * consumer answers with an MCCI_IN000002UV01 ({@link parseAck}).
 */
export function buildIti46Notification(
  update: PixUpdate,
  opts: MessageOptions & {
    /** Our device (the PIX Manager). */
    readonly sender: Device;
    /** The PIX Consumer's device. */
    readonly receiver: Device;
    readonly custodianId: II;
  },
): string {
  const patient = patientRole(
    update.patientIds,
    person(update.demographics ?? { names: [], addresses: [], telecoms: [] }, []),
    update.providerOrganizationId,
  );
  return el(
    'PRPA_IN201302UV02',
    ROOT_ATTRS,
    wrapper('PRPA_IN201302UV02', opts, 'AL', opts.receiver, opts.sender),
    el(
      'controlActProcess',
      { classCode: 'CACT', moodCode: 'EVN' },
      el('code', { code: 'PRPA_TE201302UV02', codeSystem: CODE_SYSTEM }),
      registrationEvent(patient, opts.custodianId),
    ),
  );
}
