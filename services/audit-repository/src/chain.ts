/**
 * The hash chain over stored records (ADR 0013). Each record's hash is
 * SHA-256(previous hash || canonical encoding of the record), where the encoding covers the
 * XML as received (by its SHA-256) and every column a search or the chain relies on. Changing
 * any of them, or removing a record, breaks the chain at that point. Pure.
 */
import { hash } from 'node:crypto';

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

/** SHA-256 of the UTF-8 bytes of the XML, hex. (One-shot `hash`: no Hash object per record.) */
export function xmlDigest(xml: string): string {
  return hash('sha256', xml, 'hex');
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
  const encoding = canonicalEncoding(f, digest);
  const input = Buffer.allocUnsafe(prev.length + Buffer.byteLength(encoding, 'utf8'));
  prev.copy(input, 0);
  input.write(encoding, prev.length, 'utf8');
  return hash('sha256', input, 'buffer');
}

/**
 * Which chain a record joins: a stable function of its message id, so duplicates usually meet
 * in one chain and are found there. FNV-1a over the UTF-16 code units: cheap, and nothing
 * depends on it being cryptographic (a duplicate racing in another chain, e.g. on a replica
 * configured with another chain count, hits the message_id key and its batch is retried).
 */
export function chainOf(messageId: string | null, chains: number, fallback: number): number {
  if (messageId === null) return fallback % chains;
  let h = 0x811c9dc5;
  for (let i = 0; i < messageId.length; i++) h = Math.imul(h ^ messageId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % chains;
}
