/**
 * The mesh's services as data: which IHE actors each plays, the HTTP paths it serves and
 * the other listeners it opens. The launcher reads this to lay out the embedded mesh (one
 * port, every path) and the distributed one (one service per process, same paths).
 */
import type { TransactionId } from './transactions.js';

export type ServiceName =
  'registry' | 'repository' | 'mpi' | 'hpd' | 'audit-repository' | 'ncp-gateway' | 'terminology';

/** A SOAP endpoint: a fixed path and the transactions dispatched on it. */
export interface SoapEndpointSpec {
  readonly path: string;
  readonly transactions: readonly TransactionId[];
}

/** A non-HTTP listener a service opens, with its default port and the env key that moves it. */
export interface ListenerSpec {
  readonly kind: 'mllp' | 'syslog-tls' | 'syslog-udp';
  readonly defaultPort: number;
  readonly env: string;
  readonly transactions: readonly TransactionId[];
}

export interface ServiceSpec {
  readonly name: ServiceName;
  readonly title: string;
  readonly actors: readonly string[];
  readonly soap: readonly SoapEndpointSpec[];
  /** Admin/search HTTP prefix under /api, if any. */
  readonly api?: string;
  readonly listeners: readonly ListenerSpec[];
  /** Its PostgreSQL schema (each service owns exactly one). */
  readonly schema: string;
  /** Default HTTP port in distributed mode (one process per service). */
  readonly defaultPort: number;
}

export const MESH_SERVICES: readonly ServiceSpec[] = Object.freeze([
  {
    name: 'registry',
    title: 'XDS.b Document Registry',
    actors: ['Document Registry', 'Patient Identity Consumer'],
    soap: [{ path: '/xds/registry', transactions: ['ITI-42', 'ITI-18', 'ITI-57', 'ITI-62'] }],
    api: '/api/affinity-domain',
    listeners: [],
    schema: 'registry',
    defaultPort: 8081,
  },
  {
    name: 'repository',
    title: 'XDS.b Document Repository',
    actors: ['Document Repository'],
    soap: [{ path: '/xds/repository', transactions: ['ITI-41', 'ITI-43', 'ITI-86'] }],
    listeners: [],
    schema: 'repository',
    defaultPort: 8082,
  },
  {
    name: 'mpi',
    title: 'Master Patient Index (PIX Manager, PDQ Supplier)',
    actors: ['Patient Identifier Cross-reference Manager', 'Patient Demographics Supplier'],
    soap: [
      { path: '/pix', transactions: ['ITI-44', 'ITI-45'] },
      { path: '/pdq', transactions: ['ITI-47'] },
    ],
    api: '/api/mpi',
    listeners: [
      { kind: 'mllp', defaultPort: 2575, env: 'MLLP_PORT', transactions: ['ITI-8', 'ITI-9', 'ITI-21'] },
    ],
    schema: 'mpi',
    defaultPort: 8083,
  },
  {
    name: 'hpd',
    title: 'HPD Provider Information Directory',
    actors: ['Provider Information Directory'],
    soap: [{ path: '/hpd', transactions: ['ITI-58', 'ITI-59'] }],
    listeners: [],
    schema: 'hpd',
    defaultPort: 8084,
  },
  {
    name: 'audit-repository',
    title: 'ATNA Audit Record Repository',
    actors: ['Audit Record Repository'],
    soap: [],
    api: '/api/audit',
    listeners: [
      { kind: 'syslog-tls', defaultPort: 6514, env: 'SYSLOG_TLS_PORT', transactions: ['ITI-20'] },
      { kind: 'syslog-udp', defaultPort: 5514, env: 'SYSLOG_UDP_PORT', transactions: ['ITI-20'] },
    ],
    schema: 'audit',
    defaultPort: 8085,
  },
  {
    name: 'ncp-gateway',
    title: 'XCPD/XCA Gateway (eHDSI National Contact Point)',
    actors: ['Initiating Gateway', 'Responding Gateway'],
    soap: [
      { path: '/xca', transactions: ['ITI-38', 'ITI-39'] },
      { path: '/xcpd', transactions: ['ITI-55'] },
    ],
    listeners: [],
    schema: 'ncp',
    defaultPort: 8086,
  },
  {
    name: 'terminology',
    title: 'SVS Value Set Repository',
    actors: ['Value Set Repository'],
    soap: [{ path: '/svs', transactions: ['ITI-48', 'ITI-60'] }],
    listeners: [],
    schema: 'terminology',
    defaultPort: 8087,
  },
] satisfies ServiceSpec[]);

export function serviceSpec(name: ServiceName): ServiceSpec {
  const s = MESH_SERVICES.find((x) => x.name === name);
  if (!s) throw new Error(`unknown service ${name}`);
  return s;
}

export function isServiceName(x: string): x is ServiceName {
  return MESH_SERVICES.some((s) => s.name === x);
}
