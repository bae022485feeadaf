/**
 * ITI-20 ingest, whatever the transport: parse and index (record.ts), then hand to the
 * writer and wait for the commit. What is not an audit message is rejected: counted by
 * transport and reason, logged with who sent it and why, never with its content (audit
 * records carry PHI).
 */
import { AuditFormatError } from '@mesh/audit';
import { prepareRecord } from './record.js';
import type { IngestInput, PreparedRecord, Transport } from './record.js';
import type { AuditWriter } from './writer.js';

export type IngestOutcome = 'stored' | 'duplicate' | 'rejected';

export interface IngestCounters {
  received(transport: Transport): void;
  stored(transport: Transport): void;
  duplicate(transport: Transport): void;
  rejected(transport: Transport, reason: string): void;
}

export interface IngestLogger {
  warn(obj: object, msg?: string): void;
}

export interface Ingest {
  /** Resolves after the record is committed (or recognised as a duplicate, or rejected); rejects when storage failed. */
  ingest(input: IngestInput): Promise<IngestOutcome>;
  /**
   * The records of one bus batch: all handed to the writer together, so they share its
   * batches. Resolves once every record settled (committed, duplicate or rejected); rejects
   * with the first storage failure, only after the others settled too (so a redelivery never
   * overlaps records still in the writer).
   */
  ingestMany(inputs: readonly IngestInput[]): Promise<IngestOutcome[]>;
}

export function createIngest(d: {
  writer: AuditWriter;
  counters: IngestCounters;
  logger: IngestLogger;
  /** Parses and indexes a payload; default `prepareRecord` on this thread (see parse-pool.ts). */
  prepare?: (input: IngestInput) => Promise<PreparedRecord>;
}): Ingest {
  const prepare = d.prepare;

  /** Counts and logs a payload that is not an audit message (never its content). */
  function rejected(input: IngestInput, err: AuditFormatError): 'rejected' {
    d.counters.rejected(input.transport, err.reason);
    d.logger.warn(
      {
        transport: input.transport,
        peer: input.peer,
        messageId: input.messageId,
        reason: err.reason,
        path: err.path,
        bytes: typeof input.xml === 'string' ? Buffer.byteLength(input.xml) : input.xml.byteLength,
      },
      'ITI-20 payload rejected: not a DICOM PS3.15 or RFC 3881 audit message',
    );
    return 'rejected';
  }

  async function store(input: IngestInput, record: PreparedRecord): Promise<IngestOutcome> {
    const r = await d.writer.submit(record);
    if (r === 'stored') d.counters.stored(input.transport);
    else d.counters.duplicate(input.transport);
    return r;
  }

  async function one(input: IngestInput): Promise<IngestOutcome> {
    d.counters.received(input.transport);
    let record;
    try {
      // On this thread the parse is synchronous: no promise per record for it.
      record = prepare ? await prepare(input) : prepareRecord(input);
    } catch (err) {
      if (!(err instanceof AuditFormatError)) throw err;
      return rejected(input, err);
    }
    return store(input, record);
  }

  return {
    ingest: one,
    async ingestMany(inputs) {
      const settled = await Promise.allSettled(inputs.map(one));
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      return settled.map((s) => (s as PromiseFulfilledResult<IngestOutcome>).value);
    },
  };
}
