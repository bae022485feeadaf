/**
 * The MPI as a mesh service: PIX Manager and PDQ Supplier on the MLLP port (ITI-8, ITI-9,
 * ITI-21; ITI-10 to configured subscribers), `mpi.resolve` on the bus, identity events after
 * commit, and the identity-vigilance API under /api/mpi. The HL7 V3 transactions (ITI-44,
 * ITI-45, ITI-47 at /pix and /pdq, hl7v3-soap.ts; ITI-46 to SOAP subscribers, iti46.ts) call
 * the same core ({@link Mpi}).
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { parseAffinityDomain } from '@mesh/affinity-domain';
import type { Subscription } from '@mesh/bus';
import { createMllpServer } from '@mesh/mllp';
import type { MllpServer } from '@mesh/mllp';
import type { ListenerBinding, ServiceContext, ServiceInstance, ServiceModule } from '@mesh/runtime';
import { registerMpiRoutes } from './api.js';
import { createAuditHandoff } from './audit-handoff.js';
import { loadMpiConfig } from './config.js';
import { createHl7Handler, runsAlone } from './hl7-listener.js';
import { hl7v3SoapOperations, loadHl7v3Config } from './hl7v3-soap.js';
import { createIti10Notifier } from './iti10.js';
import { createIti46Notifier, parseIti46Subscribers } from './iti46.js';
import { MPI_MIGRATIONS } from './migrations.js';
import { createMpi } from './mpi.js';
import type { Mpi } from './mpi.js';
import { namespaceLookup } from './transactions/context.js';

/** A running MPI: the service instance plus its core, for the HL7 V3 handlers and tests. */
export interface MpiInstance extends ServiceInstance {
  readonly mpi: Mpi;
}

/** Builds the MPI over its ports (used by {@link mpiService}). */
export async function createMpiInstance(ctx: ServiceContext): Promise<MpiInstance> {
  const config = loadMpiConfig(ctx.env);
  const domain = parseAffinityDomain(JSON.parse(await readFile(config.affinityDomainFile, 'utf8')));
  const namespaceOf = namespaceLookup(domain);
  let seq = 0;
  const prefix = randomUUID().slice(0, 8);
  const nextControlId = (): string => `${prefix}-${(++seq).toString(36)}`;
  const ref: { mpi?: Mpi } = {};
  const notifier =
    config.iti10Subscribers.length > 0
      ? createIti10Notifier({
          subscribers: config.iti10Subscribers,
          mpi: () => ref.mpi as Mpi,
          application: config.application,
          facility: config.facility,
          namespaceOf,
          clock: ctx.clock,
          logger: ctx.logger,
          nextControlId,
        })
      : undefined;
  // ITI-46: the same changes as HL7 V3 notifications to the consumers that subscribed over SOAP.
  const v3Config = loadHl7v3Config(ctx.env, { custodianId: domain.patientIdAuthority.oid });
  const v3Subscribers = parseIti46Subscribers(ctx.env['MPI_ITI46_SUBSCRIBERS']);
  const notifierV3 =
    v3Subscribers.length > 0
      ? createIti46Notifier({
          subscribers: v3Subscribers,
          mpi: () => ref.mpi as Mpi,
          deviceId: v3Config.deviceId,
          custodianId: v3Config.custodianId,
          clock: ctx.clock,
          logger: ctx.logger,
        })
      : undefined;
  const mpi = createMpi({
    db: ctx.db,
    bus: ctx.bus,
    domain,
    policy: { linkThreshold: config.linkThreshold, reviewThreshold: config.reviewThreshold },
    clock: ctx.clock,
    logger: ctx.logger,
    pdqMaxResults: config.pdqMaxResults,
    ...(notifier || notifierV3
      ? {
          onCrossReferenceChange: (ids: readonly number[]) => {
            notifier?.notify(ids);
            notifierV3?.notify(ids);
          },
        }
      : {}),
  });
  ref.mpi = mpi;
  // Events committed before a crash or a bus outage go out now.
  void mpi.flushOutbox();

  const responder = {
    application: config.application,
    facility: config.facility,
    nextControlId,
    clock: ctx.clock,
  };
  // Audit records leave with the reply, not before it; close() waits until they are durable.
  const audit = createAuditHandoff({
    sender: ctx.audit,
    logger: ctx.logger,
    ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
  });
  const handler = createHl7Handler({
    mpi,
    domain,
    responder,
    namespaceOf,
    audit,
    logger: ctx.logger,
    env: ctx.env,
    clock: ctx.clock,
  });

  const subscriptions: Subscription[] = [
    ctx.bus.serve('mpi.resolve', (req) => mpi.resolve(req.patientId), { queue: 'mpi' }),
  ];
  await Promise.all(subscriptions.map((s) => s.ready));

  const soapOperations = hl7v3SoapOperations({
    mpi,
    config: v3Config,
    audit,
    logger: ctx.logger,
    clock: ctx.clock,
    env: ctx.env,
  });

  let server: MllpServer | undefined;
  return {
    mpi,
    soapOperations,
    registerRoutes: (app) => registerMpiRoutes(app, mpi, domain.patientIdAuthority.oid),
    async startListeners(ports): Promise<readonly ListenerBinding[]> {
      server = createMllpServer({
        handler,
        maxFrameBytes: config.maxFrameBytes,
        // A pipelining sender gets its queries answered together; feeds keep their order.
        maxInFlight: config.maxInFlight,
        sequential: runsAlone,
        logger: ctx.logger,
        ...(config.mllpTls ? { tls: config.mllpTls } : {}),
      });
      const { port } = await server.listen(ports.mllp);
      return [{ kind: 'mllp', port, tls: config.mllpTls !== undefined }];
    },
    checks: {
      mllp: () =>
        server === undefined || server.stats().connections >= 0
          ? Promise.resolve()
          : Promise.reject(new Error('MLLP down')),
    },
    async close() {
      await server?.close({ timeoutMs: 5_000 });
      await Promise.all(subscriptions.map((s) => s.close({ timeoutMs: 5_000 })));
      // The process closes the audit sender after the services: hand it everything first.
      await audit.drain();
      await notifier?.close();
      await notifierV3?.close();
      await mpi.close();
    },
  };
}

/** The MPI service module, for the launcher. */
export const mpiService: ServiceModule = {
  name: 'mpi',
  migrations: MPI_MIGRATIONS,
  create: createMpiInstance,
};
