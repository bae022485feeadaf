/**
 * The registry as a mesh service: ITI-42 and ITI-18 at /xds/registry, ITI-42 from the
 * repository over the bus (`registry.register`), the affinity domain at
 * GET /api/affinity-domain, and the Patient Identity Consumer fed by the MPI's events.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { TRANSACTIONS } from '@mesh/core';
import type { Outcome, OutcomeStatus, RequestContext } from '@mesh/core';
import { auditSource, buildTransactionAudit } from '@mesh/audit';
import type { QueryInput } from '@mesh/audit';
import { parseAffinityDomain, publicView } from '@mesh/affinity-domain';
import type { Subscription } from '@mesh/bus';
import type { ServiceContext, ServiceInstance, ServiceModule } from '@mesh/runtime';
import type { SoapOperation } from '@mesh/soap';
import { readSubmitObjectsRequest } from '@mesh/xds';
import { NS, attr, parseXml, serialize } from '@mesh/xml';
import { loadRegistryConfig } from './config.js';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { createRegistryStore } from './store.js';
import { handleIti18 } from './transactions/iti18.js';
import { registerDocumentSet } from './transactions/iti42-register.js';
import { registryResponseXml } from './transactions/iti42-response.js';

const cx = (p: { id: string; assigningAuthority: string }): string =>
  `${p.id}^^^&${p.assigningAuthority}&ISO`;

function action(id: 'ITI-42' | 'ITI-18'): { request: string; response: string } {
  const pair = TRANSACTIONS[id].soapActions?.[0];
  if (!pair) throw new Error(`${id} has no SOAP action`);
  return pair;
}

async function create(ctx: ServiceContext): Promise<ServiceInstance> {
  const config = loadRegistryConfig(ctx.env);
  const domain = parseAffinityDomain(JSON.parse(await readFile(config.affinityDomainFile, 'utf8')));
  const store = createRegistryStore(ctx.db);
  const deps = { db: ctx.db, store, domain, clock: ctx.clock };

  const register = async (request: Element, rctx: RequestContext): Promise<Outcome> => {
    try {
      return await registerDocumentSet(request, rctx, deps);
    } catch (err) {
      // Anything but a spec outcome is the registry's default error (ITI TF-3 Table 4.2.4.1-2).
      ctx.logger.error({ err, transaction: 'ITI-42' }, 'ITI-42 failed');
      return {
        status: 'Failure',
        issues: [{ code: 'XDSRegistryError', severity: 'Error', context: 'Internal registry error' }],
      };
    }
  };

  // Registry-side ATNA audit of each transaction (ITI TF-2 3.42.5.1.2, 3.18.5.1.2). The
  // response waits for the record to be durable (bus or Secure Node spool).
  const source = auditSource(ctx.env['AUDIT_SOURCE_ID'] ?? 'ihe-mesh', ctx.env['AUDIT_ENTERPRISE_SITE_ID']);
  const audit = async (
    rctx: RequestContext,
    replyTo: string | undefined,
    outcome: OutcomeStatus,
    objects: { patientId?: string; submissionSetUniqueId?: string; query?: QueryInput },
  ): Promise<void> => {
    try {
      await ctx.audit.send(
        buildTransactionAudit({
          transaction: rctx.transaction === 'ITI-18' ? 'ITI-18' : 'ITI-42',
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
          ...(objects.patientId === undefined ? {} : { patientId: objects.patientId }),
          ...(objects.submissionSetUniqueId === undefined
            ? {}
            : { submissionSetUniqueId: objects.submissionSetUniqueId }),
          ...(objects.query === undefined ? {} : { query: objects.query }),
        }),
      );
    } catch (err) {
      ctx.logger.error({ err, transaction: rctx.transaction }, 'audit record could not be built or stored');
    }
  };

  const iti42 = action('ITI-42');
  const iti18 = action('ITI-18');
  const soapOperations: readonly SoapOperation[] = [
    {
      transaction: 'ITI-42',
      action: iti42.request,
      responseAction: iti42.response,
      handler: async (req, rctx) => {
        const outcome = await register(req.body, rctx);
        const set = readSubmitObjectsRequest(req.body).submission?.submissionSet;
        await audit(rctx, req.replyTo, outcome.status, {
          ...(set?.patientId ? { patientId: set.patientId.raw } : {}),
          ...(set?.uniqueId ? { submissionSetUniqueId: set.uniqueId } : {}),
        });
        return { body: registryResponseXml(outcome) };
      },
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
  ];

  const subscriptions: Subscription[] = [
    // ITI-42 from the mesh's own repository (ITI-41 -> ITI-42 over the bus).
    ctx.bus.serve(
      'registry.register',
      async (payload) => {
        const doc = parseXml(payload.submission);
        const outcome = await register(doc.documentElement, { ...payload.context, transaction: 'ITI-42' });
        return { responseXml: registryResponseXml(outcome), status: outcome.status };
      },
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
    },
  };
}

/** The registry service module, for the launcher. */
export const registryService: ServiceModule = { name: 'registry', migrations: REGISTRY_MIGRATIONS, create };
