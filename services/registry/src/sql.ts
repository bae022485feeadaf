/**
 * Small SQL helpers of the registry store: positional parameter building (values are always
 * parameters, never spliced), chunked multi-row INSERTs, and the conversions between the
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

/**
 * PostgreSQL accepts at most 65,535 bind parameters per statement; stay well below so one
 * large submission (thousands of codes) is written in a few statements, not refused.
 */
const MAX_PARAMS = 30_000;

/**
 * INSERT of many rows with one multi-row VALUES per chunk. `cast` gives a type per column
 * (e.g. `uuid`, `jsonb`) so untyped text parameters land in typed columns on both drivers.
 * Returns the number of rows inserted (less than rows.length when `suffix` is an
 * `ON CONFLICT DO NOTHING` that skipped some).
 */
export async function insertRows(
  q: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  opts: { cast?: readonly (string | undefined)[]; suffix?: string } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  let inserted = 0;
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const p = new Params();
    const tuples = chunk.map(
      (row) =>
        `(${row
          .map((v, i) => {
            const c = opts.cast?.[i];
            return c === undefined ? p.add(v) : `${p.add(v)}::${c}`;
          })
          .join(', ')})`,
    );
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}${
      opts.suffix === undefined ? '' : ` ${opts.suffix}`
    }`;
    inserted += (await q.query(sql, p.values)).rowCount;
  }
  return inserted;
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
 * {@link InsertBatch.run} returns under `name`.
 */
export interface BatchLead {
  /** CTE name: lower-case letters and underscores. */
  readonly name: string;
  /** The CTE's body; its values go through `p`. */
  readonly sql: (p: Params) => string;
  readonly result: string;
}

/**
 * Several INSERTs sent as ONE statement (data-modifying CTEs, each `RETURNING` its first
 * column so the main SELECT counts what each inserted), with the leads (claims, locks) the
 * caller needs in the same round trip: a typical one-document registration is then one
 * statement between BEGIN and COMMIT. Foreign keys between the parts hold because PostgreSQL
 * checks them at the end of the statement. Batches above the parameter budget fall back to
 * one statement per lead and one chunked statement per part.
 */
export class InsertBatch {
  private readonly parts: InsertPart[] = [];
  private readonly leads: BatchLead[] = [];

  add(part: InsertPart): this {
    if (part.rows.length > 0) this.parts.push(part);
    return this;
  }

  lead(lead: BatchLead): this {
    this.leads.push(lead);
    return this;
  }

  /** Runs the batch; returns each lead's result by name. */
  async run(q: Queryable): Promise<Record<string, unknown>> {
    const total = this.parts.reduce((n, p) => n + p.rows.length * p.columns.length, 0);
    if (total > MAX_PARAMS) {
      const results: Record<string, unknown> = {};
      for (const lead of this.leads) {
        const p = new Params();
        const r = await q.query<Record<string, unknown>>(
          `WITH ${lead.name} AS (${lead.sql(p)}) SELECT ${lead.result} AS ${lead.name}`,
          p.values,
        );
        results[lead.name] = r.rows[0]?.[lead.name];
      }
      for (const part of this.parts) {
        const n = await insertRows(q, part.table, part.columns, part.rows, part);
        if (n < part.rows.length && part.onShort !== undefined) throw await part.onShort(q);
      }
      return results;
    }
    if (this.parts.length === 0 && this.leads.length === 0) return {};
    const p = new Params();
    const leads = this.leads.map((lead) => `${lead.name} AS (${lead.sql(p)})`);
    const ctes = this.parts.map((part, k) => {
      const tuples = part.rows.map(
        (row) =>
          `(${row
            .map((v, i) => {
              const c = part.cast?.[i];
              return c === undefined ? p.add(v) : `${p.add(v)}::${c}`;
            })
            .join(', ')})`,
      );
      const parent = part.parent === undefined ? -1 : this.parts.indexOf(part.parent);
      const cols = part.columns.join(', ');
      const source =
        parent < 0
          ? `VALUES ${tuples.join(', ')}`
          : `SELECT * FROM (VALUES ${tuples.join(', ')}) AS v (${cols}) WHERE v.${part.columns[0]} IN (SELECT id FROM i${parent})`;
      return `i${k} AS (INSERT INTO ${part.table} (${cols}) ${source}${
        part.suffix === undefined ? '' : ` ${part.suffix}`
      } RETURNING ${part.columns[0]} AS id)`;
    });
    const outputs = [
      ...this.parts.map((_, k) => `(SELECT count(*) FROM i${k}) AS c${k}`),
      ...this.leads.map((lead) => `${lead.result} AS ${lead.name}`),
    ];
    const r = await q.query<Record<string, unknown>>(
      `WITH ${[...leads, ...ctes].join(', ')} SELECT ${outputs.join(', ')}`,
      p.values,
    );
    const row = r.rows[0] ?? {};
    for (const [k, part] of this.parts.entries()) {
      if (Number(row[`c${k}`]) < part.rows.length && part.onShort !== undefined) throw await part.onShort(q);
    }
    return Object.fromEntries(this.leads.map((lead) => [lead.name, row[lead.name]]));
  }
}
