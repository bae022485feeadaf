/**
 * ITI-41 Provide and Register Document Set-b (ITI TF-2 3.41), the Document Repository side:
 * receive the documents (MTOM/XOP or inline base64), compute size and SHA-1, check them against
 * the metadata, check CDA content, store the bytes as pending, register the metadata with the
 * Document Registry (ITI-42), and make the documents retrievable only if the registry said
 * Success. Transport-free: the SOAP wiring renders the returned Outcome.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { error, failure, hasErrors } from '@mesh/core';
import type { Issue, Outcome, RequestContext } from '@mesh/core';
import { lookupsFor } from '@mesh/affinity-domain';
import type { AffinityDomain } from '@mesh/affinity-domain';
import type { Attachment } from '@mesh/soap';
import { binaryContent } from '@mesh/soap';
import { readSubmitObjectsRequest, writeSubmitObjectsRequest } from '@mesh/xds';
import type { DocumentEntry, Submission } from '@mesh/xds';
import { validateSubmission } from '@mesh/xds-validation';
import { NS, attr, child, children } from '@mesh/xml';
import type { BlobSource, BlobStore } from '../blob-store.js';
import { checkCda, looksLikeCda } from '../cda.js';
import type { CdaValidator } from '../cda.js';
import type { CdaFindingSeverity } from '../config.js';
import type { Semaphore } from '../semaphore.js';
import type { RepositoryStore } from '../store.js';

/** The ITI-42 port: registers a submission with the Document Registry (bus or SOAP). */
export type RegisterPort = (submissionXml: string, ctx: RequestContext) => Promise<Outcome>;

/** The ports of {@link provideAndRegister}. */
export interface ProvideAndRegisterDeps {
  readonly store: RepositoryStore;
  readonly blobs: BlobStore;
  readonly domain: AffinityDomain;
  /** This repository's repositoryUniqueId (ITI TF-3 4.2.3.2.18). */
  readonly repositoryUniqueId: string;
  readonly register: RegisterPort;
  /** How long the register port may take at most (a pending row older than this plus a margin belongs to a dead attempt). */
  readonly registerTimeoutMs: number;
  readonly cda: {
    readonly maxBytes: number;
    /**
     * Parses of CDAs larger than 1 MB run through these slots: a parsed document costs a few times
     * its size in memory, so they are bounded whatever the number of concurrent submissions.
     */
    readonly largeParses?: Semaphore;
    readonly patientCheck: boolean;
    readonly validation: CdaFindingSeverity;
    readonly validator?: CdaValidator;
  };
}

/** What the SOAP wiring needs besides the Outcome: the submission (for the audits) and whether ITI-42 ran. */
export interface ProvideAndRegisterResult {
  readonly outcome: Outcome;
  readonly submission?: Submission;
  /** The ITI-42 the repository sent, with the registry's status, for the ITI-42 initiator audit. */
  readonly registration?: { readonly status: Outcome['status'] };
}

/** One received document: its bytes and what was computed over them. */
interface Received {
  readonly id: string;
  readonly size: number;
  readonly sha1: string;
  readonly source: BlobSource;
  bytes(): Promise<Buffer>;
  head(): Promise<Buffer>;
}

const HEAD_BYTES = 4096;
const LARGE_CDA = 1024 * 1024;

/**
 * ITI-41 Provide and Register Document Set-b: Document Source -> Document Repository.
 *
 * Returns Success (with warnings) or Failure with every issue the repository found, or else the
 * registry's answer to the ITI-42. Nothing is retrievable unless that answer is Success; on any
 * other outcome, and when anything throws, what this request stored is deleted.
 */
export async function provideAndRegister(
  body: Element /* xdsb:ProvideAndRegisterDocumentSetRequest */,
  attachments: ReadonlyMap<string, Attachment>,
  ctx: RequestContext,
  d: ProvideAndRegisterDeps,
): Promise<ProvideAndRegisterResult> {
  if (body.namespaceURI !== NS.xdsb || body.localName !== 'ProvideAndRegisterDocumentSetRequest')
    return {
      outcome: failure([
        error('XDSRepositoryMetadataError', 'Expected xdsb:ProvideAndRegisterDocumentSetRequest', 'Body'),
      ]),
    };
  const sor = child(body, NS.lcm, 'SubmitObjectsRequest');
  if (!sor)
    return {
      outcome: failure([
        error(
          'XDSRepositoryMetadataError',
          'No lcm:SubmitObjectsRequest in the request',
          'SubmitObjectsRequest',
        ),
      ]),
    };
  const read = readSubmitObjectsRequest(sor);
  // ITI-41 metadata problems are the repository's to report (ITI TF-3 Table 4.2.4.1-2).
  const issues: Issue[] = read.issues.map((i) =>
    i.code === 'XDSRegistryMetadataError' ? { ...i, code: 'XDSRepositoryMetadataError' } : i,
  );
  const { received, problems } = receiveDocuments(body, attachments);
  issues.push(...problems);
  const submission = read.submission;
  if (!submission) return { outcome: failure(issues) };

  // Every DocumentEntry has its Document and every Document its DocumentEntry (ITI TF-2 3.41.4.1.3).
  const pairs: { entry: DocumentEntry; doc: Received }[] = [];
  for (const entry of submission.documentEntries) {
    const doc = received.get(entry.entryUUID);
    if (!doc) {
      if (!problems.some((p) => p.location === entry.entryUUID))
        issues.push(
          error(
            'XDSMissingDocument',
            `DocumentEntry ${entry.entryUUID} has no Document in the request`,
            entry.entryUUID,
          ),
        );
      continue;
    }
    pairs.push({ entry, doc });
  }
  const entryIds = new Set(submission.documentEntries.map((e) => e.entryUUID));
  for (const id of received.keys())
    if (!entryIds.has(id))
      issues.push(
        error('XDSMissingDocumentMetadata', `Document ${id} has no DocumentEntry in the metadata`, id),
      );

  // Size and hash as the TF defines them (ITI TF-3 4.2.3.2.8, 4.2.3.2.19): a supplied value must
  // match what was received; SHA-1 hex compares case-insensitively.
  for (const { entry, doc } of pairs) {
    const where = `DocumentEntry(${entry.entryUUID})`;
    if (entry.hash !== undefined && entry.hash.trim().toLowerCase() !== doc.sha1)
      issues.push(
        error(
          'XDSRepositoryMetadataError',
          `DocumentEntry.hash ${entry.hash} does not match the SHA-1 of the document received (${doc.sha1})`,
          `${where}.hash`,
        ),
      );
    if (entry.size !== undefined && entry.size.trim() !== String(doc.size))
      issues.push(
        error(
          'XDSRepositoryMetadataError',
          `DocumentEntry.size ${entry.size} does not match the size of the document received (${doc.size})`,
          `${where}.size`,
        ),
      );
    if (entry.repositoryUniqueId !== undefined && entry.repositoryUniqueId.trim() !== d.repositoryUniqueId)
      issues.push(
        error(
          'XDSRepositoryMetadataError',
          `DocumentEntry.repositoryUniqueId ${entry.repositoryUniqueId} is not this repository (${d.repositoryUniqueId})`,
          `${where}.repositoryUniqueId`,
        ),
      );
  }

  // The metadata rules of ITI TF-3 4.2.4 as the repository applies them; patient identity is the
  // registry's to check (it knows the patients), so isKnownPatientId is left out.
  issues.push(...validateSubmission(submission, { transaction: 'ITI-41', policy: lookupsFor(d.domain) }));

  for (const { entry, doc } of pairs) {
    if (!looksLikeCda(entry.mimeType, await doc.head())) continue;
    const location = `Document(${doc.id})`;
    if (doc.size > d.cda.maxBytes) {
      issues.push(
        error(
          'XDSRepositoryMetadataError',
          `Document ${doc.id}: a CDA of ${doc.size} bytes exceeds the ${d.cda.maxBytes}-byte limit of the content checks`,
          location,
        ),
      );
      continue;
    }
    const check = async (): Promise<Issue[]> =>
      checkCda(await doc.bytes(), entry, {
        location,
        patientCheck: d.cda.patientCheck,
        validation: d.cda.validation,
        ...(d.cda.validator ? { validator: d.cda.validator } : {}),
      });
    issues.push(
      ...(doc.size > LARGE_CDA && d.cda.largeParses ? await d.cda.largeParses.run(check) : await check()),
    );
  }
  if (hasErrors(issues)) return { outcome: failure(issues), submission };
  ctx.signal?.throwIfAborted();

  // Store as pending, register, then commit or undo.
  const attemptId = randomUUID();
  const registered: DocumentEntry[] = [];
  let outcome: Outcome;
  try {
    const conflicts: Issue[] = [];
    // An attempt waits at most registerTimeoutMs for the registry, then commits or gives up.
    const takeOverAfterMs = d.registerTimeoutMs + 10_000;
    await Promise.all(
      pairs.map(async ({ entry, doc }) => {
        const uniqueId = entry.uniqueId ?? '';
        const r = await d.store.reserve(
          attemptId,
          {
            uniqueId,
            blobId: randomUUID(),
            size: doc.size,
            sha1: doc.sha1,
            mimeType: entry.mimeType ?? 'application/octet-stream',
            patientId: entry.patientId?.raw,
          },
          { takeOverAfterMs },
        );
        if (r.kind === 'in-progress') {
          conflicts.push(
            error(
              'XDSRepositoryBusy',
              `Document uniqueId ${uniqueId} is being stored by another submission in progress; retry later`,
              `DocumentEntry(${entry.entryUUID}).uniqueId`,
            ),
          );
          return;
        }
        if (r.kind === 'conflict') {
          const sameHash = r.existing.sha1 === doc.sha1;
          conflicts.push(
            error(
              sameHash ? 'XDSNonIdenticalSize' : 'XDSNonIdenticalHash',
              `Document uniqueId ${uniqueId} is already stored in this repository with another ${sameHash ? 'size' : 'hash'}`,
              `DocumentEntry(${entry.entryUUID}).uniqueId`,
            ),
          );
          return;
        }
        if (r.kind === 'new' || r.kind === 'taken-over') await d.blobs.put(r.blobId, doc.source);
        if (r.kind === 'taken-over') await d.blobs.delete([r.previousBlobId]);
      }),
    );
    if (conflicts.length > 0) {
      await d.store.abandon(attemptId);
      return { outcome: failure(conflicts), submission };
    }
    ctx.signal?.throwIfAborted();
    for (const { entry, doc } of pairs)
      registered.push({
        ...entry,
        hash: doc.sha1,
        size: String(doc.size),
        repositoryUniqueId: d.repositoryUniqueId,
      });
    const byId = new Map(registered.map((e) => [e.entryUUID, e]));
    const forRegistry: Submission = {
      ...submission,
      documentEntries: submission.documentEntries.map((e) => byId.get(e.entryUUID) ?? e),
    };
    outcome = await d.register(writeSubmitObjectsRequest(forRegistry), ctx);
  } catch (e) {
    await d.store.abandon(attemptId);
    throw e;
  }
  if (outcome.status === 'Success') await commitWithRetry(d.store, attemptId);
  else await d.store.abandon(attemptId);
  // The registry's answer, with the repository's own warnings first (ITI TF-2 3.41.4.2.3).
  return {
    outcome: { status: outcome.status, issues: [...issues, ...outcome.issues] },
    submission,
    registration: { status: outcome.status },
  };
}

/**
 * The registry has registered the documents: they must become retrievable. A transient database
 * failure is retried; if it persists the error propagates (XDSRepositoryError) and the rows stay
 * pending until the sweeper (see README "Known limits").
 */
async function commitWithRetry(store: RepositoryStore, attemptId: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await store.commit(attemptId);
      return;
    } catch (e) {
      if (i >= 2) throw e;
      await new Promise((r) => setTimeout(r, 100 * (i + 1)));
    }
  }
}

/** The xdsb:Document elements by id, with size and SHA-1, and the problems found reading them. */
function receiveDocuments(
  body: Element,
  attachments: ReadonlyMap<string, Attachment>,
): { received: Map<string, Received>; problems: Issue[] } {
  const received = new Map<string, Received>();
  const problems: Issue[] = [];
  for (const el of children(body, NS.xdsb, 'Document')) {
    const id = attr(el, 'id') ?? '';
    if (id === '') {
      problems.push(
        error('XDSMissingDocumentMetadata', 'A Document element has no id attribute', 'Document'),
      );
      continue;
    }
    if (received.has(id)) {
      problems.push(error('XDSRepositoryMetadataError', `Two Document elements have the id ${id}`, id));
      continue;
    }
    const content = binaryContent(el, attachments);
    if (!content) {
      // An xop:Include naming no MIME part of the message.
      problems.push(
        error('XDSMissingDocument', `Document ${id} refers to a MIME part that is not in the message`, id),
      );
      continue;
    }
    if (content.kind === 'attachment') {
      const a = content.attachment;
      received.set(id, {
        id,
        size: a.size,
        sha1: a.sha1,
        source: { open: (o) => a.open(o), claim: (dest) => a.claim(dest) },
        bytes: () => a.bytes(),
        // Kept in memory by the MTOM parser: no file read to sniff a spooled part.
        head: () => Promise.resolve(a.head.subarray(0, HEAD_BYTES)),
      });
    } else {
      const bytes = content.bytes;
      received.set(id, {
        id,
        size: bytes.length,
        sha1: createHash('sha1').update(bytes).digest('hex'),
        source: { open: () => Readable.from([bytes], { objectMode: false }) },
        bytes: () => Promise.resolve(bytes),
        head: () => Promise.resolve(bytes.subarray(0, HEAD_BYTES)),
      });
    }
  }
  return { received, problems };
}
