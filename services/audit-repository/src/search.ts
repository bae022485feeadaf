/**
 * Searches over stored audit records (ITI-81 style parameters), newest first, with keyset
 * paging: a page ends with an opaque cursor (event time, chain, seq of its last record) and
 * the next page starts after it, so deep pages cost what the first does. A search naming a
 * patient, user or event subtype is driven by the `event_key` index; others by the event
 * table's own indexes.
 */
import type { Db } from '@mesh/db';
import { canonicalPatientId } from './record.js';
import type { RecordKey } from './record.js';

/** Why a search was refused; rendered as an OperationOutcome with HTTP 400. */
export class SearchParamError extends Error {
  override readonly name = 'SearchParamError';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

export interface TimeBound {
  readonly op: '>=' | '>' | '<=' | '<';
  readonly at: Date;
}

export interface AuditQuery {
  readonly date: readonly TimeBound[];
  readonly keys: readonly RecordKey[];
  readonly eventCode?: string;
  readonly outcome?: number;
  readonly sourceId?: string;
  readonly action?: string;
  readonly count: number;
  readonly cursor?: Cursor;
}

export interface Cursor {
  readonly t: Date;
  readonly chain: number;
  readonly seq: number;
}

export interface FoundRecord {
  readonly id: string;
  readonly chain: number;
  readonly seq: number;
  readonly eventTime: Date;
  readonly xml: string;
}

export interface SearchPage {
  readonly records: readonly FoundRecord[];
  readonly next?: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.t.toISOString()}|${c.chain}|${c.seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  const parts = Buffer.from(s, 'base64url').toString('utf8').split('|');
  const t = new Date(parts[0] ?? '');
  const chain = Number(parts[1]);
  const seq = Number(parts[2]);
  if (parts.length !== 3 || Number.isNaN(t.getTime()) || !Number.isInteger(chain) || !Number.isInteger(seq))
    throw new SearchParamError('_cursor', 'not a cursor this server issued');
  return { t, chain, seq };
}

/** A record's public id: `<chain>-<seq>`. */
export function recordId(chain: number, seq: number): string {
  return `${chain}-${seq}`;
}

export function parseRecordId(id: string): { chain: number; seq: number } | undefined {
  const m = /^(\d{1,3})-(\d{1,18})$/.exec(id);
  return m ? { chain: Number(m[1]), seq: Number(m[2]) } : undefined;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** FHIR date search value with prefix (eq, ge, gt, le, lt); a bare date covers its whole day (UTC). */
export function parseDateParam(value: string): TimeBound[] {
  const m = /^(eq|ge|gt|le|lt)?(.+)$/.exec(value);
  const prefix = m?.[1] ?? 'eq';
  const raw = m?.[2] ?? '';
  if (!/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(raw))
    throw new SearchParamError('date', `'${raw.slice(0, 40)}' is not a FHIR date/dateTime`);
  const start = new Date(
    /^\d{4}$/.test(raw)
      ? `${raw}-01-01T00:00:00Z`
      : /^\d{4}-\d{2}$/.test(raw)
        ? `${raw}-01T00:00:00Z`
        : DATE_ONLY.test(raw)
          ? `${raw}T00:00:00Z`
          : /(Z|[+-]\d{2}:\d{2})$/.test(raw)
            ? raw
            : `${raw}Z`,
  );
  if (Number.isNaN(start.getTime())) throw new SearchParamError('date', 'not a valid date');
  // The end of the precision the value was given in (FHIR 3.2.1.5.9: a date is a range).
  const end = new Date(start);
  if (/^\d{4}$/.test(raw)) end.setUTCFullYear(end.getUTCFullYear() + 1);
  else if (/^\d{4}-\d{2}$/.test(raw)) end.setUTCMonth(end.getUTCMonth() + 1);
  else if (DATE_ONLY.test(raw)) end.setUTCDate(end.getUTCDate() + 1);
  else end.setTime(end.getTime() + 1);
  switch (prefix) {
    case 'ge':
      return [{ op: '>=', at: start }];
    case 'gt':
      return [{ op: '>=', at: end }];
    case 'le':
      return [{ op: '<', at: end }];
    case 'lt':
      return [{ op: '<', at: start }];
    default:
      return [
        { op: '>=', at: start },
        { op: '<', at: end },
      ];
  }
}

/** The code of a FHIR token (`system|code` or `code`). */
const tokenCode = (v: string): string => (v.includes('|') ? v.slice(v.lastIndexOf('|') + 1) : v);

const PARAMS = new Set([
  'date',
  'patient',
  'entity-id',
  'user',
  'agent',
  'type',
  'subtype',
  'outcome',
  'source',
  'action',
  '_count',
  '_cursor',
]);

/**
 * Reads ITI-81 style search parameters: date (repeatable, with prefixes), patient (CX or
 * `urn:oid:<aa>|<id>`), user/agent, type (EventID), subtype (EventTypeCode), outcome, source
 * (AuditSourceID), action, `_count`, `_cursor`. Unknown parameters are refused, so a typo
 * never silently widens a search.
 */
export function parseAuditQuery(
  params: Readonly<Record<string, string | readonly string[] | undefined>>,
  maxCount: number,
): AuditQuery {
  const all = (k: string): string[] => {
    const v = params[k];
    return v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
  };
  const one = (k: string): string | undefined => {
    const v = all(k);
    if (v.length > 1) throw new SearchParamError(k, `${k} may be given once`);
    return v[0];
  };
  for (const k of Object.keys(params))
    if (!PARAMS.has(k)) throw new SearchParamError(k, `unsupported search parameter '${k.slice(0, 40)}'`);
  const keys: RecordKey[] = [];
  for (const p of [...all('patient'), ...all('entity-id')])
    keys.push({ kind: 'P', value: canonicalPatientId(p) });
  for (const u of [...all('user'), ...all('agent')]) keys.push({ kind: 'U', value: u });
  for (const s of all('subtype')) keys.push({ kind: 'S', value: tokenCode(s) });
  const outcomeRaw = one('outcome');
  let outcome: number | undefined;
  if (outcomeRaw !== undefined) {
    outcome = Number(tokenCode(outcomeRaw));
    if (![0, 4, 8, 12].includes(outcome))
      throw new SearchParamError('outcome', 'outcome is one of 0, 4, 8, 12');
  }
  const action = one('action');
  if (action !== undefined && !['C', 'R', 'U', 'D', 'E'].includes(action))
    throw new SearchParamError('action', 'action is one of C, R, U, D, E');
  const countRaw = one('_count');
  const count = countRaw === undefined ? Math.min(50, maxCount) : Number(countRaw);
  if (!Number.isInteger(count) || count < 1 || count > maxCount)
    throw new SearchParamError('_count', `_count is 1..${maxCount}`);
  const type = one('type');
  const source = one('source');
  const cursor = one('_cursor');
  return {
    date: all('date').flatMap(parseDateParam),
    keys,
    ...(type === undefined ? {} : { eventCode: tokenCode(type) }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(source === undefined ? {} : { sourceId: source }),
    ...(action === undefined ? {} : { action }),
    count,
    ...(cursor === undefined ? {} : { cursor: decodeCursor(cursor) }),
  };
}

/** Runs a search; returns at most `count` records and the cursor of the next page when there is one. */
export async function searchAudit(db: Db, q: AuditQuery): Promise<SearchPage> {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const [driver, ...others] = q.keys;
  // The table whose event_time/chain/seq order the page: the key index or the event index.
  const o = driver ? 'k' : 'e';
  const where: string[] = [];
  let from = 'event e';
  if (driver) {
    from =
      'event_key k JOIN event e ON e.chain = k.chain AND e.seq = k.seq AND e.received_at = k.received_at';
    where.push(`k.kind = ${p(driver.kind)}`, `k.value = ${p(driver.value)}`);
  }
  for (const b of q.date) where.push(`${o}.event_time ${b.op} ${p(b.at.toISOString())}`);
  for (const k of others)
    where.push(
      `EXISTS (SELECT 1 FROM event_key k2 WHERE k2.kind = ${p(k.kind)} AND k2.value = ${p(k.value)} AND k2.event_time = e.event_time AND k2.chain = e.chain AND k2.seq = e.seq AND k2.received_at = e.received_at)`,
    );
  if (q.eventCode !== undefined) where.push(`e.event_code = ${p(q.eventCode)}`);
  if (q.outcome !== undefined) where.push(`e.outcome = ${p(q.outcome)}`);
  if (q.sourceId !== undefined) where.push(`e.source_id = ${p(q.sourceId)}`);
  if (q.action !== undefined) where.push(`e.action = ${p(q.action)}`);
  if (q.cursor) {
    const t = p(q.cursor.t.toISOString());
    where.push(
      `(${o}.event_time < ${t} OR (${o}.event_time = ${t} AND (${o}.chain, ${o}.seq) > (${p(q.cursor.chain)}, ${p(q.cursor.seq)})))`,
    );
  }
  const keyOnly =
    driver !== undefined &&
    others.length === 0 &&
    q.eventCode === undefined &&
    q.outcome === undefined &&
    q.sourceId === undefined &&
    q.action === undefined;
  // When every condition is on the key table, take the page from its index first (a merge of
  // the partitions' index scans, stopped at the limit) and only then fetch those events:
  // joining first would read every matching event of a busy user before sorting.
  const sql = keyOnly
    ? `SELECT e.chain, e.seq, e.event_time, e.xml FROM (
         SELECT k.chain, k.seq, k.received_at, k.event_time FROM event_key k WHERE ${where.join(' AND ')}
          ORDER BY k.event_time DESC, k.chain, k.seq LIMIT ${p(q.count + 1)}) k
       JOIN event e ON e.chain = k.chain AND e.seq = k.seq AND e.received_at = k.received_at
      ORDER BY k.event_time DESC, k.chain, k.seq`
    : `SELECT e.chain, e.seq, e.event_time, e.xml FROM ${from}
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${o}.event_time DESC, ${o}.chain, ${o}.seq LIMIT ${p(q.count + 1)}`;
  const r = await db.query<{ chain: number; seq: string; event_time: Date; xml: string }>(sql, params);
  const rows = r.rows.slice(0, q.count).map((x) => ({
    id: recordId(x.chain, Number(x.seq)),
    chain: x.chain,
    seq: Number(x.seq),
    eventTime: x.event_time,
    xml: x.xml,
  }));
  const last = rows[rows.length - 1];
  return {
    records: rows,
    ...(r.rows.length > q.count && last
      ? { next: encodeCursor({ t: last.eventTime, chain: last.chain, seq: last.seq }) }
      : {}),
  };
}

/** One record by its id, or undefined. */
export async function readRecord(db: Db, id: string): Promise<FoundRecord | undefined> {
  const k = parseRecordId(id);
  if (!k) return undefined;
  const r = await db.query<{ chain: number; seq: string; event_time: Date; xml: string }>(
    'SELECT chain, seq, event_time, xml FROM event WHERE chain = $1 AND seq = $2',
    [k.chain, k.seq],
  );
  const x = r.rows[0];
  return x ? { id, chain: x.chain, seq: Number(x.seq), eventTime: x.event_time, xml: x.xml } : undefined;
}
