/**
 * Small SQL helpers of the registry store: positional parameter building (values are always
 * parameters, never spliced), the one-statement INSERT batch, and the conversions between the
 * model's `urn:uuid:` ids / HL7 DTM strings and the columns that index them.
 */
import type { Queryable } from '@mesh/db';

/** Collects positional parameters while a statement is assembled. */
export class Params {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder (`$n`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The bare UUID of an object id (`urn:uuid:...`, ITI TF-3 4.2.3.2.8), or undefined when the
 * id is not a UUID (a symbolic id the caller should have replaced, or garbage in a query).
 */
export function uuidOf(id: string): string | undefined {
  const bare = id.startsWith('urn:uuid:') ? id.slice('urn:uuid:'.length) : id;
  return UUID_RE.test(bare) ? bare.toLowerCase() : undefined;
}

/** `urn:uuid:` form of a uuid column value. */
export function urnOf(uuid: string): string {
  return `urn:uuid:${uuid}`;
}

/** Ids of a query parameter that can match a uuid column (others can match nothing). */
export function uuidsOf(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const u = uuidOf(id);
    if (u !== undefined) out.push(u);
  }
  return out;
}

const DTM_RE = /^\d{4}(?:\d{2}){0,5}$/;
const PAD = '00000101000000';

/**
 * The sortable form of an HL7 DTM as XDS carries it (`YYYY[MM[DD[hh[mm[ss]]]]]`, UTC; ITI TF-3
 * Table 4.2.3.1.7-2): the value padded to 14 digits with the lowest value of each missing
 * field (month and day 01, time 00), as a decimal string for a bigint column. A value and a
 * query bound of different precisions then compare as the instants their periods start at:
 * `2004` is 2004-01-01T00:00:00, so From=2004 includes everything in 2004 and To=2005
 * (exclusive, ITI TF-2 3.18.4.1.2.3.7.1) excludes everything from 2005 on. Undefined when the
 * value is not such a DTM (metadata validation rejects those on registration).
 */
export function normalizeDtm(dtm: string): string | undefined {
  if (!DTM_RE.test(dtm)) return undefined;
  return dtm + PAD.slice(dtm.length);
}

/** Integer version of an entry (ITI TF-3 4.2.3.2.27); the registry assigns 1 on registration. */
export function versionOf(v: string | undefined): number {
  if (v === undefined || !/^\d{1,9}$/.test(v)) return 1;
  return Number(v);
}

/** Rows for one table within an {@link InsertBatch}. */
export interface InsertPart {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  /**
   * PostgreSQL type of each column where it matters to the encoding: a `jsonb` column's string
   * value is JSON text, sent as the value itself (not as a JSON string).
   */
  readonly cast?: readonly (string | undefined)[];
  /** e.g. `ON CONFLICT DO NOTHING`. */
  readonly suffix?: string;
  /** Called when fewer rows than given were inserted (a conflict skipped some): the error to throw. */
  readonly onShort?: (q: Queryable) => Promise<Error> | Error;
  /**
   * The part whose rows this one references by its first column: only rows whose parent was
   * inserted are, so a parent skipped by ON CONFLICT leaves no dangling child to fail the
   * statement's foreign key check before `onShort` can name the conflict.
   */
  readonly parent?: InsertPart;
}

/**
 * A read or claim that runs in the same statement as a batch's INSERTs (a data-modifying or
 * locking CTE named `name`); `result` is a scalar SQL expression over it, which
 * {@link InsertBatch.run} returns under `name`. `build` adds the lead's values through `p`.
 */
export interface BatchLead {
  /** CTE name: lower-case letters and underscores. */
  readonly name: string;
  readonly build: (p: Params) => {
    /** The CTE's body. */
    readonly sql: string;
    readonly result: string;
    /**
     * A boolean SQL expression, true when the lead's outcome refuses the batch (an inactive
     * patient, a uniqueId registered with other content): with `refuseInStatement` the
     * statement itself then fails, so nothing it wrote stays.
     */
    readonly refuse?: string;
  };
}

/** Options of {@link InsertBatch.run}. */
export interface InsertBatchRunOptions {
  /**
   * The statement checks its own outcome (every lead's `refuse`, every part with `onShort`
   * inserting all its rows) and fails with SQLSTATE {@link REFUSED_SQLSTATE} when one does not
   * hold: it then needs no transaction around it (a single statement is atomic), and the
   * caller learns only that it was refused, not why (run it again in a transaction for that).
   */
  readonly refuseInStatement?: boolean;
}

/** SQLSTATE raised by `registry_refuse_if` (migration 0004) when a self-checking batch is refused. */
export const REFUSED_SQLSTATE = 'XR001';

/** True when `err` is the refusal of a self-checking batch ({@link InsertBatchRunOptions.refuseInStatement}). */
export function isRefusedBatch(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === REFUSED_SQLSTATE;
}

/** Parts of one table, statement suffix and parent table, merged into one INSERT. */
interface Merged {
  readonly key: string;
  readonly first: InsertPart;
  readonly parentKey: string | undefined;
  readonly rows: (readonly unknown[])[];
  readonly onShort: ((q: Queryable) => Promise<Error> | Error)[];
}

const partKey = (p: InsertPart): string =>
  `${p.table}|${p.columns.join(',')}|${p.suffix ?? ''}|${p.parent === undefined ? '' : partKey(p.parent)}`;

/** One JSON array of objects (column -> value) for json_populate_recordset; jsonb strings go in as JSON. */
function rowsJson(part: Merged): string {
  const { columns, cast } = part.first;
  const keys = columns.map((c) => `${JSON.stringify(c)}:`);
  let out = '[';
  for (let r = 0; r < part.rows.length; r++) {
    const row = part.rows[r] as readonly unknown[];
    out += r === 0 ? '{' : ',{';
    for (let i = 0; i < columns.length; i++) {
      const v = row[i] ?? null;
      out +=
        (i === 0 ? '' : ',') +
        keys[i] +
        (cast?.[i] === 'jsonb' && typeof v === 'string' ? v : JSON.stringify(v));
    }
    out += '}';
  }
  return `${out}]`;
}

/**
 * Several INSERTs sent as ONE statement, with the leads (claims, locks) the caller needs in the
 * same round trip: a registration, or a group of them, is one statement (between BEGIN and
 * COMMIT, or alone when it checks itself: {@link InsertBatchRunOptions.refuseInStatement}).
 * Each table's rows travel as one JSON parameter read by `json_populate_recordset` (the
 * table's own column types decode them), so the statement's text depends only on which
 * tables receive rows, never on how many: it is prepared once per connection and the server
 * does not parse and plan it again. Parts of the same table (several submissions of a group)
 * are merged into one INSERT. Each INSERT `RETURNING`s its first column so the main SELECT
 * counts what each inserted; foreign keys between the parts hold because PostgreSQL checks them
 * at the end of the statement.
 */
export class InsertBatch {
  private readonly parts = new Map<string, Merged>();
  private readonly leads: BatchLead[] = [];

  add(part: InsertPart): this {
    if (part.rows.length === 0) return this;
    const key = partKey(part);
    let merged = this.parts.get(key);
    if (merged === undefined) {
      merged = {
        key,
        first: part,
        parentKey: part.parent === undefined ? undefined : partKey(part.parent),
        rows: [],
        onShort: [],
      };
      this.parts.set(key, merged);
    }
    merged.rows.push(...part.rows);
    if (part.onShort !== undefined) merged.onShort.push(part.onShort);
    return this;
  }

  lead(lead: BatchLead): this {
    this.leads.push(lead);
    return this;
  }

  /** Runs the batch; returns each lead's result by name. */
  async run(q: Queryable, opts: InsertBatchRunOptions = {}): Promise<Record<string, unknown>> {
    const parts = [...this.parts.values()];
    if (parts.length === 0 && this.leads.length === 0) return {};
    const p = new Params();
    const refusals: string[] = [];
    const leads = this.leads.map((lead) => {
      const built = lead.build(p);
      if (opts.refuseInStatement && built.refuse !== undefined) refusals.push(built.refuse);
      return { name: lead.name, cte: `${lead.name} AS (${built.sql})`, result: built.result };
    });
    const index = new Map(parts.map((m, k) => [m.key, k]));
    const ctes = parts.map((m, k) => {
      const { table, columns, suffix } = m.first;
      const cols = columns.join(', ');
      const parent = m.parentKey === undefined ? undefined : index.get(m.parentKey);
      const source = `SELECT ${cols} FROM json_populate_recordset(NULL::${table}, ${p.add(rowsJson(m))}::json) AS v${
        parent === undefined ? '' : ` WHERE v.${columns[0]} IN (SELECT id FROM i${parent})`
      }`;
      if (opts.refuseInStatement && m.onShort.length > 0)
        refusals.push(`(SELECT count(*) FROM i${k}) < ${p.add(m.rows.length)}::int`);
      return `i${k} AS (INSERT INTO ${table} (${cols}) ${source}${suffix === undefined ? '' : ` ${suffix}`} RETURNING ${columns[0]} AS id)`;
    });
    const outputs = [
      ...parts.map((_, k) => `(SELECT count(*) FROM i${k}) AS c${k}`),
      ...leads.map((lead) => `${lead.result} AS ${lead.name}`),
    ];
    if (refusals.length > 0)
      outputs.push(`registry_refuse_if(${refusals.join(' OR ')}, 'ITI-42 batch refused') AS refused`);
    const r = await q.query<Record<string, unknown>>(
      `WITH ${[...leads.map((l) => l.cte), ...ctes].join(', ')} SELECT ${outputs.join(', ')}`,
      p.values,
      { prepare: true },
    );
    const row = r.rows[0] ?? {};
    for (const [k, m] of parts.entries()) {
      const onShort = m.onShort[0];
      if (Number(row[`c${k}`]) < m.rows.length && onShort !== undefined) throw await onShort(q);
    }
    return Object.fromEntries(leads.map((lead) => [lead.name, row[lead.name]]));
  }
}
