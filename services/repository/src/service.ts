/**
 * The repository as a mesh service: ITI-41, ITI-43 and ITI-86 at /xds/repository, ITI-42 to the
 * registry over the bus (`registry.register`), document bodies in the configured blob store,
 * and the sweeper that reclaims what interrupted submissions left behind.
 */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MeshError, TRANSACTIONS, error, failure } from '@mesh/core';
import type { Outcome, OutcomeStatus, RequestContext, TransactionId } from '@mesh/core';
import { auditSource, buildTransactionAudit } from '@mesh/audit';
import type { AuditedTransaction, DocumentRef } from '@mesh/audit';
import { parseAffinityDomain } from '@mesh/affinity-domain';
import { BusError, BusTimeoutError, NoRespondersError, toWireContext } from '@mesh/bus';
import type { Bus } from '@mesh/bus';
import type { ServiceContext, ServiceInstance, ServiceModule } from '@mesh/runtime';
import { SoapCallError, soapCall } from '@mesh/soap';
import type { SoapOperation } from '@mesh/soap';
import { serialize } from '@mesh/xml';
import type { BlobStore } from './blob-store.js';
import type { CdaValidator } from './cda.js';
import { loadRepositoryConfig } from './config.js';
import { createFsBlobStore } from './fs-blob-store.js';
import { REPOSITORY_MIGRATIONS } from './migrations.js';
import { createPgBlobStore } from './pg-blob-store.js';
import { createPgCopy } from './pg-copy.js';
import { Semaphore } from './semaphore.js';
import { createRepositoryStore } from './store.js';
import { provideAndRegister } from './transactions/iti41.js';
import type { RegisterPort } from './transactions/iti41.js';
import { retrieveDocumentSet } from './transactions/iti43.js';
import { removeDocuments } from './transactions/iti86.js';
import { readRegistryResponse, registryResponseXml } from './transactions/registry-response.js';

function action(id: 'ITI-41' | 'ITI-43' | 'ITI-86'): { request: string; response: string } {
  const pair = TRANSACTIONS[id].soapActions?.[0];
  if (!pair) throw new Error(`${id} has no SOAP action`);
  return pair;
}

/** ITI-42 over the bus to the mesh's registry (`registry.register`, answered by its queue group). */
export function busRegisterPort(bus: Bus, timeoutMs: number): RegisterPort {
  return async (submission, rctx) => {
    try {
      const reply = await bus.request(
        'registry.register',
        { submission, context: toWireContext({ ...rctx, transaction: 'ITI-42' }) },
        { timeoutMs },
      );
      return readRegistryResponse(reply.responseXml);
    } catch (e) {
      if (e instanceof MeshError) return failure(e.outcome.issues);
      // ITI TF-3 Table 4.2.4.1-2: the repository could not reach the registry.
      if (e instanceof BusTimeoutError || e instanceof NoRespondersError || e instanceof BusError)
        return failure([
          error('XDSRegistryNotAvailable', `The Document Registry did not answer: ${e.message}`),
        ]);
      throw e;
    }
  };
}

/**
 * ITI-42 over SOAP 1.2 to an external Document Registry (ITI TF-2 3.42.4.1): the registry's
 * RegistryResponse is the outcome; a SOAP fault is the registry's error; no answer at all
 * (network, timeout) is XDSRegistryNotAvailable.
 */
export function soapRegisterPort(url: string, opts: { timeoutMs: number; spoolDir: string }): RegisterPort {
  const iti42 = TRANSACTIONS['ITI-42'].soapActions?.[0];
  if (!iti42) throw new Error('ITI-42 has no SOAP action');
  return async (submission, rctx) => {
    let res;
    try {
      res = await soapCall(url, {
        action: iti42.request,
        body: submission,
        timeoutMs: opts.timeoutMs,
        spoolDir: opts.spoolDir,
        httpHeaders: { traceparent: `00-${rctx.traceId}-${randomBytes(8).toString('hex')}-01` },
      });
    } catch (e) {
      if (e instanceof SoapCallError)
        return failure([
          error('XDSRegistryNotAvailable', `The Document Registry did not answer: ${e.message}`),
        ]);
      throw e;
    }
    try {
      if (res.fault) {
        const code = res.fault.subcode ?? 'XDSRegistryError';
        return failure([
          error(/^XDS\w+$/.test(code) ? code : 'XDSRegistryError', `Registry fault: ${res.fault.reason}`),
        ]);
      }
      return readRegistryResponse(serialize(res.body));
    } finally {
      await res.dispose();
    }
  };
}

/** Options for tests and later issues: a CDA validation hook (the Schematron engine) and ports to replace. */
export interface RepositoryServiceOptions {
  readonly cdaValidator?: CdaValidator;
  /** Replaces the bus ITI-42 port (e.g. SOAP to an external registry). */
  readonly register?: (ctx: ServiceContext) => RegisterPort;
}

/** Builds the repository service module; `repositoryService` is this with no options. */
export function createRepositoryService(opts: RepositoryServiceOptions = {}): ServiceModule {
  return { name: 'repository', migrations: REPOSITORY_MIGRATIONS, create: (ctx) => create(ctx, opts) };
}

async function create(ctx: ServiceContext, opts: RepositoryServiceOptions): Promise<ServiceInstance> {
  const config = loadRepositoryConfig(ctx.env);
  const domain = parseAffinityDomain(JSON.parse(await readFile(config.affinityDomainFile, 'utf8')));
  const repositoryUniqueId = config.repositoryUniqueId ?? domain.repositories[0]?.repositoryUniqueId;
  if (
    repositoryUniqueId === undefined ||
    !domain.repositories.some((r) => r.repositoryUniqueId === repositoryUniqueId)
  )
    throw new Error(
      `REPOSITORY_UNIQUE_ID ${repositoryUniqueId ?? '(unset)'} is not a repository of the affinity domain ${domain.name}`,
    );
  // On PostgreSQL the pg blob store moves bytes by binary COPY on a pool of its own (PGlite: statements).
  const copy =
    config.blobStore === 'pg' && ctx.db.kind === 'pg' && config.databaseUrl !== undefined
      ? createPgCopy({
          url: config.databaseUrl,
          schema: ctx.db.schema,
          ...(config.databasePasswordFile === undefined ? {} : { passwordFile: config.databasePasswordFile }),
          onIdleError: (err) => ctx.logger.warn({ err }, 'idle blob COPY connection failed'),
        })
      : undefined;
  const blobs: BlobStore =
    config.blobStore === 'pg'
      ? createPgBlobStore(ctx.db, { chunkBytes: config.pgChunkBytes, ...(copy ? { copy } : {}) })
      : await createFsBlobStore(config.blobDir ?? join(ctx.dataDir, 'repository', 'blobs'));
  const store = createRepositoryStore(ctx.db, blobs);
  const register = opts.register
    ? opts.register(ctx)
    : config.registryUrl !== undefined
      ? soapRegisterPort(config.registryUrl, { timeoutMs: config.registerTimeoutMs, spoolDir: ctx.spoolDir })
      : busRegisterPort(ctx.bus, config.registerTimeoutMs);

  // The sweeper: at start (what a killed process left) and periodically.
  const sweep = async (): Promise<void> => {
    try {
      const r = await store.sweep(config.pendingMaxAgeMs);
      if (r.documents + r.blobs > 0) ctx.logger.warn(r, 'reclaimed documents of interrupted submissions');
    } catch (err) {
      ctx.logger.error({ err }, 'repository sweep failed');
    }
  };
  await sweep();
  let sweeping: Promise<void> | undefined;
  const timer = setInterval(() => {
    sweeping ??= sweep().finally(() => (sweeping = undefined));
  }, config.sweepIntervalMs);
  timer.unref();

  const source = auditSource(ctx.env['AUDIT_SOURCE_ID'] ?? 'ihe-mesh', ctx.env['AUDIT_ENTERPRISE_SITE_ID']);
  const self = { userId: '/xds/repository', altUserId: String(process.pid), networkAccessPoint: hostname() };
  /** One ATNA record; the response waits until it is durable (bus or Secure Node spool). */
  const audit = async (
    transaction: AuditedTransaction,
    side: 'initiator' | 'responder',
    rctx: RequestContext,
    replyTo: string | undefined,
    outcome: OutcomeStatus,
    objects: { patientId?: string; submissionSetUniqueId?: string; documents?: readonly DocumentRef[] },
  ): Promise<void> => {
    const caller = {
      userId: replyTo ?? 'http://www.w3.org/2005/08/addressing/anonymous',
      ...(rctx.remoteAddress === undefined ? {} : { networkAccessPoint: rctx.remoteAddress }),
    };
    const me = { ...self, userId: rctx.endpoint ?? self.userId };
    try {
      await ctx.audit.send(
        buildTransactionAudit({
          transaction,
          side,
          outcome,
          eventDateTime: ctx.clock(),
          // ITI-42: the repository initiates, the registry (over the bus) responds.
          initiator: side === 'responder' ? caller : me,
          responder: side === 'responder' ? me : { userId: 'registry.register' },
          principal: rctx.principal,
          auditSource: source,
          ...objects,
        }),
      );
    } catch (err) {
      ctx.logger.error({ err, transaction }, 'audit record could not be built or stored');
    }
  };

  let inFlight = 0;
  const busy = (): MeshError =>
    MeshError.of('XDSRepositoryBusy', 'Too many submissions in progress; retry later', { fault: 'busy' });
  const defaultError = (tx: TransactionId, err: unknown): Outcome => {
    // Anything but a spec outcome is the repository's default error (ITI TF-3 Table 4.2.4.1-2).
    ctx.logger.error({ err, transaction: tx }, `${tx} failed`);
    return failure([error('XDSRepositoryError', 'Internal repository error')]);
  };

  const iti41 = action('ITI-41');
  const iti43 = action('ITI-43');
  const iti86 = action('ITI-86');
  const cda = {
    maxBytes: config.cdaMaxBytes,
    largeParses: new Semaphore(2),
    patientCheck: config.cdaPatientCheck,
    validation: config.cdaValidation,
    ...(opts.cdaValidator ? { validator: opts.cdaValidator } : {}),
  };
  const soapOperations: readonly SoapOperation[] = [
    {
      transaction: 'ITI-41',
      action: iti41.request,
      responseAction: iti41.response,
      handler: async (req, rctx) => {
        if (inFlight >= config.maxConcurrentSubmissions) throw busy();
        inFlight++;
        try {
          let result;
          try {
            result = await provideAndRegister(req.body, req.attachments, rctx, {
              store,
              blobs,
              domain,
              repositoryUniqueId,
              register,
              registerTimeoutMs: config.registerTimeoutMs,
              cda,
            });
          } catch (err) {
            if (rctx.signal?.aborted) throw err;
            result = { outcome: defaultError('ITI-41', err) };
          }
          const set = result.submission?.submissionSet;
          const objects = {
            ...(set?.patientId ? { patientId: set.patientId.raw } : {}),
            ...(set?.uniqueId ? { submissionSetUniqueId: set.uniqueId } : {}),
          };
          await Promise.all([
            result.registration
              ? audit('ITI-42', 'initiator', rctx, req.replyTo, result.registration.status, objects)
              : undefined,
            audit('ITI-41', 'responder', rctx, req.replyTo, result.outcome.status, objects),
          ]);
          return { body: registryResponseXml(result.outcome) };
        } finally {
          inFlight--;
        }
      },
    },
    {
      transaction: 'ITI-43',
      action: iti43.request,
      responseAction: iti43.response,
      mtomResponse: true,
      handler: async (req, rctx) => {
        const r = await retrieveDocumentSet(req.body, {
          store,
          blobs,
          repositoryUniqueId,
          homeCommunityId: domain.homeCommunityId,
        });
        const docs = r.outcome.value ?? [];
        const patients = new Set(docs.map((x) => x.stored.patientId).filter((p) => p !== undefined));
        await audit('ITI-43', 'responder', rctx, req.replyTo, r.outcome.status, {
          ...(patients.size === 1 ? { patientId: [...patients][0] } : {}),
          documents: docs.map((x) => ({
            uniqueId: x.stored.uniqueId,
            repositoryUniqueId,
            ...(x.request.homeCommunityId ? { homeCommunityId: x.request.homeCommunityId } : {}),
          })),
        });
        return { body: r.body, attachments: r.attachments };
      },
    },
    {
      transaction: 'ITI-86',
      action: iti86.request,
      responseAction: iti86.response,
      handler: async (req, rctx) => {
        const outcome = await removeDocuments(req.body, {
          store,
          repositoryUniqueId,
          homeCommunityId: domain.homeCommunityId,
        });
        const removed = outcome.value ?? [];
        const patients = new Set(removed.map((x) => x.patientId).filter((p) => p !== undefined));
        // ITI TF-2 3.86.5.1: Patient Record "Delete", each Document with permanent erasure.
        await audit('ITI-86', 'responder', rctx, req.replyTo, outcome.status, {
          ...(patients.size === 1 ? { patientId: [...patients][0] } : {}),
          documents: removed.map((x) => ({
            uniqueId: x.request.documentUniqueId,
            repositoryUniqueId,
            ...(x.request.homeCommunityId ? { homeCommunityId: x.request.homeCommunityId } : {}),
          })),
        });
        return { body: registryResponseXml(outcome) };
      },
    },
  ];

  return {
    soapOperations: { '/xds/repository': soapOperations },
    // The pg store copies each document into its chunks, so a part spooled to a file would only
    // be written and read back: up to 1 MiB stays in memory (16 concurrent requests of 1 MiB
    // documents hold 16 MiB). The fs store renames the spooled file into place instead.
    ...(config.blobStore === 'pg'
      ? { soapLimits: { '/xds/repository': { memoryThresholdBytes: 1024 * 1024 } } }
      : {}),
    close: async () => {
      clearInterval(timer);
      await sweeping;
      await copy?.close();
    },
  };
}

/** The repository service module, for the launcher. */
export const repositoryService: ServiceModule = createRepositoryService();
