/**
 * Worker thread body of the parse pool (parse-pool.ts): parses and indexes batches of ITI-20
 * payloads off the main thread, which keeps the sockets, the bus and the database moving.
 */
import { parentPort } from 'node:worker_threads';
import { AuditFormatError } from '@mesh/audit';
import { prepareRecord } from './record.js';
import type { IngestInput, PreparedRecord } from './record.js';

export type ParseReply =
  | { readonly id: number; readonly ok: true; readonly record: PreparedRecord }
  | {
      readonly id: number;
      readonly ok: false;
      readonly reason: string;
      readonly message: string;
      readonly path?: string;
    }
  | { readonly id: number; readonly ok: false; readonly fatal: string };

parentPort?.on('message', (batch: readonly { id: number; input: IngestInput }[]) => {
  const out: ParseReply[] = batch.map(({ id, input }) => {
    try {
      return { id, ok: true, record: prepareRecord(input) };
    } catch (err) {
      if (err instanceof AuditFormatError)
        return {
          id,
          ok: false,
          reason: err.reason,
          message: err.message,
          ...(err.path === undefined ? {} : { path: err.path }),
        };
      return { id, ok: false, fatal: err instanceof Error ? err.message : 'parse failed' };
    }
  });
  parentPort?.postMessage(out);
});
