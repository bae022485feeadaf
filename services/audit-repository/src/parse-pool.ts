/**
 * Parsing audit XML is the main CPU cost of ingest (the hardened DOM parser: ~150 us for a
 * 2 kB message). The pool runs `prepareRecord` in worker threads, batching what arrives in one
 * turn of the event loop into one message per worker, so on a multi-core host parsing no
 * longer competes with TLS, NATS and the PostgreSQL protocol on the main thread.
 * A worker that dies fails its batch (the callers' records are then retried or the TLS
 * connection closed, as for a database error) and is replaced.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AuditFormatError } from '@mesh/audit';
import type { AuditFormatErrorReason } from '@mesh/audit';
import type { ParseReply } from './parse-worker.js';
import { prepareRecord } from './record.js';
import type { IngestInput, PreparedRecord } from './record.js';

export interface ParsePool {
  prepare(input: IngestInput): Promise<PreparedRecord>;
  /** Worker threads in use: 0 once workers could not start and parsing fell back to this thread. */
  workers(): number;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  readonly pending: Map<number, { resolve(r: PreparedRecord): void; reject(e: unknown): void }>;
}

const WORKER = new URL('./parse-worker.ts', import.meta.url);

/**
 * The worker's bootstrap: the mesh runs TypeScript through tsx (ADR 0004), whose hooks a
 * worker thread does not inherit on every Node version, so the worker registers them itself
 * before importing its body.
 */
function workerSource(): string {
  const target = WORKER.href;
  if (!target.endsWith('.ts')) return `import(${JSON.stringify(target)});`;
  // tsx's ESM API (`tsx/esm/api`, its `import` condition), which registers the hooks for this thread.
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = pathToFileURL(join(dirname(pkg), 'dist/esm/api/index.mjs')).href;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
}

export function createParsePool(size: number): ParsePool {
  let nextId = 0;
  let turn = 0;
  let closing = false;
  const queued: { id: number; input: IngestInput; slot: Slot }[] = [];
  let flushScheduled = false;
  let broken = false;
  /** Inputs by id while in a worker, to re-run them here if the worker cannot start. */
  const inputs = new Map<number, IngestInput>();
  const prepareHere = (input: IngestInput): PreparedRecord => prepareRecord(input);

  const spawn = (slot?: Slot): Slot => {
    const s: Slot = slot ?? { worker: undefined as unknown as Worker, pending: new Map() };
    const worker = new Worker(workerSource(), { eval: true, execArgv: [] });
    let answered = false;
    worker.unref();
    worker.on('message', (replies: ParseReply[]) => {
      answered = true;
      for (const r of replies) {
        const p = s.pending.get(r.id);
        if (!p) continue;
        s.pending.delete(r.id);
        inputs.delete(r.id);
        if (r.ok) p.resolve(r.record);
        else if ('fatal' in r) p.reject(new Error(`audit parse worker: ${r.fatal}`));
        else p.reject(new AuditFormatError(r.reason as AuditFormatErrorReason, r.message, r.path));
      }
    });
    const fail = (err: unknown): void => {
      // A worker that cannot even start (no loader, no module) will not do better next time:
      // parse on the main thread from now on, and hand its queued work there.
      if (!answered) broken = true;
      for (const [id, p] of s.pending) {
        const input = inputs.get(id);
        inputs.delete(id);
        if (!broken || input === undefined) {
          p.reject(err);
          continue;
        }
        try {
          p.resolve(prepareHere(input));
        } catch (e) {
          p.reject(e);
        }
      }
      s.pending.clear();
      if (!closing && !broken) spawn(s);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (s.worker === worker && !closing) fail(new Error(`audit parse worker exited with ${code}`));
    });
    s.worker = worker;
    return s;
  };
  const slots = Array.from({ length: Math.max(1, size) }, () => spawn());

  const flush = (): void => {
    flushScheduled = false;
    const bySlot = new Map<Slot, { id: number; input: IngestInput }[]>();
    for (const q of queued.splice(0)) {
      const list = bySlot.get(q.slot) ?? [];
      list.push({ id: q.id, input: q.input });
      bySlot.set(q.slot, list);
    }
    for (const [slot, batch] of bySlot) slot.worker.postMessage(batch);
  };

  return {
    async prepare(input) {
      if (closing) throw new Error('audit parse pool is closed');
      if (broken) return prepareHere(input);
      const slot = slots[turn++ % slots.length]!;
      const id = nextId++;
      // A Buffer may view a much larger pooled ArrayBuffer: copy just its bytes across.
      const xml = typeof input.xml === 'string' ? input.xml : new Uint8Array(input.xml);
      return new Promise<PreparedRecord>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        const copy = { ...input, xml };
        inputs.set(id, copy);
        queued.push({ id, input: copy, slot });
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      });
    },
    workers: () => (broken ? 0 : slots.length),
    async close() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
      for (const s of slots) {
        for (const p of s.pending.values()) p.reject(new Error('audit parse pool closed'));
        s.pending.clear();
      }
    },
  };
}
