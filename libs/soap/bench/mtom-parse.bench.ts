/**
 * MTOM parse throughput and memory: one attachment of 1 MB and of 50 MB, generated on the fly
 * (never held whole), parsed by the streaming parser into a temp spool (SHA-1 computed).
 * Prints MB/s and peak RSS sampled every 10 ms; RSS must not grow with the part size.
 *
 *   pnpm exec tsx libs/soap/bench/mtom-parse.bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Spool, buildMtom, parseMediaType, parseMultipartRelated, soapLimits } from '@mesh/soap';

const MB = 1024 * 1024;

function* pattern(total: number, chunk = 64 * 1024): Generator<Buffer> {
  const base = Buffer.alloc(chunk);
  for (let i = 0; i < chunk; i++) base[i] = (i * 31 + 7) & 0xff;
  for (let off = 0; off < total; off += chunk) yield base.subarray(0, Math.min(chunk, total - off));
}

function message(size: number) {
  return buildMtom({
    version: '1.2',
    action: 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b',
    envelope:
      '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><x/></env:Body></env:Envelope>',
    attachments: [
      { contentId: 'doc@bench', contentType: 'application/pdf', open: () => Readable.from(pattern(size)) },
    ],
  });
}

async function run(size: number, rounds: number, dir: string): Promise<void> {
  // Generation alone, to separate the writer's cost from the parser's.
  let t = performance.now();
  for (let r = 0; r < rounds; r++) for await (const _ of message(size).stream);
  const genMs = performance.now() - t;

  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  t = performance.now();
  for (let r = 0; r < rounds; r++) {
    const m = message(size);
    const spool = new Spool(dir);
    const parsed = await parseMultipartRelated(m.stream, parseMediaType(m.contentType)!, {
      limits: soapLimits({ maxAttachmentBytes: 1024 * MB, maxTotalBytes: 1024 * MB }),
      spool,
    });
    if (parsed.attachments.get('doc@bench')?.size !== size) throw new Error('size mismatch');
    await spool.dispose();
  }
  const ms = performance.now() - t;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mbTotal = (size * rounds) / MB;
  console.log(
    `part ${String(size / MB).padStart(3)} MB x ${String(rounds).padStart(2)}: ` +
      `generate+parse+spool ${(mbTotal / (ms / 1000)).toFixed(0).padStart(5)} MB/s ` +
      `(generate alone ${(mbTotal / (genMs / 1000)).toFixed(0)} MB/s), ` +
      `RSS before ${(base / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB (+${((peak - base) / MB).toFixed(1)} MB)`,
  );
}

const dir = await mkdtemp(join(tmpdir(), 'soap-bench-'));
try {
  console.log(`node ${process.version}, spool ${dir}`);
  await run(MB, 30, dir); // warm-up (JIT)
  await run(MB, 50, dir);
  await run(50 * MB, 4, dir);
  await run(MB, 50, dir);
} finally {
  await rm(dir, { recursive: true, force: true });
}
