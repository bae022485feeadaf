/**
 * Verification of the hash chains (ADR 0013): walks every chain in sequence order from its
 * anchor (genesis, or the last link retention removed), recomputes each link and reports
 * every record that was altered (its hash no longer matches its content), removed (a gap in
 * the sequence, or a chain ending before its head) or re-linked (its previous-hash does not
 * match the record before it).
 */
import type { Db } from '@mesh/db';
import { GENESIS, linkHash } from './chain.js';

export type VerifyProblemKind = 'altered' | 'removed' | 'relinked' | 'head-mismatch';

export interface VerifyProblem {
  readonly kind: VerifyProblemKind;
  readonly chain: number;
  /** The record concerned; for 'removed', the first missing sequence number. */
  readonly seq: number;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly chains: number;
  readonly records: number;
  readonly problems: readonly VerifyProblem[];
}

interface Row {
  seq: string;
  received_at: Date;
  event_time: Date;
  message_id: string | null;
  transport: string;
  peer: string | null;
  source_id: string;
  event_code: string;
  action: string | null;
  outcome: number;
  subtype: string | null;
  form: string;
  xml: string;
  prev_hash: Buffer;
  hash: Buffer;
}

const PAGE = 2_000;

export async function verifyChains(
  db: Db,
  opts: { readonly maxProblems?: number } = {},
): Promise<VerifyReport> {
  const maxProblems = opts.maxProblems ?? 1000;
  const problems: VerifyProblem[] = [];
  const report = (p: VerifyProblem): void => {
    if (problems.length < maxProblems) problems.push(p);
  };
  const heads = (
    await db.query<{ chain: number; seq: string; hash: Buffer }>(
      'SELECT chain, seq, hash FROM chain_head ORDER BY chain',
    )
  ).rows;
  const anchors = new Map(
    (
      await db.query<{ chain: number; seq: string; hash: Buffer }>(
        'SELECT chain, seq, hash FROM chain_anchor',
      )
    ).rows.map((a) => [a.chain, a]),
  );
  let records = 0;
  for (const head of heads) {
    const chain = head.chain;
    const anchor = anchors.get(chain);
    let prev: Buffer = anchor?.hash ?? GENESIS;
    let expected = Number(anchor?.seq ?? 0) + 1;
    for (;;) {
      const page = (
        await db.query<Row>(
          `SELECT seq, received_at, event_time, message_id, transport, peer, source_id, event_code, action,
                  outcome, subtype, form, xml, prev_hash, hash
             FROM event WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT ${PAGE}`,
          [chain, expected],
        )
      ).rows;
      for (const row of page) {
        const seq = Number(row.seq);
        records++;
        if (seq !== expected)
          report({
            kind: 'removed',
            chain,
            seq: expected,
            detail: `records ${expected}..${seq - 1} of chain ${chain} are missing`,
          });
        else if (!row.prev_hash.equals(prev))
          report({
            kind: 'relinked',
            chain,
            seq,
            detail: 'previous-hash does not match the record before it',
          });
        const hash = linkHash(row.prev_hash, {
          chain,
          seq,
          receivedAt: row.received_at,
          messageId: row.message_id,
          transport: row.transport,
          peer: row.peer,
          sourceId: row.source_id,
          eventTime: row.event_time,
          eventCode: row.event_code,
          action: row.action,
          outcome: row.outcome,
          subtype: row.subtype,
          form: row.form,
          xml: row.xml,
        });
        if (!hash.equals(row.hash))
          report({ kind: 'altered', chain, seq, detail: 'content does not match its hash' });
        prev = row.hash;
        expected = seq + 1;
      }
      if (page.length < PAGE) break;
    }
    const headSeq = Number(head.seq);
    if (expected - 1 < headSeq)
      report({
        kind: 'removed',
        chain,
        seq: expected,
        detail: `records ${expected}..${headSeq} at the end of chain ${chain} are missing`,
      });
    else if (expected - 1 > headSeq || !head.hash.equals(prev))
      report({
        kind: 'head-mismatch',
        chain,
        seq: headSeq,
        detail: 'the chain head does not match its last record',
      });
  }
  return { ok: problems.length === 0, chains: heads.length, records, problems };
}
