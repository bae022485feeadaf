/**
 * The audit repository's storage (schema `audit`, migrations/0001_audit.sql, ADR 0013):
 * appends batches of records to a hash chain in one transaction each, de-duplicating by
 * message id; creates the monthly partitions ahead; retention by whole partitions, exported
 * first when configured. Searches are in search.ts, verification in verify.ts.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { sqlState } from '@mesh/db';
import type { Db } from '@mesh/db';
import { BINARY_ARRAYS, PLAIN_ARRAYS } from './array-params.js';
import type { ArrayParams } from './array-params.js';
import { GENESIS, linkHash } from './chain.js';
import type { ChainedFields } from './chain.js';
import type { PreparedRecord } from './record.js';

/** What became of one appended record. */
export type AppendResult = 'stored' | 'duplicate';

/** A partition's month, `YYYYMM`, from an instant (UTC). */
export function monthKey(d: Date): string {
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function monthStart(year: number, month0: number): Date {
  return new Date(Date.UTC(year, month0, 1));
}

/** SQLSTATE 23514 on INSERT into a partitioned table: no partition covers the row. */
export function isMissingPartition(err: unknown): boolean {
  return sqlState(err) === '23514' && /partition/i.test((err as Error).message);
}

export interface AuditStore {
  /** Creates the chain heads 0..chains-1 that do not exist yet. */
  initChains(chains: number): Promise<void>;
  /** Creates the monthly partitions covering `from`'s month and `monthsAhead` after it. */
  ensurePartitions(from: Date, monthsAhead: number): Promise<string[]>;
  /**
   * Appends records to one chain in one transaction (all or none), in order. A record whose
   * message id is already stored (or earlier in the batch) is a duplicate and not stored again.
   */
  appendBatch(chain: number, records: readonly PreparedRecord[], now: Date): Promise<AppendResult[]>;
  /** Number of stored records (all partitions). */
  count(): Promise<number>;
  /**
   * Retention: drops the partitions whose whole month is older than `months` months before
   * `now`, after writing their rows to `exportDir` (NDJSON, fsynced) when given. The last link
   * of each chain inside a dropped partition becomes that chain's anchor for verification.
   */
  applyRetention(now: Date, months: number, exportDir?: string): Promise<string[]>;
  /** Partition names of `event`, oldest first. */
  partitions(): Promise<string[]>;
}

interface HeadRow {
  seq: string;
  hash: Buffer;
  received_at: Date;
  known: string[];
}

/** What a record's link commits to (ADR 0013). */
function chained(r: PreparedRecord, chain: number, seq: number, receivedAt: Date): ChainedFields {
  return {
    chain,
    seq,
    receivedAt,
    messageId: r.messageId,
    transport: r.transport,
    peer: r.peer,
    sourceId: r.sourceId,
    eventTime: r.eventTime,
    eventCode: r.eventCode,
    action: r.action,
    outcome: r.outcome,
    subtype: r.subtype,
    form: r.form,
    xml: r.xml,
  };
}

/**
 * One statement appends a whole batch: the events (seq = $2 + ordinality - 1; hashes sliced
 * from $15, 32 bytes per link, the chain's previous head first), their message ids, their
 * search keys, and the new chain head. Data-modifying CTEs all run, in one snapshot.
 */
const APPEND_SQL = `
WITH ids AS (
  INSERT INTO message_id (message_id, chain, seq, received_at)
  SELECT m, $1, s, $3 FROM unnest($16::text[], $17::bigint[]) AS u(m, s)
), keys AS (
  INSERT INTO event_key (kind, value, event_time, received_at, chain, seq)
  SELECT k, v, t, $3, $1, s
    FROM unnest($18::text[], $19::text[], $20::timestamptz[], $21::bigint[]) AS u(k, v, t, s)
), head AS (
  UPDATE chain_head
     SET seq = $2::bigint + $22::int - 1, hash = substring($15::bytea FROM $22::int * 32 + 1 FOR 32),
         received_at = $3
   WHERE chain = $1
)
INSERT INTO event (chain, seq, received_at, event_time, message_id, transport, peer, source_id,
                   event_code, action, outcome, subtype, form, xml, prev_hash, hash)
SELECT $1, $2::bigint + n - 1, $3, et, mid, tr, pe, src, ec, ac, oc, st, fm, x,
       substring($15::bytea FROM n::int * 32 - 31 FOR 32), substring($15::bytea FROM n::int * 32 + 1 FOR 32)
  FROM unnest($4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
              $10::text[], $11::smallint[], $12::text[], $13::text[], $14::text[])
       WITH ORDINALITY AS t(et, mid, tr, pe, src, ec, ac, oc, st, fm, x, n)`;

function appendParams(
  arrays: ArrayParams,
  chain: number,
  first: number,
  receivedAt: Date,
  rows: readonly PreparedRecord[],
  hashes: Buffer,
): unknown[] {
  const ids: string[] = [];
  const idSeqs: number[] = [];
  const kinds: string[] = [];
  const values: string[] = [];
  const keyTimes: number[] = [];
  const keySeqs: number[] = [];
  rows.forEach((r, i) => {
    const seq = first + i;
    if (r.messageId !== null) {
      ids.push(r.messageId);
      idSeqs.push(seq);
    }
    for (const k of r.keys) {
      kinds.push(k.kind);
      values.push(k.value);
      keyTimes.push(r.eventTime.getTime());
      keySeqs.push(seq);
    }
  });
  return [
    chain,
    first,
    receivedAt.toISOString(),
    arrays.timestamptz(rows.map((r) => r.eventTime.getTime())),
    arrays.text(rows.map((r) => r.messageId)),
    arrays.text(rows.map((r) => r.transport)),
    arrays.text(rows.map((r) => r.peer)),
    arrays.text(rows.map((r) => r.sourceId)),
    arrays.text(rows.map((r) => r.eventCode)),
    arrays.text(rows.map((r) => r.action)),
    arrays.int2(rows.map((r) => r.outcome)),
    arrays.text(rows.map((r) => r.subtype)),
    arrays.text(rows.map((r) => r.form)),
    arrays.text(rows.map((r) => r.xml)),
    hashes.subarray(0, 32 * (rows.length + 1)),
    arrays.text(ids),
    arrays.int8(idSeqs),
    arrays.text(kinds),
    arrays.text(values),
    arrays.timestamptz(keyTimes),
    arrays.int8(keySeqs),
    rows.length,
  ];
}

export function createAuditStore(db: Db): AuditStore {
  const arrays = db.kind === 'pg' ? BINARY_ARRAYS : PLAIN_ARRAYS;
  async function createPartition(table: 'event' | 'event_key', key: string, from: Date, to: Date) {
    try {
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${table}_p${key} PARTITION OF ${table} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
      );
    } catch (err) {
      // Another replica created it between our check and our statement.
      if (sqlState(err) !== '42P07') throw err;
    }
  }

  async function partitions(): Promise<string[]> {
    const r = await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE p.relname = 'event' AND n.nspname = $1
        ORDER BY c.relname`,
      [db.schema],
    );
    return r.rows.map((x) => x.name);
  }

  return {
    async initChains(chains) {
      await db.query(
        `INSERT INTO chain_head (chain, seq, hash, received_at)
         SELECT g, 0, $1, to_timestamp(0) FROM generate_series(0, $2::int - 1) g
         ON CONFLICT (chain) DO NOTHING`,
        [GENESIS, chains],
      );
    },

    async ensurePartitions(from, monthsAhead) {
      const created: string[] = [];
      for (let i = 0; i <= monthsAhead; i++) {
        const start = monthStart(from.getUTCFullYear(), from.getUTCMonth() + i);
        const end = monthStart(start.getUTCFullYear(), start.getUTCMonth() + 1);
        const key = monthKey(start);
        await createPartition('event', key, start, end);
        await createPartition('event_key', key, start, end);
        created.push(`event_p${key}`);
      }
      return created;
    },

    async appendBatch(chain, records, now) {
      return db.transaction(async (tx) => {
        const withIds = records.map((r) => r.messageId).filter((x): x is string => x !== null);
        // The chain head (locked) and which of these message ids are already stored, in one round trip.
        const head = (
          await tx.query<HeadRow>(
            `SELECT seq, hash, received_at,
                    ARRAY(SELECT message_id FROM message_id WHERE message_id = ANY($2::text[])) AS known
               FROM chain_head WHERE chain = $1 FOR UPDATE`,
            [chain, arrays.text(withIds)],
            { prepare: true },
          )
        ).rows[0];
        if (!head) throw new Error(`audit chain ${chain} has no head (initChains not run)`);
        const known = new Set<string>(head.known);
        // One instant for the batch, never earlier than the chain's last: received_at grows
        // with seq, so retention (by received_at month) always removes a prefix of a chain.
        const receivedAt = new Date(Math.max(now.getTime(), head.received_at.getTime()));
        const first = Number(head.seq) + 1;
        const results: AppendResult[] = [];
        const rows: PreparedRecord[] = [];
        // The previous hash of the first row, then each stored row's hash: 32 bytes each.
        const hashes = Buffer.allocUnsafe(32 * (records.length + 1));
        head.hash.copy(hashes, 0);
        let prev: Buffer = head.hash;
        for (const r of records) {
          if (r.messageId !== null && known.has(r.messageId)) {
            results.push('duplicate');
            continue;
          }
          if (r.messageId !== null) known.add(r.messageId);
          rows.push(r);
          prev = linkHash(prev, chained(r, chain, first + rows.length - 1, receivedAt), r.digest);
          prev.copy(hashes, 32 * rows.length);
          results.push('stored');
        }
        if (rows.length === 0) return results;
        // A fixed text: prepared once per connection, not parsed and planned for every batch.
        await tx.query(APPEND_SQL, appendParams(arrays, chain, first, receivedAt, rows, hashes), {
          prepare: true,
        });
        return results;
      });
    },

    async count() {
      const r = await db.query<{ n: string }>('SELECT count(*) AS n FROM event');
      return Number(r.rows[0]?.n ?? 0);
    },

    partitions,

    async applyRetention(now, months, exportDir) {
      if (months <= 0) return [];
      const cutoff = monthKey(monthStart(now.getUTCFullYear(), now.getUTCMonth() - months));
      const dropped: string[] = [];
      for (const name of await partitions()) {
        const key = name.slice('event_p'.length);
        if (!/^\d{6}$/.test(key) || key >= cutoff) continue;
        if (exportDir !== undefined) await exportPartition(db, name, exportDir);
        await db.transaction(async (tx) => {
          // The last link of each chain in this partition anchors what remains.
          await tx.query(
            `INSERT INTO chain_anchor (chain, seq, hash, dropped_through)
             SELECT DISTINCT ON (chain) chain, seq, hash, received_at FROM ${name}
              ORDER BY chain, seq DESC
             ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash,
               dropped_through = EXCLUDED.dropped_through
             WHERE chain_anchor.seq < EXCLUDED.seq`,
          );
          const end = monthStart(Number(key.slice(0, 4)), Number(key.slice(4)));
          await tx.query('DELETE FROM message_id WHERE received_at < $1', [end.toISOString()]);
          await tx.query(`DROP TABLE ${name}`);
          await tx.query(`DROP TABLE IF EXISTS event_key_p${key}`);
        });
        dropped.push(name);
      }
      return dropped;
    },
  };
}

/**
 * Writes one partition's records as NDJSON (one JSON object per line: chain, seq, times,
 * ids, hashes and the XML) to `<dir>/<partition>.ndjson`, via a temporary file, fsynced and
 * renamed, so a crash never leaves a half export under the final name.
 */
async function exportPartition(db: Db, partition: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const final = join(dir, `${partition}.ndjson`);
  const tmp = `${final}.tmp`;
  const out = createWriteStream(tmp);
  const write = (line: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (out.write(line)) resolve();
      else out.once('drain', resolve).once('error', reject);
    });
  let after = { chain: -1, seq: 0 };
  for (;;) {
    const r = await db.query<{
      chain: number;
      seq: string;
      received_at: Date;
      event_time: Date;
      message_id: string | null;
      transport: string;
      peer: string | null;
      source_id: string;
      xml: string;
      prev_hash: Buffer;
      hash: Buffer;
    }>(
      `SELECT chain, seq, received_at, event_time, message_id, transport, peer, source_id, xml, prev_hash, hash
         FROM ${partition} WHERE (chain, seq) > ($1, $2) ORDER BY chain, seq LIMIT 1000`,
      [after.chain, after.seq],
    );
    for (const row of r.rows)
      await write(
        JSON.stringify({
          chain: row.chain,
          seq: Number(row.seq),
          receivedAt: row.received_at.toISOString(),
          eventTime: row.event_time.toISOString(),
          messageId: row.message_id,
          transport: row.transport,
          peer: row.peer,
          sourceId: row.source_id,
          prevHash: row.prev_hash.toString('hex'),
          hash: row.hash.toString('hex'),
          xml: row.xml,
        }) + '\n',
      );
    const last = r.rows[r.rows.length - 1];
    if (!last) break;
    after = { chain: last.chain, seq: Number(last.seq) };
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, final);
}
