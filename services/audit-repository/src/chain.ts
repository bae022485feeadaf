/**
 * The hash chain over stored records (ADR 0013). Each record's hash is
 * SHA-256(previous hash || canonical encoding of the record), where the encoding covers the
 * XML as received (by its SHA-256) and every column a search or the chain relies on. Changing
 * any of them, or removing a record, breaks the chain at that point. Pure.
 */
import { createHash } from 'node:crypto';

/** The hash before the first record of a chain. */
export const GENESIS: Buffer = Buffer.alloc(32);

/** What a link commits to. */
export interface ChainedFields {
  readonly chain: number;
  readonly seq: number;
  readonly receivedAt: Date;
  readonly messageId: string | null;
  readonly transport: string;
  readonly peer: string | null;
  readonly sourceId: string;
  readonly eventTime: Date;
  readonly eventCode: string;
  readonly action: string | null;
  readonly outcome: number;
  readonly subtype: string | null;
  readonly form: string;
  readonly xml: string;
}

/** SHA-256 of the UTF-8 bytes of the XML, hex. */
export function xmlDigest(xml: string): string {
  return createHash('sha256').update(xml, 'utf8').digest('hex');
}

/**
 * The canonical encoding: a JSON array in a fixed order (JSON escapes every string
 * unambiguously, so no two records encode alike). Version tag first, for future changes.
 */
export function canonicalEncoding(f: ChainedFields, digest: string = xmlDigest(f.xml)): string {
  return JSON.stringify([
    'audit-chain-v1',
    f.chain,
    f.seq,
    f.receivedAt.toISOString(),
    f.messageId,
    f.transport,
    f.peer,
    f.sourceId,
    f.eventTime.toISOString(),
    f.eventCode,
    f.action,
    f.outcome,
    f.subtype,
    f.form,
    digest,
  ]);
}

/** The link hash of a record following `prev`; `digest` is {@link xmlDigest} of its XML when already known. */
export function linkHash(prev: Buffer, f: ChainedFields, digest?: string): Buffer {
  return createHash('sha256').update(prev).update(canonicalEncoding(f, digest), 'utf8').digest();
}

/** Which chain a record joins: a stable function of its message id, so duplicates meet in one chain. */
export function chainOf(messageId: string | null, chains: number, fallback: number): number {
  if (messageId === null) return fallback % chains;
  const h = createHash('sha1').update(messageId, 'utf8').digest();
  return h.readUInt32BE(0) % chains;
}
