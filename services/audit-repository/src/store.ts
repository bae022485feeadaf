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
import type { Db, Queryable } from '@mesh/db';
import { GENESIS, linkHash } from './chain.js';
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
}

export function createAuditStore(db: Db): AuditStore {
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
        const head = (
          await tx.query<HeadRow>(
            'SELECT seq, hash, received_at FROM chain_head WHERE chain = $1 FOR UPDATE',
            [chain],
          )
        ).rows[0];
        if (!head) throw new Error(`audit chain ${chain} has no head (initChains not run)`);
        const withIds = records.map((r) => r.messageId).filter((x): x is string => x !== null);
        const known = new Set<string>();
        if (withIds.length > 0) {
          const r = await tx.query<{ message_id: string }>(
            'SELECT message_id FROM message_id WHERE message_id = ANY($1::text[])',
            [withIds],
          );
          for (const row of r.rows) known.add(row.message_id);
        }
        // One instant for the batch, never earlier than the chain's last: received_at grows
        // with seq, so retention (by received_at month) always removes a prefix of a chain.
        const receivedAt = new Date(Math.max(now.getTime(), head.received_at.getTime()));
        let seq = Number(head.seq);
        let prev: Buffer = head.hash;
        const results: AppendResult[] = [];
        const rows: { r: PreparedRecord; seq: number; prev: Buffer; hash: Buffer }[] = [];
        for (const r of records) {
          if (r.messageId !== null && known.has(r.messageId)) {
            results.push('duplicate');
            continue;
          }
          if (r.messageId !== null) known.add(r.messageId);
          seq++;
          const hash = linkHash(prev, {
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
          });
          rows.push({ r, seq, prev, hash });
          prev = hash;
          results.push('stored');
        }
        if (rows.length === 0) return results;
        const at = receivedAt.toISOString();
        await insertRows(tx, chain, at, rows);
        await tx.query('UPDATE chain_head SET seq = $2, hash = $3, received_at = $4 WHERE chain = $1', [
          chain,
          seq,
          prev,
          at,
        ]);
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

async function insertRows(
  tx: Queryable,
  chain: number,
  at: string,
  rows: readonly { r: PreparedRecord; seq: number; prev: Buffer; hash: Buffer }[],
): Promise<void> {
  const ids = rows.filter((x) => x.r.messageId !== null);
  if (ids.length > 0)
    await tx.query(
      `INSERT INTO message_id (message_id, chain, seq, received_at)
       SELECT m, $2, s, $3 FROM unnest($1::text[], $4::bigint[]) AS t(m, s)`,
      [ids.map((x) => x.r.messageId), chain, at, ids.map((x) => x.seq)],
    );
  await tx.query(
    `INSERT INTO event (chain, seq, received_at, event_time, message_id, transport, peer, source_id,
                        event_code, action, outcome, subtype, form, xml, prev_hash, hash)
     SELECT $1, s, $2, et, mid, tr, pe, src, ec, ac, oc, st, fm, x, decode(ph, 'hex'), decode(h, 'hex')
       FROM unnest($3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::smallint[], $12::text[], $13::text[], $14::text[],
                   $15::text[], $16::text[])
         AS t(s, et, mid, tr, pe, src, ec, ac, oc, st, fm, x, ph, h)`,
    [
      chain,
      at,
      rows.map((x) => x.seq),
      rows.map((x) => x.r.eventTime.toISOString()),
      rows.map((x) => x.r.messageId),
      rows.map((x) => x.r.transport),
      rows.map((x) => x.r.peer),
      rows.map((x) => x.r.sourceId),
      rows.map((x) => x.r.eventCode),
      rows.map((x) => x.r.action),
      rows.map((x) => x.r.outcome),
      rows.map((x) => x.r.subtype),
      rows.map((x) => x.r.form),
      rows.map((x) => x.r.xml),
      rows.map((x) => x.prev.toString('hex')),
      rows.map((x) => x.hash.toString('hex')),
    ],
  );
  const kinds: string[] = [];
  const values: string[] = [];
  const times: string[] = [];
  const seqs: number[] = [];
  for (const x of rows)
    for (const k of x.r.keys) {
      kinds.push(k.kind);
      values.push(k.value);
      times.push(x.r.eventTime.toISOString());
      seqs.push(x.seq);
    }
  if (kinds.length > 0)
    await tx.query(
      `INSERT INTO event_key (kind, value, event_time, received_at, chain, seq)
       SELECT k, v, t, $5, $6, s FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[]) AS u(k, v, t, s)`,
      [kinds, values, times, seqs, at, chain],
    );
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
