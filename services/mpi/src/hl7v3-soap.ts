/**
 * The MPI's HL7 V3 side over SOAP 1.2: ITI-44 Patient Identity Feed HL7 V3 and ITI-45 PIXV3
 * Query at /pix, ITI-47 Patient Demographics Query HL7 V3 (with continuation and cancel) at
 * /pdq. Messages are read and written by @mesh/hl7v3; every command and query goes to the same
 * transport-neutral core ({@link Mpi}) the HL7v2 transactions use; each transaction is audited
 * on the MPI's side (ITI TF-2 3.44.5.1, 3.45.5.1, 3.47.5.1).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { auditSource, buildTransactionAudit } from '@mesh/audit';
import type { TransactionAuditInput } from '@mesh/audit';
import type { Issue, RequestContext } from '@mesh/core';
import { error } from '@mesh/core';
import {
  ITI45_PATIENT_IDENTIFIER_LOCATION,
  HL7V3_ACTIONS,
  buildAck,
  buildIti45Response,
  buildIti47Response,
  buildQueryRejection,
  iti44PatientIdLocation,
  iti45DataSourceLocation,
  iti47LivingSubjectIdLocation,
  iti47ScopingOrganizationLocation,
  parseIti44,
  parseIti45,
  parseIti47,
  parseIti47Continuation,
} from '@mesh/hl7v3';
import type {
  Demographics as V3Demographics,
  II,
  MatchedPatient,
  MessageHeader,
  PdqQueryV3,
  PersonName as V3Name,
} from '@mesh/hl7v3';
import type { ServiceLogger } from '@mesh/runtime';
import type { SoapOperation } from '@mesh/soap';
import { NS, serialize } from '@mesh/xml';
import type { AuditHandoff } from './audit-handoff.js';
import type { Demographics } from './matching.js';
import { MpiError } from './model.js';
import type { PdqCriteria, PdqPatient, SourceIdentifier } from './model.js';
import type { Mpi } from './mpi.js';
import { hl7Date, toHl7Date } from './transactions/pid.js';

/** An ISO OID in dotted notation (device and custodian ids). */
export const OID = /^[0-2](\.(0|[1-9]\d*))+$/;

/** Configuration of the HL7 V3 side (read once by {@link loadHl7v3Config}). */
export interface Hl7v3Config {
  /** registrationEvent/custodian/assignedEntity/id of query responses (an OID): the organisation running the MPI. */
  readonly custodianId: string;
  /** Our device id (an OID) when we send (ITI-46); responses answer as the device the request addressed. */
  readonly deviceId: string;
  /** Largest ITI-47 page when the consumer gives no initialQuantity. */
  readonly defaultPageSize: number;
  /** How long an ITI-47 query stays open for continuations. */
  readonly continuationTtlMs: number;
}

/**
 * `MPI_V3_CUSTODIAN_ID` (default: the affinity domain's patient-id authority), `MPI_V3_DEVICE_ID`
 * (default: the custodian id), `MPI_V3_PAGE_SIZE` (default 100).
 */
export function loadHl7v3Config(
  env: Readonly<Record<string, string | undefined>>,
  defaults: { custodianId: string },
): Hl7v3Config {
  const custodianId = env['MPI_V3_CUSTODIAN_ID'] ?? defaults.custodianId;
  if (!OID.test(custodianId)) throw new Error(`MPI_V3_CUSTODIAN_ID must be an OID, is '${custodianId}'`);
  const page = Number(env['MPI_V3_PAGE_SIZE'] ?? 100);
  if (!Number.isInteger(page) || page < 1 || page > 1000)
    throw new Error(`MPI_V3_PAGE_SIZE must be an integer from 1 to 1000`);
  const deviceId = env['MPI_V3_DEVICE_ID'] ?? custodianId;
  if (!OID.test(deviceId)) throw new Error(`MPI_V3_DEVICE_ID must be an OID, is '${deviceId}'`);
  return Object.freeze({ custodianId, deviceId, defaultPageSize: page, continuationTtlMs: 10 * 60_000 });
}

export interface Hl7v3Deps {
  readonly mpi: Mpi;
  readonly config: Hl7v3Config;
  /** Where audit records go; the response does not wait for them to be durable. */
  readonly audit: AuditHandoff;
  readonly logger: ServiceLogger;
  readonly clock: () => Date;
  readonly env: Readonly<Record<string, string | undefined>>;
}

// ------------------------------------------------------------------------------------------
// HL7 V3 <-> core model
// ------------------------------------------------------------------------------------------

const sourceId = (i: II): SourceIdentifier => ({ id: i.extension ?? '', assigningAuthority: i.root });
const toII = (p: { id: string; assigningAuthority: string }): II => ({
  root: p.assigningAuthority,
  extension: p.id,
});
const iiText = (i: II): string => (i.extension === undefined ? i.root : `${i.root}^${i.extension}`);
const cx = (i: II): string => `${i.extension ?? ''}^^^&${i.root}&ISO`;

/** HL7 V3 AdministrativeGender (M, F, UN) as HL7v2 administrative sex (M, F, U). */
const SEX: Readonly<Record<string, string>> = { M: 'M', F: 'F', UN: 'U' };
const GENDER: Readonly<Record<string, string>> = { M: 'M', F: 'F', U: 'UN', O: 'UN' };

function nameOf(n: V3Name): Demographics['names'][number] {
  const use = n.use?.[0];
  return {
    family: n.family.join(' '),
    given: n.given,
    ...(n.prefix.length > 0 ? { prefix: n.prefix.join(' ') } : {}),
    ...(n.suffix.length > 0 ? { suffix: n.suffix.join(' ') } : {}),
    ...(use ? { use } : {}),
  };
}

/** patientPerson as the core's demographics. */
export function demographicsFromV3(d: V3Demographics): Demographics {
  const birthDate = d.birthTime ? hl7Date(d.birthTime) : undefined;
  const sex = d.administrativeGender ? SEX[d.administrativeGender] : undefined;
  const mother = d.mothersMaidenName?.family.join(' ');
  return {
    names: d.names.filter((n) => n.family.length > 0 || n.given.length > 0).map(nameOf),
    ...(birthDate ? { birthDate } : {}),
    ...(sex ? { sex } : {}),
    addresses: d.addresses.map((a) => ({
      ...(a.streetAddressLine.length > 0 ? { street: a.streetAddressLine.join(', ') } : {}),
      ...(a.city ? { city: a.city } : {}),
      ...(a.state ? { state: a.state } : {}),
      ...(a.postalCode ? { postalCode: a.postalCode } : {}),
      ...(a.country ? { country: a.country } : {}),
      ...(a.use?.[0] ? { use: a.use[0] } : {}),
    })),
    telecoms: d.telecoms.map((t) => t.value),
    ...(mother ? { mothersMaidenName: mother } : {}),
    ...(d.multipleBirthInd === undefined ? {} : { multipleBirthIndicator: d.multipleBirthInd }),
    ...(d.multipleBirthOrderNumber === undefined ? {} : { birthOrder: d.multipleBirthOrderNumber }),
  };
}

/** The core's demographics as patientPerson. */
export function demographicsToV3(d: Demographics): V3Demographics {
  const gender = d.sex ? GENDER[d.sex] : undefined;
  return {
    names: d.names.map((n) => ({
      family: n.family === '' ? [] : [n.family],
      given: n.given,
      prefix: n.prefix ? [n.prefix] : [],
      suffix: n.suffix ? [n.suffix] : [],
      ...(n.use ? { use: [n.use] } : {}),
    })),
    ...(gender ? { administrativeGender: gender } : {}),
    ...(d.birthDate ? { birthTime: toHl7Date(d.birthDate) } : {}),
    addresses: (d.addresses ?? []).map((a) => ({
      streetAddressLine: a.street ? [a.street] : [],
      ...(a.city ? { city: a.city } : {}),
      ...(a.state ? { state: a.state } : {}),
      ...(a.postalCode ? { postalCode: a.postalCode } : {}),
      ...(a.country ? { country: a.country } : {}),
    })),
    telecoms: (d.telecoms ?? []).map((value) => ({ value })),
    ...(d.mothersMaidenName
      ? { mothersMaidenName: { family: [d.mothersMaidenName], given: [], prefix: [], suffix: [] } }
      : {}),
    ...(d.multipleBirthIndicator === undefined ? {} : { multipleBirthInd: d.multipleBirthIndicator }),
    ...(d.birthOrder === undefined ? {} : { multipleBirthOrderNumber: d.birthOrder }),
  };
}

/** ITI-47 parameterList as PDQ criteria (ITI TF-2 Table 3.47.4.1.2-2). */
export function criteriaFromV3(q: PdqQueryV3): PdqCriteria {
  const p = q.parameters;
  // Consumers send family and given in one name or in separate livingSubjectName parameters.
  const family = p.names.find((n) => n.family.length > 0)?.family;
  const given = p.names.find((n) => n.given.length > 0)?.given;
  const addr = p.addresses[0];
  const id = p.livingSubjectIds[0];
  const birthDate = p.birthTime ? hl7Date(p.birthTime) : undefined;
  const sex = p.administrativeGender ? SEX[p.administrativeGender] : undefined;
  const mother = p.mothersMaidenName?.family.join(' ');
  return {
    ...(family ? { family: family.join(' ') } : {}),
    ...(given ? { given: given.join(' ') } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(sex ? { sex } : {}),
    ...(addr?.streetAddressLine[0] ? { street: addr.streetAddressLine[0] } : {}),
    ...(addr?.city ? { city: addr.city } : {}),
    ...(addr?.postalCode ? { postalCode: addr.postalCode } : {}),
    ...(addr?.country ? { country: addr.country } : {}),
    ...(id ? { identifier: sourceId(id) } : {}),
    ...(mother ? { mothersMaidenName: mother } : {}),
  };
}

/** The query object of an ITI-45/ITI-47 audit record: the QueryByParameter as sent, and the queryId. */
function auditedQuery(message: Element, queryId: II): { query: string; queryId: string } {
  const qbp = message.getElementsByTagNameNS(NS.hl7v3, 'queryByParameter')[0];
  return { query: qbp ? serialize(qbp) : '', queryId: `${queryId.extension ?? ''}@${queryId.root}` };
}

function matched(p: PdqPatient): MatchedPatient {
  return {
    ids: [toII(p.enterpriseId), ...p.identifiers.map(toII)],
    otherIds: [],
    statusCode: 'active',
    demographics: demographicsToV3(p.demographics),
  };
}

/** An MpiError as an acknowledgementDetail: unknown ids and domains are 204 (ITI TF-2 3.45.4.2.3, 3.47.4.1.3). */
function issueOfError(err: MpiError, location: string): Issue {
  const code =
    err.code === 'UnknownDomain' || err.code === 'UnknownPatient'
      ? '204'
      : err.code === 'MissingField'
        ? 'SYN105'
        : 'SYN103';
  return error(code, err.message, location);
}

// ------------------------------------------------------------------------------------------
// The operations
// ------------------------------------------------------------------------------------------

/** ITI-47 queries open for continuation, by queryId (in this process). */
interface OpenQuery {
  readonly query: PdqQueryV3;
  readonly continuation?: string;
  readonly returned: number;
  readonly expires: number;
}

/** SOAP operations of the MPI's HL7 V3 transactions, by endpoint path. */
export function hl7v3SoapOperations(d: Hl7v3Deps): Record<'/pix' | '/pdq', SoapOperation[]> {
  const source = auditSource(d.env['AUDIT_SOURCE_ID'] ?? 'ihe-mesh', d.env['AUDIT_ENTERPRISE_SITE_ID']);
  const host = hostname();
  const custodianId: II = { root: d.config.custodianId };
  const open = new Map<string, OpenQuery>();
  const message = () => ({ messageId: { root: randomUUID() }, creationTime: d.clock() });

  /** Queues the transaction's audit record; the response does not wait for it (audit-handoff.ts). */
  const audit = (
    rctx: RequestContext,
    header: MessageHeader | undefined,
    transaction: 'ITI-44' | 'ITI-45' | 'ITI-47',
    failed: boolean,
    extra: Pick<TransactionAuditInput, 'action' | 'patientId' | 'patientIds' | 'hl7Query'>,
  ): Promise<void> => {
    const eventDateTime = d.clock();
    const messageId = header ? iiText(header.messageId) : undefined;
    return d.audit.record({ transaction, ...(messageId ? { messageId } : {}) }, () =>
      buildTransactionAudit({
        transaction,
        side: 'responder',
        outcome: failed ? 'Failure' : 'Success',
        eventDateTime,
        initiator: {
          userId: header ? header.sender.id.root : 'unknown',
          ...(rctx.remoteAddress === undefined ? {} : { networkAccessPoint: rctx.remoteAddress }),
        },
        responder: {
          userId: rctx.endpoint ?? (transaction === 'ITI-47' ? '/pdq' : '/pix'),
          altUserId: String(process.pid),
          networkAccessPoint: host,
        },
        principal: rctx.principal,
        auditSource: source,
        ...(messageId ? { messageId } : {}),
        ...extra,
      }),
    );
  };

  const action = (element: string): { request: string; response: string } => {
    const a = HL7V3_ACTIONS.find((x) => x.requestElement === element && x.transaction !== 'ITI-46');
    if (!a) throw new Error(`no action for ${element}`);
    return a;
  };

  /** ITI-44 Patient Identity Feed HL7 V3: Patient Identity Source -> PIX Manager (ITI TF-2 3.44). */
  const iti44 = (element: string): SoapOperation => ({
    transaction: 'ITI-44',
    action: action(element).request,
    responseAction: action(element).response,
    handler: async (req, rctx) => {
      const parsed = parseIti44(req.body);
      if (!parsed.ok) {
        await audit(rctx, parsed.header, 'ITI-44', true, {});
        return {
          body: buildAck({
            ...message(),
            ...(parsed.header ? { request: parsed.header } : {}),
            issues: parsed.issues,
          }),
        };
      }
      const feed = parsed.value;
      const ids = [...feed.patient.ids, ...feed.patient.otherIds];
      let issues: Issue[] = [...parsed.issues];
      try {
        await d.mpi.feed({
          action: feed.kind,
          identifiers: ids.map(sourceId),
          demographics: demographicsFromV3(feed.patient.demographics),
          ...(feed.kind === 'merge' ? { priorIdentifiers: feed.replacedIds.map(sourceId) } : {}),
          actor: { id: feed.header.sender.id.root, transaction: 'ITI-44' },
        });
      } catch (err) {
        if (!(err instanceof MpiError)) throw err;
        const at =
          err.target === 'identifiers'
            ? iti44PatientIdLocation(feed.header.interactionId, (err.index ?? 0) + 1)
            : `/${feed.header.interactionId}/controlActProcess/subject/registrationEvent`;
        issues = [...issues, issueOfError(err, at)];
      }
      const failed = issues.some((i) => i.severity === 'Error');
      const patient = feed.patient.ids[0];
      if (feed.kind === 'merge') {
        await audit(rctx, feed.header, 'ITI-44', failed, {
          action: 'U',
          ...(patient ? { patientId: cx(patient) } : {}),
        });
        for (const r of feed.replacedIds)
          await audit(rctx, feed.header, 'ITI-44', failed, { action: 'D', patientId: cx(r) });
      } else {
        await audit(rctx, feed.header, 'ITI-44', failed, {
          action: feed.kind === 'add' ? 'C' : 'U',
          ...(patient ? { patientId: cx(patient) } : {}),
        });
      }
      return { body: buildAck({ ...message(), request: feed.header, issues }) };
    },
  });

  /** ITI-45 PIXV3 Query: PIX Consumer -> PIX Manager (ITI TF-2 3.45). */
  const iti45: SoapOperation = {
    transaction: 'ITI-45',
    action: action('PRPA_IN201309UV02').request,
    responseAction: action('PRPA_IN201309UV02').response,
    handler: async (req, rctx) => {
      const parsed = parseIti45(req.body);
      if (!parsed.ok) {
        await audit(rctx, parsed.header, 'ITI-45', true, {});
        return {
          body: buildQueryRejection(
            'ITI-45',
            { ...(parsed.header ? { header: parsed.header } : {}), issues: parsed.issues },
            message(),
          ),
        };
      }
      const q = parsed.value;
      const hl7Query = auditedQuery(req.body, q.queryId);
      let body: string;
      let patientIds: string[] = [cx(q.patientIdentifier)];
      let failed = false;
      try {
        const r = await d.mpi.pixQuery(
          sourceId(q.patientIdentifier),
          q.dataSources.map((root) => ({ id: '', assigningAuthority: root })),
        );
        patientIds = [...patientIds, ...r.identifiers.map((i) => cx(toII(i)))];
        body = buildIti45Response(
          q,
          r.identifiers.length === 0
            ? { kind: 'not-found' }
            : { kind: 'found', patientIds: r.identifiers.map(toII) },
          { ...message(), custodianId },
        );
      } catch (err) {
        if (!(err instanceof MpiError)) throw err;
        failed = true;
        const at =
          err.target === 'targetDomains'
            ? iti45DataSourceLocation((err.index ?? 0) + 1)
            : ITI45_PATIENT_IDENTIFIER_LOCATION;
        body = buildIti45Response(
          q,
          { kind: 'error', issues: [issueOfError(err, at)] },
          { ...message(), custodianId },
        );
      }
      await audit(rctx, q.header, 'ITI-45', failed, { patientIds, hl7Query });
      return { body };
    },
  };

  const sweep = (): void => {
    const now = Date.now();
    for (const [k, v] of open) if (v.expires < now) open.delete(k);
  };
  const queryKey = (id: II): string => iiText(id);

  /** Runs one page of an ITI-47 query and renders it. */
  const pdqPage = async (
    q: PdqQueryV3,
    opts: {
      continuation?: string;
      limit: number;
      returned: number;
      inResponseTo?: MessageHeader;
      /** Continue the query the MPI keeps under q's query id (its database), not an in-process pointer. */
      byTag?: boolean;
    },
  ): Promise<{ body: string; failed: boolean; patientIds: string[] }> => {
    try {
      const r = opts.byTag
        ? await d.mpi.pdqContinue(queryKey(q.queryId), { limit: opts.limit })
        : await d.mpi.pdqQuery(criteriaFromV3(q), {
            targetDomains: q.parameters.otherIDsScopingOrganizations.map((root) => ({
              id: '',
              assigningAuthority: root,
            })),
            limit: opts.limit,
            queryTag: queryKey(q.queryId),
            ...(opts.continuation ? { continuation: opts.continuation } : {}),
          });
      const key = queryKey(q.queryId);
      if (r.continuation && r.remaining > 0)
        open.set(key, {
          query: q,
          continuation: r.continuation,
          returned: opts.returned + r.patients.length,
          expires: Date.now() + d.config.continuationTtlMs,
        });
      else open.delete(key);
      const result =
        r.patients.length === 0
          ? ({ kind: 'not-found' } as const)
          : ({
              kind: 'found',
              patients: r.patients.map(matched),
              total: opts.returned + r.patients.length + r.remaining,
              remaining: r.remaining,
            } as const);
      return {
        body: buildIti47Response(q, result, {
          ...message(),
          custodianId,
          ...(opts.inResponseTo ? { inResponseTo: opts.inResponseTo } : {}),
        }),
        failed: false,
        patientIds: r.patients.map((p) => cx(toII(p.enterpriseId))),
      };
    } catch (err) {
      if (!(err instanceof MpiError)) throw err;
      const at =
        err.target === 'targetDomains'
          ? iti47ScopingOrganizationLocation((err.index ?? 0) + 1)
          : iti47LivingSubjectIdLocation(1);
      return {
        body: buildIti47Response(
          q,
          { kind: 'error', issues: [issueOfError(err, at)] },
          {
            ...message(),
            custodianId,
            ...(opts.inResponseTo ? { inResponseTo: opts.inResponseTo } : {}),
          },
        ),
        failed: true,
        patientIds: [],
      };
    }
  };

  /** ITI-47 Patient Demographics Query HL7 V3: Patient Demographics Consumer -> Supplier (ITI TF-2 3.47). */
  const iti47: SoapOperation = {
    transaction: 'ITI-47',
    action: action('PRPA_IN201305UV02').request,
    responseAction: action('PRPA_IN201305UV02').response,
    handler: async (req, rctx) => {
      sweep();
      const parsed = parseIti47(req.body);
      if (!parsed.ok) {
        await audit(rctx, parsed.header, 'ITI-47', true, {});
        return {
          body: buildQueryRejection(
            'ITI-47',
            { ...(parsed.header ? { header: parsed.header } : {}), issues: parsed.issues },
            message(),
          ),
        };
      }
      const q = parsed.value;
      const page = await pdqPage(q, { limit: q.initialQuantity ?? d.config.defaultPageSize, returned: 0 });
      await audit(rctx, q.header, 'ITI-47', page.failed, {
        patientIds: page.patientIds,
        hl7Query: auditedQuery(req.body, q.queryId),
      });
      return { body: page.body };
    },
  };

  /** ITI-47 continuation (QUQI_IN000003UV01) and cancel (ITI TF-2 3.47.4.3, 3.47.4.4). */
  const iti47Control = (element: 'QUQI_IN000003UV01' | 'QUQI_IN000003UV01_Cancel'): SoapOperation => ({
    transaction: 'ITI-47',
    action: action(element).request,
    responseAction: action(element).response,
    handler: async (req) => {
      sweep();
      const parsed = parseIti47Continuation(req.body);
      if (!parsed.ok)
        return {
          body: buildAck({
            ...message(),
            ...(parsed.header ? { request: parsed.header } : {}),
            issues: parsed.issues,
          }),
        };
      const c = parsed.value;
      const key = queryKey(c.queryId);
      const state = open.get(key);
      if (c.cancel) {
        open.delete(key);
        await d.mpi.cancelQuery(key);
        return { body: buildAck({ ...message(), request: c.header, issues: [] }) };
      }
      const limit = c.continuationQuantity ?? d.config.defaultPageSize;
      const noOpenQuery = {
        body: buildAck({
          ...message(),
          request: c.header,
          issues: [
            error(
              '204',
              `No open query with id ${key} (finished, cancelled or expired)`,
              '/QUQI_IN000003UV01/controlActProcess/queryContinuation/queryId',
            ),
          ],
        }),
      };
      if (!state?.continuation) {
        // Another replica (or this process before a restart) answered the first page: the MPI
        // keeps the rest in its database under the query id. The original parameters are not
        // known here, so the response echoes the query id only and counts from this page.
        const echo: PdqQueryV3 = {
          transaction: 'ITI-47',
          header: c.header,
          queryId: c.queryId,
          parameters: {
            livingSubjectIds: [],
            otherIDsScopingOrganizations: [],
            names: [],
            addresses: [],
            telecoms: [],
          },
        };
        const page = await pdqPage(echo, { byTag: true, limit, returned: 0, inResponseTo: c.header });
        return page.failed ? noOpenQuery : { body: page.body };
      }
      const page = await pdqPage(state.query, {
        continuation: state.continuation,
        limit,
        returned: state.returned,
        inResponseTo: c.header,
      });
      return { body: page.body };
    },
  });

  return {
    '/pix': [iti44('PRPA_IN201301UV02'), iti44('PRPA_IN201302UV02'), iti44('PRPA_IN201304UV02'), iti45],
    '/pdq': [iti47, iti47Control('QUQI_IN000003UV01'), iti47Control('QUQI_IN000003UV01_Cancel')],
  };
}
