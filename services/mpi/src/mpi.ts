/**
 * The MPI core (PIX Manager and PDQ Supplier logic): identity feed with matching, PIX and
 * PDQ queries, resolution for the bus, and the identity-vigilance worklist. Transport
 * neutral: ITI-8/9/21 (HL7v2, transactions/) and ITI-44/45/47 (HL7 V3) call the same
 * functions. Every change commits with its history rows and its events (outbox table); the
 * events are published on the bus after commit and retried until stored (at least once,
 * de-duplicated by eventId as JetStream msgId).
 */
import { randomUUID } from 'node:crypto';
import type { AffinityDomain } from '@mesh/affinity-domain';
import type { Bus, EventSubject, EventOf, PatientIdentifier } from '@mesh/bus';
import type { TransactionId } from '@mesh/core';
import { isSerializationFailure, isUniqueViolation } from '@mesh/db';
import type { Db, Queryable } from '@mesh/db';
import type { ServiceLogger } from '@mesh/runtime';
import { createBatcher } from './batcher.js';
import { decide, matchScore, matchScorer, nameKey, searchKeys } from './matching.js';
import type { Demographics, MatchPolicy } from './matching.js';
import { MpiError } from './model.js';
import type {
  Actor,
  FeedCommand,
  FeedResult,
  PdqCriteria,
  PdqPatient,
  PdqResult,
  PixResult,
  SourceIdentifier,
} from './model.js';

/** Options of {@link createMpi}. */
export interface MpiOptions {
  readonly db: Db;
  readonly bus: Bus;
  readonly domain: AffinityDomain;
  readonly policy: MatchPolicy;
  readonly clock: () => Date;
  readonly logger: ServiceLogger;
  /** Largest PDQ result kept (beyond it the query must be narrowed). Default 1000. */
  readonly pdqMaxResults?: number;
  /** How long a PDQ continuation stays valid. Default 10 minutes. */
  readonly continuationTtlMs?: number;
  /** Called after commit with each enterprise identity whose cross-references changed (ITI-10, ITI-46). */
  readonly onCrossReferenceChange?: (enterpriseIds: readonly number[]) => void;
}

/** What {@link Mpi.stats} reports. */
export interface MpiStats {
  /** Feeds of a new person written by the two-statement path, and feeds that took a transaction. */
  readonly feeds: { readonly optimistic: number; readonly transactional: number };
  /** Candidate searches of feeds that may create an identity, and the candidates they scored. */
  readonly matching: { readonly searches: number; readonly candidates: number };
  /** Batched statements: calls and statements run (calls / statements = mean batch size). */
  readonly batches: Readonly<Record<'pix' | 'feedReads' | 'feedWrites', { calls: number; batches: number }>>;
}

/** A worklist item as the vigilance API shows it. */
export interface ReviewItem {
  readonly id: number;
  readonly kind: 'potential-duplicate' | 'collision';
  readonly status: string;
  readonly score: number | null;
  readonly source: PatientIdentifier & { enterpriseId: PatientIdentifier; demographics: Demographics };
  readonly candidate?: {
    enterpriseId: PatientIdentifier;
    sources: { id: PatientIdentifier; demographics: Demographics }[];
  };
  readonly detail: unknown;
  readonly createdAt: string;
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  readonly note?: string;
}

/** A vigilance decision on a worklist item (recorded with who and when). */
export interface Decision {
  readonly itemId: number;
  /** link: move the source into the candidate; unlink: give the source its own identity; merge: merge the two enterprise identities; dismiss: not the same person. */
  readonly action: 'link' | 'unlink' | 'merge' | 'dismiss';
  readonly by: string;
  readonly note?: string;
}

/** Per-source quality indicators. */
export interface SourceIndicators {
  readonly authority: string;
  readonly name?: string;
  readonly identities: number;
  readonly incomplete: number;
  readonly potentialDuplicates: number;
  readonly collisions: number;
  readonly openItems: number;
}

/** The MPI's core API. */
export interface Mpi {
  /**
   * ITI-8 / ITI-44 identity feed. Resolves identifiers against the affinity domain, links
   * (national id, existing source, score) or creates the enterprise identity, records history
   * and events, commits, then publishes. Throws {@link MpiError} for refused input.
   */
  feed(cmd: FeedCommand): Promise<FeedResult>;
  /**
   * ITI-9 / ITI-45 PIX query: the cross-references of `id` in `targetDomains` (OIDs or
   * namespace ids; all domains when empty). Throws MpiError UnknownDomain / UnknownPatient.
   */
  pixQuery(id: SourceIdentifier, targetDomains?: readonly SourceIdentifier[]): Promise<PixResult>;
  /**
   * ITI-21 / ITI-47 PDQ: patients matching `criteria`, at most `limit` of them, the rest kept
   * under a continuation pointer (pass it back as `continuation` for the next page).
   */
  pdqQuery(
    criteria: PdqCriteria,
    opts?: {
      readonly targetDomains?: readonly SourceIdentifier[];
      readonly limit?: number;
      readonly continuation?: string;
      /** Query tag (QPD-2 / queryId), so a cancel can drop the continuation. */
      readonly queryTag?: string;
    },
  ): Promise<PdqResult>;
  /**
   * ITI-47 continuation (QUQI_IN000003UV01): the next `limit` results of the query `queryTag`,
   * in the domains the query asked for. Throws MpiError InvalidValue when none is pending.
   */
  pdqContinue(queryTag: string, opts?: { readonly limit?: number }): Promise<PdqResult>;
  /** ITI-21 QCN^J01 / ITI-47 cancel: drops the continuation of a query tag. True when one existed. */
  cancelQuery(queryTag: string): Promise<boolean>;
  /** `mpi.resolve`: a CX string to its enterprise identity and cross-references. */
  resolve(
    cx: string,
  ): Promise<
    | { found: false }
    | { found: true; enterpriseId: PatientIdentifier; merged: boolean; crossReferences: PatientIdentifier[] }
  >;
  /** Current identifiers of enterprise identities (national first), e.g. for ITI-10 notifications. */
  crossReferences(
    enterpriseIds: readonly number[],
  ): Promise<
    Map<number, { national: PatientIdentifier; sources: PatientIdentifier[]; demographics?: Demographics }>
  >;
  /** Vigilance worklist (open items first, newest first). */
  worklist(opts?: { status?: string; limit?: number }): Promise<ReviewItem[]>;
  /** One worklist item. Throws MpiError UnknownPatient when it does not exist. */
  reviewItem(id: number): Promise<ReviewItem>;
  /** Applies a vigilance decision. */
  decideReview(d: Decision): Promise<ReviewItem>;
  /** Quality indicators per source (assigning authority). */
  indicators(): Promise<SourceIndicators[]>;
  /** History of an enterprise identity. */
  history(nationalId: string): Promise<unknown[]>;
  /**
   * Publishes committed events still in the outbox (at start-up, and every 5 s for rows older
   * than 10 s, which the after-commit publication missed).
   */
  flushOutbox(minAgeMs?: number): Promise<void>;
  /** Counters since start: feeds by path, and calls / statements of the batched lookups. */
  stats(): MpiStats;
  close(): Promise<void>;
}

interface SourceRow {
  id: string;
  authority: string;
  local_id: string;
  enterprise_id: string;
  status: string;
  demographics: Demographics;
}

interface HistoryRow {
  kind: string;
  enterpriseId?: number;
  sourceId?: number;
  otherEnterpriseId?: number;
  actor: Actor;
  detail?: unknown;
}

/** A source identity of a new enterprise identity, written at the end of its transaction. */
interface NewSource {
  id: number;
  identifier: PatientIdentifier;
  enterpriseId: number;
  demographics: Demographics;
}

/**
 * What a transaction accumulates and writes at its end, in one statement: new enterprise
 * identities and their sources (ids drawn ahead from their sequences), history rows, events.
 */
interface Pending {
  enterprises: { id: number; nationalId: string }[];
  sources: NewSource[];
  events: { subject: EventSubject; payload: { eventId: string } }[];
  history: HistoryRow[];
  changed: Set<number>;
}

/** What readFeeds reads for one feed. */
interface FeedRead {
  readonly locals: readonly PatientIdentifier[];
  readonly d: Demographics;
  /** Read the matching candidates too (the feed may create an identity). */
  readonly search: boolean;
  /** The match key (match_guard) whose version is read. */
  readonly key: string;
}

interface FeedReadResult {
  /** Per local identifier, its source identity when it exists. */
  readonly existing: (SourceRow | undefined)[];
  readonly candidates: { enterprise_id: string; demographics: Demographics }[];
  /** Version of the match key (0: never used). */
  readonly version: number;
}

/** Thrown by the optimistic feed path when the feed needs a transaction (addNewIdentity). */
class NeedsTransaction extends Error {
  override name = 'NeedsTransaction';
}

/** The national OID and the known authorities, resolving namespace ids to OIDs. */
function authorityResolver(domain: AffinityDomain): (i: SourceIdentifier) => string | undefined {
  const byOid = new Map<string, string>();
  const byNs = new Map<string, string>();
  for (const a of [domain.patientIdAuthority, ...domain.assigningAuthorities]) {
    byOid.set(a.oid, a.oid);
    if (a.namespaceId) byNs.set(a.namespaceId, a.oid);
  }
  return (i) => {
    if (i.assigningAuthority) return byOid.get(i.assigningAuthority);
    if (i.namespaceId) return byNs.get(i.namespaceId);
    return undefined;
  };
}

/** Enough demographics to match on (the "incomplete identities" indicator counts the rest). */
function isComplete(d: Demographics): boolean {
  const n = d.names[0];
  return !!n && n.family !== '' && n.given.length > 0 && !!d.birthDate && !!d.sex && d.sex !== 'U';
}

/** Luhn check digit, so a mistyped national identifier is recognised as invalid. */
function luhn(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const asNum = (s: string | number): number => Number(s);

/** Creates the MPI core over its database and bus. */
export function createMpi(o: MpiOptions): Mpi {
  const { db, bus, domain, policy, clock, logger } = o;
  const national = domain.patientIdAuthority.oid;
  const resolveAuthority = authorityResolver(domain);
  const pdqMax = o.pdqMaxResults ?? 1000;
  const ttl = o.continuationTtlMs ?? 10 * 60_000;
  const nat = (id: string): PatientIdentifier => ({ id, assigningAuthority: national });
  let flushing: Promise<void> | undefined;
  let flushAgain = false;

  function resolveIds(
    ids: readonly SourceIdentifier[],
    target: 'identifiers' | 'priorIdentifiers',
  ): PatientIdentifier[] {
    return ids.map((i, index) => {
      if (i.id.trim() === '')
        throw new MpiError('MissingField', target, 'identifier without an id value', index, 'id');
      const aa = resolveAuthority(i);
      if (!aa)
        throw new MpiError(
          'UnknownDomain',
          target,
          `assigning authority ${i.assigningAuthority ?? i.namespaceId ?? '(none)'} is not known in the affinity domain`,
          index,
          'authority',
        );
      return { id: i.id, assigningAuthority: aa };
    });
  }

  /**
   * Writes what feeds accumulated, all in one statement: data-modifying CTEs run once each,
   * whether or not the main query reads them, and the foreign keys between them are checked
   * at the end of the statement. With `guarded`, a feed's rows are written only if its match
   * key's version is still the one read with its candidates (the version then moves on); a
   * second feed of the same key in one call is not written. Returns, per feed, whether it was.
   */
  async function writeRows(
    q: Queryable,
    feeds: readonly { p: Pending; guard?: { key: string; version: number } }[],
    guarded: boolean,
  ): Promise<boolean[]> {
    const keys = new Set<string>();
    const included = feeds.map((x) => {
      if (!guarded) return true;
      const k = x.guard?.key;
      if (k === undefined || keys.has(k)) return false;
      keys.add(k);
      return true;
    });
    const rows = <T>(pick: (p: Pending) => readonly T[]): { f: number; x: T }[] =>
      feeds.flatMap((feed, f) => (included[f] ? pick(feed.p).map((x) => ({ f, x })) : []));
    const e = rows((p) => p.enterprises);
    const s = rows((p) => p.sources);
    const h = rows((p) => p.history);
    const ev = rows((p) => p.events);
    // Match keys locked in one order by every batch, so two batches cannot deadlock.
    const g = feeds
      .flatMap((x, f) => (included[f] && x.guard ? [{ f, ...x.guard }] : []))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (e.length + s.length + h.length + ev.length === 0 && g.length === 0) return included;
    const cols = s.map((r) => demographicColumns(r.x.demographics));
    const col = (i: number): unknown[] => cols.map((c) => c[i]);
    const only = guarded ? ' WHERE x.f IN (SELECT f FROM ok)' : '';
    const r = await q.query<{ f: number }>(
      `WITH ${
        guarded
          ? `g AS (
         INSERT INTO match_guard (key, version) SELECT k, v + 1 FROM unnest($31::text[], $32::bigint[]) AS x(k, v)
         ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version WHERE match_guard.version = EXCLUDED.version - 1
         RETURNING key),
       ok AS (SELECT x.f FROM unnest($31::text[], $33::int[]) AS x(k, f) WHERE x.k IN (SELECT key FROM g)),`
          : ''
      }
       e AS (
         INSERT INTO enterprise_identity (id, national_id, created_at, updated_at)
         SELECT x.id, x.nid, $1::timestamptz, $1::timestamptz FROM unnest($2::bigint[], $3::text[], $27::int[]) AS x(id, nid, f)${only}),
       s AS (
         INSERT INTO source_identity (id, authority, local_id, enterprise_id, family_key, given_key, family_phonetic,
           given_phonetic, birth_date, sex, postal_code, demographics, complete, created_at, updated_at)
         SELECT x.id, x.a, x.l, x.e, x.fk, x.gk, x.fp, x.gp, x.bd, x.sx, x.pc, x.dem, x.c, $1::timestamptz, $1::timestamptz
           FROM unnest($4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[],
                       $11::text[], $12::text[], $13::text[], $14::text[], $15::jsonb[], $16::boolean[], $28::int[])
                AS x(id, a, l, e, fk, gk, fp, gp, bd, sx, pc, dem, c, f)${only}),
       h AS (
         INSERT INTO identity_history (at, kind, enterprise_id, source_id, other_enterprise_id, transaction, actor, detail)
         SELECT $1::timestamptz, x.k, x.e, x.s, x.o, x.t, x.a, x.d
           FROM unnest($17::text[], $18::bigint[], $19::bigint[], $20::bigint[], $21::text[], $22::text[], $23::jsonb[], $29::int[])
                AS x(k, e, s, o, t, a, d, f)${only}),
       o AS (
         INSERT INTO outbox (subject, event_id, payload, created_at)
         SELECT x.s, x.id, x.p, $1::timestamptz FROM unnest($24::text[], $25::uuid[], $26::jsonb[], $30::int[]) AS x(s, id, p, f)${only})
       ${guarded ? 'SELECT f FROM ok' : 'SELECT 0 AS f'}`,
      [
        clock(),
        e.map((r) => r.x.id),
        e.map((r) => r.x.nationalId),
        s.map((r) => r.x.id),
        s.map((r) => r.x.identifier.assigningAuthority),
        s.map((r) => r.x.identifier.id),
        s.map((r) => r.x.enterpriseId),
        col(0),
        col(1),
        col(2),
        col(3),
        col(4),
        col(5),
        col(6),
        col(7),
        col(8),
        h.map((r) => r.x.kind),
        h.map((r) => r.x.enterpriseId ?? null),
        h.map((r) => r.x.sourceId ?? null),
        h.map((r) => r.x.otherEnterpriseId ?? null),
        h.map((r) => r.x.actor.transaction ?? null),
        h.map((r) => r.x.actor.id),
        h.map((r) => JSON.stringify(r.x.detail ?? {})),
        ev.map((r) => r.x.subject),
        ev.map((r) => r.x.payload.eventId),
        ev.map((r) => JSON.stringify(r.x.payload)),
        e.map((r) => r.f),
        s.map((r) => r.f),
        h.map((r) => r.f),
        ev.map((r) => r.f),
        ...(guarded ? [g.map((x) => x.key), g.map((x) => x.version), g.map((x) => x.f)] : []),
      ],
      // Two texts (guarded or not), arrays as parameters: prepared once per connection.
      { prepare: true },
    );
    if (!guarded) return included;
    const written = new Set(r.rows.map((x) => Number(x.f)));
    return feeds.map((_, f) => written.has(f));
  }

  /** Writes one transaction's rows (the transactional feed path). */
  async function writePending(tx: Queryable, p: Pending): Promise<void> {
    await writeRows(tx, [{ p }], false);
  }

  const feedPaths = { optimistic: 0, transactional: 0 };
  const matching = { searches: 0, candidates: 0 };
  const newPending = (): Pending => ({
    enterprises: [],
    sources: [],
    events: [],
    history: [],
    changed: new Set(),
  });

  /** After commit: events to the bus, changed cross-references to the notifiers. */
  function afterCommit(p: Pending): void {
    if (p.events.length > 0) publishCommitted(p.events);
    if (p.changed.size > 0) o.onCrossReferenceChange?.([...p.changed]);
  }

  /**
   * ITI-8 / ITI-44 add of a new person in two statements and no transaction: sources and
   * candidates read with the match key's version, then everything written by one statement
   * guarded by that version (writePending). Undefined when the feed is anything else (a known
   * identifier, a national id, a link or review verdict) or lost the race for its match key:
   * the caller then runs it in a transaction.
   */
  async function addNewIdentity(cmd: FeedCommand): Promise<FeedResult | undefined> {
    const p = newPending();
    let result: FeedResult;
    const optimistic: { guard?: { key: string; version: number } } = {};
    try {
      result = await addOrRevise(db, p, cmd, optimistic);
    } catch (err) {
      if (err instanceof NeedsTransaction) return undefined;
      throw err;
    }
    try {
      if (!optimistic.guard || !(await writeBatch({ p, guard: optimistic.guard }))) return undefined;
    } catch (err) {
      // Another feed inserted one of these source identities meanwhile (its batch is then
      // refused as a whole), or a deadlock: the transactional path sorts it out.
      if (isUniqueViolation(err) || isSerializationFailure(err)) return undefined;
      throw err;
    }
    afterCommit(p);
    feedPaths.optimistic++;
    return result;
  }

  async function withTx<T>(fn: (tx: Queryable, p: Pending) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const pending = newPending();
      try {
        const r = await db.transaction(async (tx) => {
          const out = await fn(tx, pending);
          await writePending(tx, pending);
          return out;
        });
        afterCommit(pending);
        return r;
      } catch (err) {
        if (attempt < 4 && (isUniqueViolation(err) || isSerializationFailure(err))) continue;
        throw err;
      }
    }
  }

  async function activeSources(tx: Queryable, enterpriseId: number): Promise<PatientIdentifier[]> {
    const r = await tx.query<{ authority: string; local_id: string }>(
      "SELECT authority, local_id FROM source_identity WHERE enterprise_id = $1 AND status = 'active' ORDER BY id",
      [enterpriseId],
    );
    return r.rows.map((x) => ({ id: x.local_id, assigningAuthority: x.authority }));
  }

  async function nationalOf(tx: Queryable, enterpriseId: number): Promise<string> {
    const r = await tx.query<{ national_id: string }>(
      'SELECT national_id FROM enterprise_identity WHERE id = $1',
      [enterpriseId],
    );
    return r.rows[0]?.national_id ?? '';
  }

  /** Records a history row; written with the transaction's other rows at its end. */
  function history(p: Pending, h: HistoryRow): void {
    p.history.push(h);
  }

  function event<S extends EventSubject>(
    p: Pending,
    subject: S,
    payload: Omit<EventOf<S>, 'eventId' | 'occurredAt'>,
  ): void {
    p.events.push({
      subject,
      payload: { eventId: randomUUID(), occurredAt: clock().toISOString(), ...payload },
    });
  }

  // Identifiers are drawn from their sequences in blocks (one round trip per 64 new
  // identities), so that a new identity's rows can be written with its history and events in
  // one statement at commit; a block's unused values are lost at shutdown, which only leaves gaps.
  const pools = new Map<string, string[]>();
  async function nextValue(tx: Queryable, sequence: string): Promise<string> {
    let pool = pools.get(sequence);
    if (!pool) pools.set(sequence, (pool = []));
    if (pool.length === 0) {
      const r = await tx.query<{ n: string }>(
        'SELECT nextval($1::regclass)::text AS n FROM generate_series(1, 64)',
        [sequence],
      );
      for (const row of r.rows) pool.push(row.n);
    }
    return pool.shift() as string;
  }
  async function nextNationalId(tx: Queryable): Promise<string> {
    const n = await nextValue(tx, 'national_id_seq');
    return n + luhn(n);
  }

  /** A new enterprise identity, inserted at the end of the transaction (writePending). */
  async function allocateEnterprise(tx: Queryable, p: Pending): Promise<{ id: number; nationalId: string }> {
    const e = {
      id: asNum(await nextValue(tx, 'enterprise_identity_id_seq')),
      nationalId: await nextNationalId(tx),
    };
    p.enterprises.push(e);
    return e;
  }

  async function newEnterprise(tx: Queryable): Promise<{ id: number; nationalId: string }> {
    const nid = await nextNationalId(tx);
    const now = clock();
    const r = await tx.query<{ id: string }>(
      'INSERT INTO enterprise_identity (national_id, created_at, updated_at) VALUES ($1, $2, $2) RETURNING id',
      [nid, now],
    );
    return { id: asNum((r.rows[0] as { id: string }).id), nationalId: nid };
  }

  /** Follows merges to the surviving enterprise identity. */
  async function survivor(
    tx: Queryable,
    enterpriseId: number,
  ): Promise<{ id: number; nationalId: string; merged: boolean }> {
    let id = enterpriseId;
    let merged = false;
    for (let i = 0; i < 32; i++) {
      const r = await tx.query<{ national_id: string; merged_into: string | null }>(
        'SELECT national_id, merged_into FROM enterprise_identity WHERE id = $1',
        [id],
      );
      const row = r.rows[0];
      if (!row) break;
      if (row.merged_into === null) return { id, nationalId: row.national_id, merged };
      id = asNum(row.merged_into);
      merged = true;
    }
    throw new Error(`merge chain of enterprise identity ${enterpriseId} does not end`);
  }

  async function insertSource(
    tx: Queryable,
    id: PatientIdentifier,
    enterpriseId: number,
    d: Demographics,
  ): Promise<number> {
    const now = clock();
    const r = await tx.query<{ id: string }>(
      `INSERT INTO source_identity (authority, local_id, enterprise_id, family_key, given_key, family_phonetic, given_phonetic,
         birth_date, sex, postal_code, demographics, complete, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id`,
      [id.assigningAuthority, id.id, enterpriseId, ...demographicColumns(d), now],
    );
    return asNum((r.rows[0] as { id: string }).id);
  }

  async function updateSource(tx: Queryable, sourceId: number, d: Demographics): Promise<void> {
    await tx.query(
      `UPDATE source_identity SET family_key=$2, given_key=$3, family_phonetic=$4, given_phonetic=$5, birth_date=$6, sex=$7,
         postal_code=$8, demographics=$9, complete=$10, updated_at=$11 WHERE id = $1`,
      [sourceId, ...demographicColumns(d), clock()],
    );
  }

  async function openReview(
    tx: Queryable,
    r: {
      kind: 'potential-duplicate' | 'collision';
      sourceId: number;
      authority: string;
      candidate?: number;
      score?: number;
      detail?: unknown;
    },
  ): Promise<number> {
    const q = await tx.query<{ id: string }>(
      'INSERT INTO review_item (kind, source_id, candidate_enterprise_id, authority, score, detail, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id',
      [
        r.kind,
        r.sourceId,
        r.candidate ?? null,
        r.authority,
        r.score ?? null,
        JSON.stringify(r.detail ?? {}),
        clock(),
      ],
    );
    return asNum((q.rows[0] as { id: string }).id);
  }

  /**
   * One statement for one or more feeds: the source identities of each feed's `locals`
   * (locked FOR UPDATE when `lock`) and, when none of them exists and `search` is set, the
   * blocking candidates of its demographics (same birth date, or same phonetic names either
   * way round), with the version of its match key.
   */
  async function readFeeds(
    q: Queryable,
    reads: readonly FeedRead[],
    lock: boolean,
  ): Promise<FeedReadResult[]> {
    const input = reads.map((x) => {
      const k = searchKeys(x.d);
      const bd = x.d.birthDate;
      return {
        l: x.locals.map((l) => [l.assigningAuthority, l.id]),
        s: x.search && (k.familyPhonetic !== '' || !!bd),
        bd: bd ?? null,
        fp: k.familyPhonetic,
        gp: k.givenPhonetic,
        // The birth year as a range on (family_phonetic, birth_date): an index range scan.
        y0: bd ? bd.slice(0, 4) : null,
        y1: bd ? `${bd.slice(0, 4)}~` : null,
        k: x.key,
      };
    });
    // Every part probes an index once per feed (LATERAL ... LIMIT is not flattened into a join):
    // the generic plan estimates 100 feeds, for which a plain join with match_guard hashed the
    // whole table (3-4 ms per statement at 12,000 match keys instead of 0.1 ms).
    const r = await q.query<SourceRow & { ord: string; kind: 'source' | 'candidate' | 'guard' }>(
      `WITH f AS MATERIALIZED (
         SELECT a.ord, a.x->'l' AS l, (a.x->>'s')::boolean AS search, a.x->>'bd' AS bd, a.x->>'fp' AS fp,
                a.x->>'gp' AS gp, a.x->>'y0' AS y0, a.x->>'y1' AS y1, a.x->>'k' AS k
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(x, ord)),
       src AS (
         SELECT f.ord, s.id, s.authority, s.local_id, s.enterprise_id, s.status, s.demographics
           FROM f CROSS JOIN LATERAL jsonb_array_elements(f.l) AS l(v)
           JOIN source_identity s ON s.authority = l.v->>0 AND s.local_id = l.v->>1${lock ? ' FOR UPDATE OF s' : ''})
       SELECT ord, 'source' AS kind, id, authority, local_id, enterprise_id, status, demographics FROM src
       UNION ALL
       SELECT f.ord, 'candidate', NULL::bigint, NULL::text, NULL::text, c.enterprise_id, NULL::text, c.demographics
         FROM f CROSS JOIN LATERAL (
           SELECT enterprise_id, demographics FROM source_identity
            WHERE status = 'active' AND (birth_date = f.bd
               OR (family_phonetic = f.fp AND given_phonetic = f.gp)
               OR (family_phonetic = f.gp AND given_phonetic = f.fp)
               OR (family_phonetic = f.fp AND birth_date >= f.y0 AND birth_date < f.y1))
            LIMIT 500) c
        WHERE f.search AND NOT EXISTS (SELECT 1 FROM src WHERE src.ord = f.ord)
       UNION ALL
       SELECT f.ord, 'guard', g.version, NULL, NULL, NULL, NULL, NULL
         FROM f CROSS JOIN LATERAL (SELECT version FROM match_guard WHERE key = f.k LIMIT 1) g`,
      [JSON.stringify(input)],
      // Two texts (with and without FOR UPDATE): prepared once per connection.
      { prepare: true },
    );
    const out = reads.map(() => ({
      found: new Map<string, SourceRow>(),
      candidates: [] as FeedReadResult['candidates'],
      version: 0,
    }));
    for (const row of r.rows) {
      const x = out[Number(row.ord) - 1];
      if (!x) continue;
      if (row.kind === 'candidate') x.candidates.push(row);
      else if (row.kind === 'guard') x.version = asNum(row.id);
      else x.found.set(`${row.authority}|${row.local_id}`, row);
    }
    return out.map((x, i) => ({
      existing: (reads[i] as FeedRead).locals.map((l) => x.found.get(`${l.assigningAuthority}|${l.id}`)),
      candidates: x.candidates,
      version: x.version,
    }));
  }
  // The optimistic path reads and writes the feeds arriving together in one statement each
  // (its write is then one commit for all of them: group commit).
  const readBatch = createBatcher<FeedRead, FeedReadResult>({
    run: (reads) => readFeeds(db, reads, false),
  });
  const writeBatch = createBatcher<{ p: Pending; guard: { key: string; version: number } }, boolean>({
    run: (feeds) => writeRows(db, feeds, true),
  });

  /** Best-scoring enterprise among the candidates. */
  function bestCandidate(
    d: Demographics,
    candidates: readonly { enterprise_id: string; demographics: Demographics }[],
  ): { enterpriseId: number; score: number; breakdown: unknown } | undefined {
    let best: { enterpriseId: number; score: number; breakdown: unknown } | undefined;
    matching.candidates += candidates.length;
    matching.searches++;
    const score = matchScorer(d);
    for (const row of candidates) {
      const b = score(row.demographics);
      if (!best || b.score > best.score)
        best = { enterpriseId: asNum(row.enterprise_id), score: b.score, breakdown: b };
    }
    return best;
  }

  async function lockSource(tx: Queryable, id: PatientIdentifier): Promise<SourceRow | undefined> {
    const r = await tx.query<SourceRow>(
      'SELECT id, authority, local_id, enterprise_id, status, demographics FROM source_identity WHERE authority = $1 AND local_id = $2 FOR UPDATE',
      [id.assigningAuthority, id.id],
    );
    return r.rows[0];
  }

  /**
   * ITI-8 A01/A04/A05/A08, ITI-44 add/revise. In a transaction (`tx`), or with `optimistic`
   * on the database itself: then only the creation of a new identity is carried out (rows
   * left in `p` for a guarded writePending), anything else throws {@link NeedsTransaction}.
   */
  async function addOrRevise(
    tx: Queryable,
    p: Pending,
    cmd: FeedCommand,
    optimistic?: { guard?: { key: string; version: number } },
  ): Promise<FeedResult> {
    const ids = resolveIds(cmd.identifiers, 'identifiers');
    const nationalIds = ids.filter((i) => i.assigningAuthority === national);
    const locals = ids.filter((i) => i.assigningAuthority !== national);
    // Without a national id the feed may create an identity. Two sources feeding the same new
    // person at once would each miss the other's uncommitted identity and create a duplicate:
    // creation is serialised per match key, birth date (or phonetic family name without one),
    // through its match_guard row. In a transaction the row is locked (and its version moved
    // on) first, so the candidates, read by the next statement, include what the previous
    // holder committed; the optimistic path reads the version with the candidates instead.
    const mayCreate = nationalIds.length === 0 && locals.length > 0;
    if (optimistic && (!mayCreate || cmd.action !== 'add')) throw new NeedsTransaction();
    const key = `mpi-match|${cmd.demographics.birthDate ?? searchKeys(cmd.demographics).familyPhonetic}`;
    if (mayCreate && !optimistic)
      await tx.query(
        'INSERT INTO match_guard (key, version) VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET version = match_guard.version + 1',
        [key],
      );
    const read: FeedRead = { locals, d: cmd.demographics, search: mayCreate, key };
    const { existing, candidates, version } = optimistic
      ? await readBatch(read)
      : ((await readFeeds(tx, [read], true))[0] as FeedReadResult);
    if (optimistic) {
      if (existing.some((e) => e !== undefined)) throw new NeedsTransaction();
      optimistic.guard = { key, version };
    }
    if (cmd.action === 'revise' && locals.length > 0 && existing.every((e) => e === undefined))
      throw new MpiError(
        'UnknownPatient',
        'identifiers',
        'no identifier of the update is known to the MPI',
        0,
        'id',
      );

    const reviewItems: number[] = [];
    let enterprise: { id: number; nationalId: string } | undefined;
    let decision: FeedResult['decision'] = 'new';
    let score: number | undefined;
    let created = false;
    let candidateForReview: { enterpriseId: number; score: number; breakdown: unknown } | undefined;

    const nid = nationalIds[0];
    if (nid) {
      const r = await tx.query<{ id: string }>('SELECT id FROM enterprise_identity WHERE national_id = $1', [
        nid.id,
      ]);
      if (r.rows[0]) {
        const s = await survivor(tx, asNum(r.rows[0].id));
        enterprise = { id: s.id, nationalId: s.nationalId };
      } else if (locals.length === 0) {
        throw new MpiError(
          'UnknownPatient',
          'identifiers',
          'the national identifier is not known to the MPI',
          0,
          'id',
        );
      } else {
        throw new MpiError(
          'UnknownPatient',
          'identifiers',
          'the national identifier is not known to the MPI (the MPI assigns it)',
          ids.indexOf(nid),
          'id',
        );
      }
      decision = 'national-id';
    }
    const known = existing.filter((e): e is SourceRow => e !== undefined);
    if (!enterprise && known[0]) {
      const s = await survivor(tx, asNum(known[0].enterprise_id));
      enterprise = { id: s.id, nationalId: s.nationalId };
      decision = 'existing';
    }
    if (!enterprise) {
      if (locals.length === 0)
        throw new MpiError('MissingField', 'identifiers', 'no patient identifier', 0, 'id');
      const best = bestCandidate(cmd.demographics, candidates);
      score = best?.score;
      const verdict = best ? decide(best.score, policy) : 'new';
      if (optimistic && verdict !== 'new') throw new NeedsTransaction();
      if (best && verdict === 'link') {
        const s = await survivor(tx, best.enterpriseId);
        enterprise = { id: s.id, nationalId: s.nationalId };
        decision = 'link';
      } else {
        // A review item refers to the new source row, so that identity is inserted at once;
        // otherwise its rows are written at commit with the history and events (writePending).
        enterprise = verdict === 'review' ? await newEnterprise(tx) : await allocateEnterprise(tx, p);
        created = true;
        decision = verdict === 'review' ? 'review' : 'new';
        if (verdict === 'review') candidateForReview = best;
        history(p, {
          kind: 'created',
          enterpriseId: enterprise.id,
          actor: cmd.actor,
          detail: { score },
        });
      }
    }

    const linked: PatientIdentifier[] = [];
    const unlinked: PatientIdentifier[] = [];
    let updated = false;
    for (let i = 0; i < locals.length; i++) {
      const id = locals[i] as PatientIdentifier;
      const row = existing[i];
      if (!row) {
        let sid: number;
        if (created && !candidateForReview) {
          sid = asNum(await nextValue(tx, 'source_identity_id_seq'));
          p.sources.push({
            id: sid,
            identifier: id,
            enterpriseId: enterprise.id,
            demographics: cmd.demographics,
          });
        } else sid = await insertSource(tx, id, enterprise.id, cmd.demographics);
        linked.push(id);
        history(p, {
          kind: 'linked',
          enterpriseId: enterprise.id,
          sourceId: sid,
          actor: cmd.actor,
          detail: { decision, score },
        });
        if (candidateForReview) {
          reviewItems.push(
            await openReview(tx, {
              kind: 'potential-duplicate',
              sourceId: sid,
              authority: id.assigningAuthority,
              candidate: candidateForReview.enterpriseId,
              score: candidateForReview.score,
              detail: candidateForReview.breakdown,
            }),
          );
        }
        continue;
      }
      const sid = asNum(row.id);
      // Collision: the same local id now describes someone else (ITI-8 A08 with other demographics).
      const same = matchScore(row.demographics, cmd.demographics);
      if (
        same.score < policy.reviewThreshold &&
        isComplete(row.demographics) &&
        isComplete(cmd.demographics)
      ) {
        reviewItems.push(
          await openReview(tx, {
            kind: 'collision',
            sourceId: sid,
            authority: id.assigningAuthority,
            candidate: asNum(row.enterprise_id),
            score: same.score,
            detail: { before: row.demographics, breakdown: same },
          }),
        );
      }
      await updateSource(tx, sid, cmd.demographics);
      history(p, {
        kind: 'updated',
        enterpriseId: enterprise.id,
        sourceId: sid,
        actor: cmd.actor,
        detail: { before: row.demographics },
      });
      updated = true;
      const current = await survivor(tx, asNum(row.enterprise_id));
      if (current.id !== enterprise.id) {
        if (row.status === 'active') {
          // The sender asserts these ids are one person: a second enterprise identity is a collision to review, the id moves.
          await tx.query('UPDATE source_identity SET enterprise_id = $2, updated_at = $3 WHERE id = $1', [
            sid,
            enterprise.id,
            clock(),
          ]);
          history(p, {
            kind: 'unlinked',
            enterpriseId: current.id,
            sourceId: sid,
            otherEnterpriseId: enterprise.id,
            actor: cmd.actor,
          });
          history(p, {
            kind: 'linked',
            enterpriseId: enterprise.id,
            sourceId: sid,
            otherEnterpriseId: current.id,
            actor: cmd.actor,
          });
          linked.push(id);
          p.changed.add(current.id);
          event(p, 'mpi.patient-linked', {
            enterpriseId: nat(current.nationalId),
            linked: [],
            unlinked: [id],
            ...tr(cmd.actor),
          });
        }
      }
    }
    if (known.length > 1 && new Set(known.map((k) => k.enterprise_id)).size > 1) {
      reviewItems.push(
        await openReview(tx, {
          kind: 'collision',
          sourceId: asNum((known[1] as SourceRow).id),
          authority: (known[1] as SourceRow).authority,
          candidate: enterprise.id,
          detail: { reason: 'identifiers of one feed belonged to different enterprise identities' },
        }),
      );
    }
    // A new identity holds exactly the ids just inserted; an existing one is re-read.
    if (!created)
      await tx.query('UPDATE enterprise_identity SET updated_at = $2 WHERE id = $1', [
        enterprise.id,
        clock(),
      ]);
    const all = created ? locals : await activeSources(tx, enterprise.id);
    const eid = nat(enterprise.nationalId);
    const t = cmd.actor.transaction ?? 'ITI-8';
    if (created) event(p, 'mpi.patient-created', { enterpriseId: eid, identifiers: all, transaction: t });
    else if (linked.length > 0 || unlinked.length > 0)
      event(p, 'mpi.patient-linked', { enterpriseId: eid, linked, unlinked, transaction: t });
    if (!created && updated)
      event(p, 'mpi.patient-updated', { enterpriseId: eid, identifiers: all, transaction: t });
    if (created || linked.length > 0) p.changed.add(enterprise.id);
    return {
      enterpriseId: eid,
      decision,
      ...(score === undefined ? {} : { score }),
      reviewItems,
      mergedEnterpriseIds: [],
    };
  }

  /** Merges enterprise `from` into `into`: sources re-pointed, `from` retired; returns the retired national id. */
  async function mergeEnterprises(
    tx: Queryable,
    p: Pending,
    from: number,
    into: number,
    actor: Actor,
  ): Promise<PatientIdentifier> {
    const fromNat = await nationalOf(tx, from);
    await tx.query(
      'UPDATE source_identity SET enterprise_id = $2, updated_at = $3 WHERE enterprise_id = $1',
      [from, into, clock()],
    );
    await tx.query(
      "UPDATE enterprise_identity SET status = 'merged', merged_into = $2, updated_at = $3 WHERE id = $1",
      [from, into, clock()],
    );
    history(p, { kind: 'merged', enterpriseId: into, otherEnterpriseId: from, actor });
    const intoNat = await nationalOf(tx, into);
    event(p, 'mpi.patient-merged', {
      survivingId: nat(intoNat),
      mergedIds: [nat(fromNat)],
      transaction: actor.transaction ?? 'ITI-8',
    });
    p.changed.add(into);
    p.changed.add(from);
    return nat(fromNat);
  }

  async function merge(tx: Queryable, p: Pending, cmd: FeedCommand): Promise<FeedResult> {
    const ids = resolveIds(cmd.identifiers, 'identifiers');
    const priors = resolveIds(cmd.priorIdentifiers ?? [], 'priorIdentifiers');
    if (priors.length === 0)
      throw new MpiError(
        'MissingField',
        'priorIdentifiers',
        'MRG-1 prior patient identifier is missing',
        0,
        'id',
      );
    const surviving = ids.find((i) => i.assigningAuthority !== national) ?? ids[0];
    if (!surviving)
      throw new MpiError('MissingField', 'identifiers', 'no surviving patient identifier', 0, 'id');
    const merged: PatientIdentifier[] = [];
    let survivorEnterprise: { id: number; nationalId: string } | undefined;
    let survivorRow = surviving.assigningAuthority === national ? undefined : await lockSource(tx, surviving);
    if (surviving.assigningAuthority === national) {
      const r = await tx.query<{ id: string }>('SELECT id FROM enterprise_identity WHERE national_id = $1', [
        surviving.id,
      ]);
      if (!r.rows[0])
        throw new MpiError(
          'UnknownPatient',
          'identifiers',
          'surviving national identifier is not known',
          0,
          'id',
        );
      survivorEnterprise = await survivor(tx, asNum(r.rows[0].id));
    }
    for (let i = 0; i < priors.length; i++) {
      const prior = priors[i] as PatientIdentifier;
      let priorEnterprise: number;
      let priorSource: SourceRow | undefined;
      if (prior.assigningAuthority === national) {
        const r = await tx.query<{ id: string }>(
          'SELECT id FROM enterprise_identity WHERE national_id = $1',
          [prior.id],
        );
        if (!r.rows[0])
          throw new MpiError(
            'UnknownPatient',
            'priorIdentifiers',
            'prior patient identifier is not known',
            i,
            'id',
          );
        priorEnterprise = (await survivor(tx, asNum(r.rows[0].id))).id;
      } else {
        priorSource = await lockSource(tx, prior);
        if (!priorSource || priorSource.status !== 'active')
          throw new MpiError(
            'UnknownPatient',
            'priorIdentifiers',
            'prior patient identifier is not known (or already merged)',
            i,
            'id',
          );
        priorEnterprise = (await survivor(tx, asNum(priorSource.enterprise_id))).id;
      }
      if (!survivorEnterprise) {
        if (survivorRow) {
          survivorEnterprise = await survivor(tx, asNum(survivorRow.enterprise_id));
        } else {
          // Surviving id not known yet: it takes over the prior identity (ITI TF-2 3.8.4, Merge Patient: the survivor keeps the merged record).
          const s = await survivor(tx, priorEnterprise);
          survivorEnterprise = s;
          const sid = await insertSource(tx, surviving, s.id, cmd.demographics);
          survivorRow = {
            id: String(sid),
            authority: surviving.assigningAuthority,
            local_id: surviving.id,
            enterprise_id: String(s.id),
            status: 'active',
            demographics: cmd.demographics,
          };
          history(p, { kind: 'linked', enterpriseId: s.id, sourceId: sid, actor: cmd.actor });
        }
      }
      if (priorSource) {
        await tx.query(
          "UPDATE source_identity SET status = 'merged', merged_into = $2, updated_at = $3 WHERE id = $1",
          [priorSource.id, survivorRow?.id ?? null, clock()],
        );
        history(p, {
          kind: 'merged',
          enterpriseId: survivorEnterprise.id,
          sourceId: asNum(priorSource.id),
          actor: cmd.actor,
          detail: { survivor: surviving },
        });
      }
      if (priorEnterprise !== survivorEnterprise.id) {
        merged.push(await mergeEnterprises(tx, p, priorEnterprise, survivorEnterprise.id, cmd.actor));
      } else if (priorSource) {
        event(p, 'mpi.patient-linked', {
          enterpriseId: nat(survivorEnterprise.nationalId),
          linked: [],
          unlinked: [prior],
          transaction: cmd.actor.transaction ?? 'ITI-8',
        });
        p.changed.add(survivorEnterprise.id);
      }
    }
    if (!survivorEnterprise) throw new Error('merge without survivor');
    if (survivorRow && cmd.demographics.names.length > 0)
      await updateSource(tx, asNum(survivorRow.id), cmd.demographics);
    return {
      enterpriseId: nat(survivorEnterprise.nationalId),
      decision: 'merged',
      reviewItems: [],
      mergedEnterpriseIds: merged,
    };
  }

  // Events are published right after their commit, in commit order per feed; the outbox
  // rows are then deleted in batches. Rows left behind (bus down, crash between commit and
  // publish) are re-published by the sweeper; consumers de-duplicate on eventId. The events
  // of the transactions committed within 5 ms go out together (one socket write), and
  // published rows are deleted at most every 100 ms (one statement for many).
  const published: string[] = [];
  let deleting: Promise<void> | undefined;
  let deleteTimer: NodeJS.Timeout | undefined;
  let committed: Pending['events'][] = [];
  let publishTimer: NodeJS.Timeout | undefined;
  function publishCommitted(events: Pending['events']): void {
    publishTimer ??= setTimeout(publishBatch, 5);
    committed.push(events);
  }
  function publishBatch(): void {
    publishTimer = undefined;
    const batch = committed;
    committed = [];
    for (const events of batch)
      void (async () => {
        try {
          for (const e of events) {
            await bus.publish(e.subject, e.payload as never, { msgId: e.payload.eventId });
            published.push(e.payload.eventId);
          }
          scheduleDelete();
        } catch (err) {
          logger.warn({ err }, 'MPI events not yet published; the outbox sweeper retries');
        }
      })();
  }
  function scheduleDelete(): void {
    if (published.length < 1000) {
      deleteTimer ??= setTimeout(() => void startDelete(), 100);
      deleteTimer.unref();
    } else void startDelete();
  }
  function startDelete(): Promise<void> {
    clearTimeout(deleteTimer);
    deleteTimer = undefined;
    deleting ??= deletePublished().finally(() => {
      deleting = undefined;
    });
    return deleting;
  }
  async function deletePublished(): Promise<void> {
    while (published.length > 0) {
      const ids = published.splice(0, 1000);
      await db.query('DELETE FROM outbox WHERE event_id = ANY($1::uuid[])', [ids]).catch((err: unknown) => {
        logger.warn({ err }, 'published outbox rows not deleted; the sweeper will re-publish them');
      });
    }
  }

  async function flushOnce(minAgeMs: number): Promise<void> {
    for (;;) {
      const r = await db.query<{ id: string; subject: EventSubject; event_id: string; payload: unknown }>(
        'SELECT id, subject, event_id, payload FROM outbox WHERE created_at <= $1 ORDER BY id LIMIT 100',
        [new Date(clock().getTime() - minAgeMs)],
      );
      if (r.rows.length === 0) return;
      for (const row of r.rows) {
        await bus.publish(row.subject, row.payload as never, { msgId: row.event_id });
        await db.query('DELETE FROM outbox WHERE id = $1', [row.id]);
      }
    }
  }

  function flushOutbox(minAgeMs = 0): Promise<void> {
    if (flushing) {
      flushAgain = true;
      return flushing;
    }
    flushing = (async () => {
      try {
        do {
          flushAgain = false;
          await flushOnce(minAgeMs);
        } while (flushAgain);
      } catch (err) {
        logger.warn({ err }, 'MPI events not yet published; retrying later');
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  }
  const timer = setInterval(() => void flushOutbox(10_000), 5_000);
  timer.unref();

  async function enterpriseIdentifiers(q: Queryable, enterpriseIds: readonly number[]) {
    const out = new Map<
      number,
      { national: PatientIdentifier; sources: PatientIdentifier[]; demographics?: Demographics }
    >();
    if (enterpriseIds.length === 0) return out;
    const e = await q.query<{ id: string; national_id: string }>(
      'SELECT id, national_id FROM enterprise_identity WHERE id = ANY($1::bigint[])',
      [enterpriseIds.map(String)],
    );
    for (const row of e.rows) out.set(asNum(row.id), { national: nat(row.national_id), sources: [] });
    const s = await q.query<{
      enterprise_id: string;
      authority: string;
      local_id: string;
      demographics: Demographics;
    }>(
      "SELECT enterprise_id, authority, local_id, demographics FROM source_identity WHERE enterprise_id = ANY($1::bigint[]) AND status = 'active' ORDER BY updated_at DESC, id DESC",
      [enterpriseIds.map(String)],
    );
    for (const row of s.rows) {
      const x = out.get(asNum(row.enterprise_id));
      if (!x) continue;
      x.sources.push({ id: row.local_id, assigningAuthority: row.authority });
      x.demographics ??= row.demographics;
    }
    return out;
  }

  function resolveDomains(ds: readonly SourceIdentifier[] | undefined): string[] | undefined {
    if (!ds || ds.length === 0) return undefined;
    return ds.map((d, i) => {
      const aa = resolveAuthority(d);
      if (!aa)
        throw new MpiError(
          'UnknownDomain',
          'targetDomains',
          `domain ${d.assigningAuthority ?? d.namespaceId ?? '(none)'} is not known`,
          i,
          'authority',
        );
      return aa;
    });
  }

  async function findEnterprise(
    q: Queryable,
    id: PatientIdentifier,
  ): Promise<{ id: number; nationalId: string; merged: boolean } | undefined> {
    if (id.assigningAuthority === national) {
      const r = await q.query<{ id: string }>('SELECT id FROM enterprise_identity WHERE national_id = $1', [
        id.id,
      ]);
      return r.rows[0] ? survivor(q, asNum(r.rows[0].id)) : undefined;
    }
    const r = await q.query<{ enterprise_id: string; status: string }>(
      'SELECT enterprise_id, status FROM source_identity WHERE authority = $1 AND local_id = $2',
      [id.assigningAuthority, id.id],
    );
    if (!r.rows[0]) return undefined;
    const s = await survivor(q, asNum(r.rows[0].enterprise_id));
    return { ...s, merged: s.merged || r.rows[0].status === 'merged' };
  }

  interface PixRow {
    national_id: string;
    merged_into: string | null;
    qstatus: string;
    authority: string | null;
    local_id: string | null;
  }
  const pixLookup = createBatcher<PatientIdentifier, PixRow[]>({
    async run(keys) {
      // The keys as one JSON array of [authority, id] pairs rather than two text[]: PostgreSQL
      // estimates jsonb_array_elements alike with or without the value, so after five runs the
      // prepared statement keeps its generic plan; unnest of an array value made it plan every
      // execution anew (a custom plan costs ~0.3 ms, four times the lookup itself).
      const r = await db.query<PixRow & { ord: string }>(
        `SELECT x.ord::text AS ord, e.national_id, e.merged_into, q.status AS qstatus, s.authority, s.local_id
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(k, ord)
           JOIN source_identity q ON q.authority = x.k->>0 AND q.local_id = x.k->>1
           JOIN enterprise_identity e ON e.id = q.enterprise_id
           LEFT JOIN source_identity s ON s.enterprise_id = e.id AND s.status = 'active'
          ORDER BY x.ord, s.id`,
        [JSON.stringify(keys.map((k) => [k.assigningAuthority, k.id]))],
        { prepare: true },
      );
      const out: PixRow[][] = keys.map(() => []);
      for (const row of r.rows) out[Number(row.ord) - 1]?.push(row);
      return out;
    },
  });

  async function pixQuery(
    id: SourceIdentifier,
    targetDomains?: readonly SourceIdentifier[],
  ): Promise<PixResult> {
    const [pid] = resolveIds([id], 'identifiers') as [PatientIdentifier];
    const domains = resolveDomains(targetDomains);
    // One statement for a local id, shared by the PIX queries arriving together: merges
    // re-point every source identity to the survivor, so the queried source's enterprise is
    // the surviving one (merged_into IS NULL checked).
    let all: PatientIdentifier[];
    let enterprise: { nationalId: string; merged: boolean };
    const fast = pid.assigningAuthority === national ? undefined : { rows: await pixLookup(pid) };
    const first = fast?.rows[0];
    if (fast && !first)
      throw new MpiError('UnknownPatient', 'identifiers', 'patient identifier is not known', 0, 'id');
    if (first && first.merged_into === null) {
      enterprise = { nationalId: first.national_id, merged: first.qstatus === 'merged' };
      all = [nat(first.national_id)];
      for (const r of fast.rows)
        if (r.authority !== null && r.local_id !== null)
          all.push({ id: r.local_id, assigningAuthority: r.authority });
    } else {
      const e = await findEnterprise(db, pid);
      if (!e) throw new MpiError('UnknownPatient', 'identifiers', 'patient identifier is not known', 0, 'id');
      const x = (await enterpriseIdentifiers(db, [e.id])).get(e.id);
      enterprise = e;
      all = [nat(e.nationalId), ...(x?.sources ?? [])];
    }
    all = all.filter((i) => !(i.id === pid.id && i.assigningAuthority === pid.assigningAuthority));
    return {
      enterpriseId: nat(enterprise.nationalId),
      merged: enterprise.merged,
      identifiers: domains ? all.filter((i) => domains.includes(i.assigningAuthority)) : all,
    };
  }

  function pdqWhere(c: PdqCriteria): { sql: string; params: unknown[] } {
    const where: string[] = ["s.status = 'active'"];
    const params: unknown[] = [];
    const add = (sql: (n: string) => string, v: unknown): void => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    const text = (col: string, v: string | undefined): void => {
      if (v === undefined || v === '') return;
      const prefix = v.endsWith('*');
      const key = nameKey(prefix ? v.slice(0, -1) : v);
      if (key === '' && prefix) return;
      if (prefix) add((n) => `${col} LIKE ${n}`, `${key}%`);
      else add((n) => `${col} = ${n}`, key);
    };
    text('s.family_key', c.family);
    text('s.given_key', c.given);
    if (c.birthDate) add((n) => `s.birth_date = ${n}`, c.birthDate);
    if (c.sex) add((n) => `s.sex = ${n}`, c.sex);
    if (c.postalCode) add((n) => `s.postal_code = ${n}`, nameKey(c.postalCode));
    const addr = (field: string, v: string | undefined): void => {
      if (!v) return;
      add(
        (n) =>
          `EXISTS (SELECT 1 FROM jsonb_array_elements(s.demographics->'addresses') a WHERE upper(a->>'${field}') LIKE ${n})`,
        v.endsWith('*') ? `${v.slice(0, -1).toUpperCase()}%` : v.toUpperCase(),
      );
    };
    addr('street', c.street);
    addr('city', c.city);
    addr('country', c.country);
    if (c.mothersMaidenName)
      add((n) => `upper(s.demographics->>'mothersMaidenName') = ${n}`, c.mothersMaidenName.toUpperCase());
    return { sql: where.join(' AND '), params };
  }

  async function pdqQuery(
    criteria: PdqCriteria,
    opts: {
      targetDomains?: readonly SourceIdentifier[];
      limit?: number;
      continuation?: string;
      queryTag?: string;
      /** Continue the query of this tag (ITI-47 continuation names the query, not a pointer). */
      continueTag?: string;
    } = {},
  ): Promise<PdqResult> {
    let domains = resolveDomains(opts.targetDomains);
    const limit = Math.max(1, Math.min(opts.limit ?? pdqMax, pdqMax));
    let ids: number[];
    if (opts.continuation !== undefined || opts.continueTag !== undefined) {
      const r = await db.query<{ enterprise_ids: string[]; target_domains: string[] | null }>(
        opts.continuation !== undefined
          ? 'DELETE FROM pdq_continuation WHERE pointer = $1 AND expires_at > $2 RETURNING enterprise_ids, target_domains'
          : 'DELETE FROM pdq_continuation WHERE query_tag = $1 AND expires_at > $2 RETURNING enterprise_ids, target_domains',
        [opts.continuation ?? opts.continueTag, clock()],
      );
      const row = r.rows[0];
      if (!row) throw new MpiError('InvalidValue', 'criteria', 'continuation is unknown or expired');
      ids = row.enterprise_ids.map(asNum);
      domains ??= row.target_domains ?? undefined;
    } else {
      let idSql: string | undefined;
      const idParams: unknown[] = [];
      if (criteria.identifier) {
        const [pid] = resolveIds([criteria.identifier], 'identifiers') as [PatientIdentifier];
        const e = await findEnterprise(db, pid);
        if (!e) return { patients: [], remaining: 0 };
        idParams.push(e.id);
        idSql = `s.enterprise_id = $`;
      }
      const w = pdqWhere(criteria);
      const params = [...w.params];
      let sql = w.sql;
      if (idSql) {
        params.push(idParams[0]);
        sql += ` AND ${idSql}${params.length}`;
      }
      if (params.length === 0)
        throw new MpiError('MissingField', 'criteria', 'a PDQ query needs at least one criterion');
      params.push(pdqMax + 1);
      const r = await db.query<{ enterprise_id: string }>(
        `SELECT DISTINCT s.enterprise_id FROM source_identity s WHERE ${sql} ORDER BY s.enterprise_id LIMIT $${params.length}`,
        params,
      );
      ids = r.rows.map((x) => asNum(x.enterprise_id));
    }
    // Details are read one page at a time: a broad query keeps its ids, not its rows.
    const patients: PdqPatient[] = [];
    let consumed = 0;
    while (patients.length < limit && consumed < ids.length) {
      const chunk = ids.slice(consumed, consumed + (limit - patients.length));
      const details = await enterpriseIdentifiers(db, chunk);
      for (const id of chunk) {
        consumed++;
        const x = details.get(id);
        if (!x || !x.demographics) continue;
        const all = [x.national, ...x.sources];
        const identifiers = domains ? all.filter((i) => domains.includes(i.assigningAuthority)) : all;
        // ITI TF-2 3.21.4.1 (QPD-8 What Domains Returned): with QPD-8, patients without an id in those domains are not returned.
        if (identifiers.length === 0) continue;
        patients.push({ enterpriseId: x.national, identifiers, demographics: x.demographics });
      }
    }
    const rest = ids.slice(consumed);
    if (rest.length === 0) return { patients, remaining: 0 };
    const pointer = randomUUID();
    await db.query('DELETE FROM pdq_continuation WHERE expires_at <= $1', [clock()]);
    await db.query(
      'INSERT INTO pdq_continuation (pointer, query_tag, enterprise_ids, expires_at, target_domains) VALUES ($1, $2, $3::bigint[], $4, $5::text[])',
      [
        pointer,
        opts.queryTag ?? opts.continueTag ?? '',
        rest.map(String),
        new Date(clock().getTime() + ttl),
        domains ?? null,
      ],
    );
    return { patients, remaining: rest.length, continuation: pointer };
  }

  function parseCx(cx: string): SourceIdentifier | undefined {
    const parts = cx.split('^');
    const id = parts[0] ?? '';
    const hd = (parts[3] ?? '').split('&');
    if (id === '') return undefined;
    return { id, ...(hd[1] ? { assigningAuthority: hd[1] } : {}), ...(hd[0] ? { namespaceId: hd[0] } : {}) };
  }

  async function loadItem(id: number): Promise<ReviewItem> {
    const r = await db.query<{
      id: string;
      kind: ReviewItem['kind'];
      status: string;
      score: string | null;
      detail: unknown;
      created_at: Date;
      decided_at: Date | null;
      decided_by: string | null;
      decision_note: string | null;
      authority: string;
      local_id: string;
      enterprise_id: string;
      demographics: Demographics;
      candidate_enterprise_id: string | null;
    }>(
      `SELECT r.id, r.kind, r.status, r.score, r.detail, r.created_at, r.decided_at, r.decided_by, r.decision_note,
              s.authority, s.local_id, s.enterprise_id, s.demographics, r.candidate_enterprise_id
         FROM review_item r JOIN source_identity s ON s.id = r.source_id WHERE r.id = $1`,
      [id],
    );
    const row = r.rows[0];
    if (!row) throw new MpiError('UnknownPatient', 'criteria', `worklist item ${id} does not exist`);
    const sourceEnt = await survivor(db, asNum(row.enterprise_id));
    let candidate: ReviewItem['candidate'];
    if (row.candidate_enterprise_id !== null) {
      const c = await survivor(db, asNum(row.candidate_enterprise_id));
      const s = await db.query<{ authority: string; local_id: string; demographics: Demographics }>(
        "SELECT authority, local_id, demographics FROM source_identity WHERE enterprise_id = $1 AND status = 'active' ORDER BY id",
        [c.id],
      );
      candidate = {
        enterpriseId: nat(c.nationalId),
        sources: s.rows.map((x) => ({
          id: { id: x.local_id, assigningAuthority: x.authority },
          demographics: x.demographics,
        })),
      };
    }
    return {
      id: asNum(row.id),
      kind: row.kind,
      status: row.status,
      score: row.score === null ? null : Number(row.score),
      source: {
        id: row.local_id,
        assigningAuthority: row.authority,
        enterpriseId: nat(sourceEnt.nationalId),
        demographics: row.demographics,
      },
      ...(candidate ? { candidate } : {}),
      detail: row.detail,
      createdAt: row.created_at.toISOString(),
      ...(row.decided_at ? { decidedAt: row.decided_at.toISOString() } : {}),
      ...(row.decided_by ? { decidedBy: row.decided_by } : {}),
      ...(row.decision_note ? { note: row.decision_note } : {}),
    };
  }

  return {
    async feed(cmd) {
      const fast = cmd.action === 'add' ? await addNewIdentity(cmd) : undefined;
      if (fast) return fast;
      feedPaths.transactional++;
      return withTx((tx, p) => (cmd.action === 'merge' ? merge(tx, p, cmd) : addOrRevise(tx, p, cmd)));
    },
    stats: () => ({
      feeds: { ...feedPaths },
      matching: { ...matching },
      batches: { pix: pixLookup.stats(), feedReads: readBatch.stats(), feedWrites: writeBatch.stats() },
    }),
    pixQuery,
    pdqQuery,
    pdqContinue: (tag, opts = {}) =>
      pdqQuery({}, { continueTag: tag, ...(opts.limit === undefined ? {} : { limit: opts.limit }) }),
    async cancelQuery(tag) {
      const r = await db.query('DELETE FROM pdq_continuation WHERE query_tag = $1', [tag]);
      return r.rowCount > 0;
    },
    async resolve(cx) {
      const id = parseCx(cx);
      if (!id) return { found: false };
      try {
        const [pid] = resolveIds([id], 'identifiers') as [PatientIdentifier];
        const e = await findEnterprise(db, pid);
        if (!e) return { found: false };
        const refs = (await enterpriseIdentifiers(db, [e.id])).get(e.id)?.sources ?? [];
        return { found: true, enterpriseId: nat(e.nationalId), merged: e.merged, crossReferences: refs };
      } catch (err) {
        if (err instanceof MpiError) return { found: false };
        throw err;
      }
    },
    crossReferences: (ids) => enterpriseIdentifiers(db, ids),
    async worklist(opts = {}) {
      const r = await db.query<{ id: string }>(
        "SELECT id FROM review_item WHERE ($1::text IS NULL OR status = $1) ORDER BY (status = 'open') DESC, created_at DESC, id DESC LIMIT $2",
        [opts.status ?? null, Math.min(opts.limit ?? 100, 1000)],
      );
      const out: ReviewItem[] = [];
      for (const row of r.rows) out.push(await loadItem(asNum(row.id)));
      return out;
    },
    reviewItem: loadItem,
    async decideReview(d) {
      await withTx(async (tx, p) => {
        const r = await tx.query<{
          status: string;
          source_id: string;
          candidate_enterprise_id: string | null;
        }>('SELECT status, source_id, candidate_enterprise_id FROM review_item WHERE id = $1 FOR UPDATE', [
          d.itemId,
        ]);
        const item = r.rows[0];
        if (!item)
          throw new MpiError('UnknownPatient', 'criteria', `worklist item ${d.itemId} does not exist`);
        if (item.status !== 'open')
          throw new MpiError(
            'InvalidValue',
            'criteria',
            `worklist item ${d.itemId} is already ${item.status}`,
          );
        const actor: Actor = { id: d.by };
        const src = await tx.query<SourceRow>(
          'SELECT id, authority, local_id, enterprise_id, status, demographics FROM source_identity WHERE id = $1 FOR UPDATE',
          [item.source_id],
        );
        const source = src.rows[0] as SourceRow;
        const sourceEnt = await survivor(tx, asNum(source.enterprise_id));
        const sid: PatientIdentifier = { id: source.local_id, assigningAuthority: source.authority };
        if (d.action === 'link' || d.action === 'merge') {
          if (item.candidate_enterprise_id === null)
            throw new MpiError(
              'InvalidValue',
              'criteria',
              'this item has no candidate to link or merge with',
            );
          const cand = await survivor(tx, asNum(item.candidate_enterprise_id));
          if (cand.id !== sourceEnt.id) {
            if (d.action === 'merge') await mergeEnterprises(tx, p, sourceEnt.id, cand.id, actor);
            else {
              await tx.query('UPDATE source_identity SET enterprise_id = $2, updated_at = $3 WHERE id = $1', [
                source.id,
                cand.id,
                clock(),
              ]);
              history(p, {
                kind: 'linked',
                enterpriseId: cand.id,
                sourceId: asNum(source.id),
                otherEnterpriseId: sourceEnt.id,
                actor,
              });
              event(p, 'mpi.patient-linked', {
                enterpriseId: nat(cand.nationalId),
                linked: [sid],
                unlinked: [],
              });
              event(p, 'mpi.patient-linked', {
                enterpriseId: nat(sourceEnt.nationalId),
                linked: [],
                unlinked: [sid],
              });
              p.changed.add(cand.id);
              p.changed.add(sourceEnt.id);
              // An enterprise identity left without sources is retired into the one its source joined.
              const left = await activeSources(tx, sourceEnt.id);
              if (left.length === 0) await mergeEnterprises(tx, p, sourceEnt.id, cand.id, actor);
            }
          }
        } else if (d.action === 'unlink') {
          const others = await activeSources(tx, sourceEnt.id);
          if (others.length > 1) {
            const fresh = await newEnterprise(tx);
            await tx.query('UPDATE source_identity SET enterprise_id = $2, updated_at = $3 WHERE id = $1', [
              source.id,
              fresh.id,
              clock(),
            ]);
            history(p, {
              kind: 'unlinked',
              enterpriseId: sourceEnt.id,
              sourceId: asNum(source.id),
              otherEnterpriseId: fresh.id,
              actor,
            });
            event(p, 'mpi.patient-linked', {
              enterpriseId: nat(sourceEnt.nationalId),
              linked: [],
              unlinked: [sid],
            });
            event(p, 'mpi.patient-created', {
              enterpriseId: nat(fresh.nationalId),
              identifiers: [sid],
              transaction: 'ITI-8',
            });
            p.changed.add(sourceEnt.id);
            p.changed.add(fresh.id);
          }
        }
        await tx.query(
          'UPDATE review_item SET status = $2, decided_at = $3, decided_by = $4, decision_note = $5 WHERE id = $1',
          [
            d.itemId,
            d.action === 'dismiss'
              ? 'dismissed'
              : d.action === 'link'
                ? 'linked'
                : d.action === 'merge'
                  ? 'merged'
                  : 'unlinked',
            clock(),
            d.by,
            d.note ?? null,
          ],
        );
        history(p, {
          kind: `decision-${d.action}`,
          enterpriseId: sourceEnt.id,
          sourceId: asNum(source.id),
          actor,
          detail: { itemId: d.itemId, note: d.note },
        });
      });
      return loadItem(d.itemId);
    },
    async indicators() {
      const r = await db.query<{
        authority: string;
        identities: string;
        incomplete: string;
        dup: string;
        col: string;
        open: string;
      }>(
        `SELECT s.authority, count(*)::text AS identities, count(*) FILTER (WHERE NOT s.complete)::text AS incomplete,
                (SELECT count(*) FROM review_item r WHERE r.authority = s.authority AND r.kind = 'potential-duplicate')::text AS dup,
                (SELECT count(*) FROM review_item r WHERE r.authority = s.authority AND r.kind = 'collision')::text AS col,
                (SELECT count(*) FROM review_item r WHERE r.authority = s.authority AND r.status = 'open')::text AS open
           FROM source_identity s WHERE s.status = 'active' GROUP BY s.authority ORDER BY s.authority`,
      );
      const names = new Map(domain.assigningAuthorities.map((a) => [a.oid, a.name]));
      return r.rows.map((x) => ({
        authority: x.authority,
        ...(names.get(x.authority) ? { name: names.get(x.authority) } : {}),
        identities: Number(x.identities),
        incomplete: Number(x.incomplete),
        potentialDuplicates: Number(x.dup),
        collisions: Number(x.col),
        openItems: Number(x.open),
      }));
    },
    async history(nationalId) {
      const r = await db.query(
        `SELECT h.at, h.kind, h.transaction, h.actor, h.detail, s.authority, s.local_id, o.national_id AS other
           FROM identity_history h JOIN enterprise_identity e ON e.id = h.enterprise_id
           LEFT JOIN source_identity s ON s.id = h.source_id LEFT JOIN enterprise_identity o ON o.id = h.other_enterprise_id
          WHERE e.national_id = $1 ORDER BY h.id`,
        [nationalId],
      );
      return r.rows;
    },
    flushOutbox,
    async close() {
      clearInterval(timer);
      // Events still waiting for their batch are in the outbox: flushOutbox publishes them.
      clearTimeout(publishTimer);
      publishTimer = undefined;
      committed = [];
      await startDelete();
      await flushOutbox();
    },
  };
}

/** The indexed columns of a source identity, in table order (family_key .. complete). */
function demographicColumns(d: Demographics): unknown[] {
  const k = searchKeys(d);
  return [
    k.familyKey,
    k.givenKey,
    k.familyPhonetic,
    k.givenPhonetic,
    d.birthDate ?? null,
    d.sex ?? null,
    postal(d),
    JSON.stringify(d),
    isComplete(d),
  ];
}

function postal(d: Demographics): string | null {
  const p = d.addresses?.find((a) => a.postalCode)?.postalCode;
  return p ? nameKey(p) : null;
}

function tr(a: Actor): { transaction?: TransactionId } {
  return a.transaction ? { transaction: a.transaction } : {};
}
