/**
 * The registry as a mesh service: ITI-42, ITI-18, ITI-57 and ITI-62 at /xds/registry, ITI-42 from the
 * repository over the bus (`registry.register`), the affinity domain at
 * GET /api/affinity-domain, and the Patient Identity Consumer fed by the MPI's events.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { TRANSACTIONS, failure } from '@mesh/core';
import type { Outcome, OutcomeStatus, RequestContext, TransactionId } from '@mesh/core';
import { auditSource, buildTransactionAudit } from '@mesh/audit';
import type { TransactionAuditInput } from '@mesh/audit';
import { parseAffinityDomain, publicView } from '@mesh/affinity-domain';
import type { RegisteredDocument, Subscription } from '@mesh/bus';
import { createOutbox } from '@mesh/runtime';
import type { ServiceContext, ServiceInstance, ServiceModule, StagedEvent } from '@mesh/runtime';
import type { SoapOperation, SoapReply } from '@mesh/soap';
import { readSubmitObjectsRequest } from '@mesh/xds';
import type { DocumentEntry, ReadSubmissionResult, Submission, SubmissionSet } from '@mesh/xds';
import { createMetrics } from '@mesh/observability';
import { NS, attr, parseXml, serialize } from '@mesh/xml';
import { loadRegistryConfig } from './config.js';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { createRegistryStore } from './store.js';
import { createSubmissionWriter } from './group-commit.js';
import { handleIti18 } from './transactions/iti18.js';
import { registerReadSubmission } from './transactions/iti42-register.js';
import { registryResponseXml } from './transactions/iti42-response.js';
import { updateDocumentSet } from './transactions/iti57-update.js';
import { deleteDocumentSet } from './transactions/iti62-delete.js';
import type { DeleteResult } from './transactions/iti62-delete.js';

/** A registered DocumentEntry as the `xds.document-registered` event summarizes it (ids and codes, no PHI). */
function registeredDocument(d: DocumentEntry): RegisteredDocument {
  const code = (c: DocumentEntry['classCode']) =>
    c === undefined
      ? undefined
      : {
          code: c.code,
          codeSystem: c.codingScheme,
          ...(c.displayName ? { displayName: c.displayName.value } : {}),
        };
  const classCode = code(d.classCode);
  const typeCode = code(d.typeCode);
  const formatCode = code(d.formatCode);
  const institutions = d.authors.flatMap((a) => a.institutions.map((i) => i.raw));
  return {
    entryUUID: d.entryUUID,
    uniqueId: d.uniqueId ?? '',
    ...(d.repositoryUniqueId === undefined ? {} : { repositoryUniqueId: d.repositoryUniqueId }),
    ...(classCode ? { classCode } : {}),
    ...(typeCode ? { typeCode } : {}),
    ...(formatCode ? { formatCode } : {}),
    ...(d.mimeType === undefined ? {} : { mimeType: d.mimeType }),
    ...(institutions.length > 0 ? { authorInstitutions: institutions } : {}),
  };
}

const cx = (p: { id: string; assigningAuthority: string }): string =>
  `${p.id}^^^&${p.assigningAuthority}&ISO`;

function action(id: 'ITI-42' | 'ITI-18' | 'ITI-57' | 'ITI-62'): { request: string; response: string } {
  const pair = TRANSACTIONS[id].soapActions?.[0];
  if (!pair) throw new Error(`${id} has no SOAP action`);
  return pair;
}

async function create(ctx: ServiceContext): Promise<ServiceInstance> {
  const config = loadRegistryConfig(ctx.env);
  const domain = parseAffinityDomain(JSON.parse(await readFile(config.affinityDomainFile, 'utf8')));
  const store = createRegistryStore(ctx.db);
  const deps = { db: ctx.db, store, domain, clock: ctx.clock };
  const metrics = ctx.metrics ?? createMetrics({ defaultMetrics: false });
  const perStatement = metrics.histogram({
    name: 'mesh_registry_submissions_per_statement',
    help: 'ITI-42 submissions written by one group-commit statement (_count statements, _sum submissions).',
    buckets: [1, 2, 4, 8, 16, 32],
  });
  const writer = createSubmissionWriter({
    db: ctx.db,
    store,
    maxInFlight: config.writesInFlight,
    onStatement: (n) => perStatement.observe(n),
  });

  /** Anything but a spec outcome is the registry's default error (ITI TF-3 Table 4.2.4.1-2). */
  const guarded = async <T>(
    transaction: TransactionId,
    run: () => Promise<Outcome<T>>,
  ): Promise<Outcome<T>> => {
    try {
      return await run();
    } catch (err) {
      ctx.logger.error({ err, transaction }, `${transaction} failed`);
      return failure([{ code: 'XDSRegistryError', severity: 'Error', context: 'Internal registry error' }]);
    }
  };

  // Change events for the mesh (indicators, notifications): staged in the change's own
  // transaction, published after its commit, re-published by the outbox sweep if that fails.
  const outbox = createOutbox({ db: ctx.db, bus: ctx.bus, logger: ctx.logger, clock: ctx.clock });
  outbox.start();
  const base = (): { eventId: string; occurredAt: string } => ({
    eventId: randomUUID(),
    occurredAt: ctx.clock().toISOString(),
  });

  /** The submission read from its DOM, or what the read threw (answered as XDSRegistryError by `register`). */
  const readSubmission = (request: Element): ReadSubmissionResult | Error => {
    try {
      return readSubmitObjectsRequest(request);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };

  const register = async (
    read: ReadSubmissionResult | Error,
    rctx: RequestContext,
  ): Promise<Outcome<Submission>> => {
    const staged: StagedEvent[] = [];
    const outcome = await guarded('ITI-42', () =>
      read instanceof Error
        ? Promise.reject(read)
        : registerReadSubmission(read, rctx, {
            ...deps,
            writer,
            rowsWith: (stored) => {
              const row = outbox.prepare('xds.document-registered', {
                ...base(),
                patientId: stored.submissionSet.patientId?.raw ?? '',
                submissionSetUniqueId: stored.submissionSet.uniqueId ?? '',
                submissionSetEntryUUID: stored.submissionSet.entryUUID,
                sourceId: stored.submissionSet.sourceId ?? '',
                documents: stored.documentEntries.map(registeredDocument),
              });
              staged.push(row.event);
              return [{ table: row.table, columns: row.columns, rows: [row.values], cast: row.cast }];
            },
          }),
    );
    if (outcome.status === 'Success') void outbox.publish(staged);
    return outcome;
  };

  // Registry-side ATNA audit of each transaction (ITI TF-2 3.42.5.1.2, 3.18.5.1.2, 3.57.5.1.2,
  // 3.62.5.1.2). The response waits for the record to be durable (bus or Secure Node spool).
  const source = auditSource(ctx.env['AUDIT_SOURCE_ID'] ?? 'ihe-mesh', ctx.env['AUDIT_ENTERPRISE_SITE_ID']);
  const audit = async (
    rctx: RequestContext,
    replyTo: string | undefined,
    outcome: OutcomeStatus,
    objects: Pick<
      TransactionAuditInput,
      'patientId' | 'submissionSetUniqueId' | 'query' | 'removedObjectIds'
    >,
  ): Promise<void> => {
    try {
      await ctx.audit.send(
        buildTransactionAudit({
          transaction: rctx.transaction as 'ITI-42' | 'ITI-18' | 'ITI-57' | 'ITI-62',
          side: 'responder',
          outcome,
          eventDateTime: ctx.clock(),
          initiator: {
            userId: replyTo ?? 'http://www.w3.org/2005/08/addressing/anonymous',
            ...(rctx.remoteAddress === undefined ? {} : { networkAccessPoint: rctx.remoteAddress }),
          },
          responder: {
            userId: rctx.endpoint ?? '/xds/registry',
            altUserId: String(process.pid),
            networkAccessPoint: hostname(),
          },
          principal: rctx.principal,
          auditSource: source,
          ...objects,
        }),
      );
    } catch (err) {
      ctx.logger.error({ err, transaction: rctx.transaction }, 'audit record could not be built or stored');
    }
  };
  /** Patient and SubmissionSet unique id of a submission set, for an audit record. */
  const setObjects = (
    set: SubmissionSet | undefined,
  ): Pick<TransactionAuditInput, 'patientId' | 'submissionSetUniqueId'> => ({
    ...(set?.patientId ? { patientId: set.patientId.raw } : {}),
    ...(set?.uniqueId ? { submissionSetUniqueId: set.uniqueId } : {}),
  });
  /** Patient and SubmissionSet of a received SubmitObjectsRequest, for its audit record. */
  const submissionObjects = (
    body: Element,
  ): Pick<TransactionAuditInput, 'patientId' | 'submissionSetUniqueId'> =>
    setObjects(readSubmitObjectsRequest(body).submission?.submissionSet);

  /** ITI-42 after the read: the audit names the stored submission, or what was read of a refused one. */
  const answerIti42 = async (
    read: ReadSubmissionResult | Error,
    replyTo: string | undefined,
    rctx: RequestContext,
  ): Promise<SoapReply> => {
    const outcome = await register(read, rctx);
    await audit(
      rctx,
      replyTo,
      outcome.status,
      setObjects(
        outcome.value?.submissionSet ?? (read instanceof Error ? undefined : read.submission?.submissionSet),
      ),
    );
    return { body: registryResponseXml(outcome) };
  };

  const iti42 = action('ITI-42');
  const iti18 = action('ITI-18');
  const iti57 = action('ITI-57');
  const iti62 = action('ITI-62');
  const soapOperations: readonly SoapOperation[] = [
    {
      transaction: 'ITI-42',
      action: iti42.request,
      responseAction: iti42.response,
      // Not async: the request's DOM is read here and the async part that waits for the commit
      // holds only the submission read from it (see registerReadSubmission).
      handler: (req, rctx) => answerIti42(readSubmission(req.body), req.replyTo, rctx),
    },
    {
      transaction: 'ITI-18',
      action: iti18.request,
      responseAction: iti18.response,
      handler: async (req, rctx) => {
        const body = await handleIti18(req.body, {
          store,
          homeCommunityId: domain.homeCommunityId,
          maxResults: config.maxResults,
        });
        const failed = body.includes('ResponseStatusType:Failure');
        const adhoc = Array.from(req.body.getElementsByTagNameNS(NS.rim, 'AdhocQuery'))[0];
        await audit(rctx, req.replyTo, failed ? 'Failure' : 'Success', {
          query: { storedQueryId: (adhoc && attr(adhoc, 'id')) ?? '', query: serialize(req.body) },
        });
        return { body };
      },
    },
    {
      transaction: 'ITI-57',
      action: iti57.request,
      responseAction: iti57.response,
      handler: async (req, rctx) => {
        const outcome = await guarded('ITI-57', () => updateDocumentSet(req.body, rctx, deps));
        await audit(rctx, req.replyTo, outcome.status, submissionObjects(req.body));
        return { body: registryResponseXml(outcome) };
      },
    },
    {
      transaction: 'ITI-62',
      action: iti62.request,
      responseAction: iti62.response,
      handler: async (req, rctx) => {
        let removed: DeleteResult['removed'] = [];
        let requested: readonly string[] = [];
        const staged: StagedEvent[] = [];
        const outcome = await guarded('ITI-62', async () => {
          const r = await deleteDocumentSet(req.body, rctx, {
            ...deps,
            onRemoved: async (tx, gone) => {
              for (const patientId of new Set(gone.map((x) => x.patientId)))
                staged.push(
                  await outbox.stage(tx, 'xds.document-removed', {
                    ...base(),
                    patientId,
                    transaction: 'ITI-62',
                    documents: gone
                      .filter((x) => x.patientId === patientId)
                      .map((x) => ({ entryUUID: x.entryUUID, uniqueId: x.uniqueId })),
                  }),
                );
            },
          });
          removed = r.removed;
          requested = r.requested;
          return r.outcome;
        });
        if (outcome.status === 'Success') void outbox.publish(staged);
        const patients = [...new Set(removed.map((x) => x.patientId))];
        await audit(rctx, req.replyTo, outcome.status, {
          ...(patients[0] === undefined ? {} : { patientId: patients[0] }),
          removedObjectIds: requested,
        });
        return { body: registryResponseXml(outcome) };
      },
    },
  ];

  const subscriptions: Subscription[] = [
    // ITI-42 from the mesh's own repository (ITI-41 -> ITI-42 over the bus).
    ctx.bus.serve(
      'registry.register',
      (payload) =>
        register(readSubmission(parseXml(payload.submission).documentElement), {
          ...payload.context,
          transaction: 'ITI-42',
        }).then((outcome) => ({ responseXml: registryResponseXml(outcome), status: outcome.status })),
      { queue: 'registry' },
    ),
    // Patient Identity Consumer: the MPI's identities and merges (ITI TF-2 3.8.4.2).
    ctx.bus.consume('mpi.patient-created', { durable: 'registry-patient-created' }, async (e) => {
      await store.upsertPatient(cx(e.enterpriseId));
    }),
    ctx.bus.consume('mpi.patient-updated', { durable: 'registry-patient-updated' }, async (e) => {
      await store.upsertPatient(cx(e.enterpriseId));
    }),
    ctx.bus.consume('mpi.patient-merged', { durable: 'registry-patient-merged' }, async (e) => {
      await store.upsertPatient(cx(e.survivingId));
      for (const merged of e.mergedIds) await store.mergePatient(cx(merged), cx(e.survivingId));
    }),
  ];
  await Promise.all(subscriptions.map((s) => s.ready));

  const view = publicView(domain);
  return {
    soapOperations: { '/xds/registry': soapOperations },
    registerRoutes: (app) => {
      app.get('/api/affinity-domain', () => view);
    },
    close: async () => {
      await Promise.all(subscriptions.map((s) => s.close({ timeoutMs: 5_000 })));
      await outbox.close();
    },
  };
}

/** The registry service module, for the launcher. */
export const registryService: ServiceModule = { name: 'registry', migrations: REGISTRY_MIGRATIONS, create };
