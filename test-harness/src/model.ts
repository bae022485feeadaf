/**
 * The scenario model (what a YAML scenario file means once validated) and the report a run
 * produces. The YAML format is documented in `test-harness/README.md`; `load.ts` turns files
 * into these types and rejects anything else with an error naming the file and the step.
 */

/** A value compared against something the system under test returned. */
export interface ValueCheck {
  /** Exact string equality (after `${var}` substitution). */
  readonly equals?: string;
  /** JavaScript regular expression the value must match (unanchored). */
  readonly matches?: string;
  /** true: the value must be present (non-empty); false: it must be absent. */
  readonly exists?: boolean;
}

/** One XPath assertion, evaluated with `select`/`selectString` of `@mesh/xml`. */
export interface XPathCheck extends ValueCheck {
  readonly expr: string;
  /** Number of nodes the expression selects. */
  readonly count?: number;
}

/** One HL7 v2 field assertion (`MSA-1`, `ERR-3.1`, `PID[2]-3(2).1`). */
export interface Hl7Check extends ValueCheck {
  readonly field: string;
}

/** One attachment of an MTOM/XOP response that must be present. */
export interface AttachmentCheck {
  /** Content-ID (without angle brackets) of the part. */
  readonly contentId?: string;
  /** XPath selecting the `href` of an `xop:Include` (e.g. `//xdsb:Document/xop:Include/@href`). */
  readonly include?: string;
  /** 1-based position among the non-root parts. */
  readonly index?: number;
  /** Lower-case hex SHA-1 of the part's bytes. */
  readonly sha1?: string;
  readonly size?: number;
  /** Substring of the part's Content-Type. */
  readonly contentType?: string;
  /** Exact text of the part (UTF-8). */
  readonly text?: string;
}

/** Expectations of one step. Every one listed must hold for the step to pass. */
export interface Expect {
  /** HTTP status, or one of several. */
  readonly status?: readonly number[];
  /** SOAP fault code (and optional subcode) as QNames; see README for prefix resolution. */
  readonly soapFault?: { readonly code?: string; readonly subcode?: string };
  /** Suffix of the ebRS ResponseStatusType: `Success`, `PartialSuccess`, `Failure`. */
  readonly registryStatus?: string;
  /** RegistryError errorCode values that must all appear. */
  readonly errorCodes?: readonly string[];
  /** The exact set of RegistryError errorCode values (order ignored). */
  readonly exactErrorCodes?: readonly string[];
  readonly xpath?: readonly XPathCheck[];
  readonly hl7?: readonly Hl7Check[];
  /** Dotted path (`items.0.id`) -> value that must be deep-equal to the JSON at that path. */
  readonly json?: Readonly<Record<string, unknown>>;
  /** Substrings the response body (root part for MTOM) must contain. */
  readonly bodyContains?: readonly string[];
  /** Substrings the body must NOT contain. */
  readonly bodyNotContains?: readonly string[];
  /** Response header (case-insensitive name) -> substring its value must contain. */
  readonly headers?: Readonly<Record<string, string>>;
  /** MTOM response attachments. */
  readonly attachments?: readonly AttachmentCheck[];
  /** Number of non-root MIME parts of the response. */
  readonly attachmentCount?: number;
}

/** How to take a value from a response and name it for later steps. */
export type CaptureSpec =
  | { readonly xpath: string }
  | { readonly hl7: string }
  | { readonly json: string }
  | { readonly header: string }
  | { readonly regex: string; readonly group?: number };

/** An MTOM/XOP attachment sent with a SOAP step. */
export interface AttachmentSpec {
  readonly contentId: string;
  readonly contentType: string;
  /** Exactly one source. `file` is relative to the scenario file. */
  readonly file?: string;
  readonly text?: string;
  readonly generate?: { readonly bytes: number };
}

interface StepBase {
  /** Human label for the report; defaults to a description of the request. */
  readonly name?: string;
  readonly expect: Expect;
  readonly capture: Readonly<Record<string, CaptureSpec>>;
  /** Re-run the step until its expectations hold (eventually consistent reads). */
  readonly retry?: { readonly attempts: number; readonly intervalMs: number };
  readonly timeoutMs?: number;
}

export interface SoapStep extends StepBase {
  readonly kind: 'soap';
  readonly path: string;
  readonly version: '1.2' | '1.1';
  /** wsa:Action; omitted -> no wsa:Action header and no action parameter. */
  readonly action?: string;
  /** SOAP Body content (inline or read from `bodyFile`). */
  readonly body?: string;
  /** Extra SOAP header blocks (XML), e.g. a wsse:Security header. */
  readonly soapHeaders?: string;
  /** false: send no WS-Addressing headers at all. */
  readonly addressing: boolean;
  /** A complete request sent byte-for-byte (malformed-input tests). */
  readonly rawEnvelope?: Uint8Array;
  /** Content-Type of a raw envelope (required with it). */
  readonly contentType?: string;
  /** Substitute `${var}` in the raw envelope (default false: byte-for-byte). */
  readonly substituteRaw: boolean;
  readonly attachments: readonly AttachmentSpec[];
  /** Send as MTOM/XOP even without attachments (ITI-43 requests). */
  readonly mtom: boolean;
  readonly httpHeaders: Readonly<Record<string, string>>;
}

export interface HttpStep extends StepBase {
  readonly kind: 'http';
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly json?: unknown;
}

export interface MllpStep extends StepBase {
  readonly kind: 'mllp';
  /** The HL7 v2 message, segments separated by CR. */
  readonly message: string;
}

export interface SyslogStep extends StepBase {
  readonly kind: 'syslog';
  readonly transport: 'tls' | 'udp';
  /** Complete RFC 5424 messages, or built from `fields`. */
  readonly messages: readonly string[];
}

export type Step = SoapStep | HttpStep | MllpStep | SyslogStep;
export type StepKind = Step['kind'];

/** What a scenario needs from the target beyond the base URL. */
export type Requirement = 'mllp' | 'syslogTls' | 'syslogUdp';

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly requires: readonly Requirement[];
  /** Evaluated in order at the start of the scenario; may use built-ins and earlier vars. */
  readonly vars: Readonly<Record<string, string>>;
  /** Extra namespace prefixes for XPath and QName expectations. */
  readonly namespaces: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
  /** File the scenario came from (absolute), or '<inline>'. */
  readonly file: string;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Where the system under test listens. */
export interface Target {
  /** e.g. `http://127.0.0.1:8080`; step paths are appended to it. */
  readonly baseUrl: string;
  /**
   * Per-path base URLs, for systems whose endpoints live on different hosts or ports (e.g.
   * `{ '/xds/registry': 'http://registry:8081' }`); the longest matching path prefix wins,
   * other paths go to `baseUrl`.
   */
  readonly routes?: Readonly<Record<string, string>>;
  readonly mllp?: HostPort & { readonly tls?: boolean };
  readonly syslogTls?: HostPort;
  readonly syslogUdp?: HostPort;
  /** PEM trust anchors for every TLS connection (HTTPS, MLLP/TLS, syslog/TLS). */
  readonly ca?: string | Buffer;
  /** PEM client certificate and key for mutual TLS (ATNA secure node). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Default per-step timeout (ms); 10 s when absent. */
  readonly timeoutMs?: number;
}

export type Status = 'passed' | 'failed' | 'skipped';

/** One expectation that did not hold (or an error that stopped the step). */
export interface Failure {
  /** What was checked, e.g. `status`, `xpath //rs:RegistryError`, `hl7 MSA-1`, `transport`. */
  readonly check: string;
  readonly expected: string;
  readonly actual: string;
}

export interface StepResult {
  /** 1-based. */
  readonly index: number;
  readonly kind: StepKind;
  readonly name: string;
  readonly status: Status;
  readonly failures: readonly Failure[];
  /** Start of the response (truncated), present when the step failed. */
  readonly excerpt?: string;
  readonly durationMs: number;
  /** How many times the step ran (retry). */
  readonly attempts: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly file: string;
  readonly tags: readonly string[];
  readonly status: Status;
  readonly skipReason?: string;
  readonly steps: readonly StepResult[];
  readonly durationMs: number;
}

export interface Report {
  readonly scenarios: readonly ScenarioResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationMs: number;
  /** true when no scenario failed (skipped scenarios do not count as failures). */
  readonly ok: boolean;
}
