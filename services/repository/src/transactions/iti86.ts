/**
 * ITI-86 Remove Documents (ITI TF-2 3.86), the Document Repository side: delete the named
 * documents' bytes (the Document Administrator removed their metadata from the registry with
 * ITI-62 first). Documents that are not here are reported; the status says how many were removed.
 */
import { error } from '@mesh/core';
import type { Outcome, OutcomeStatus } from '@mesh/core';
import { NS } from '@mesh/xml';
import type { RepositoryStore } from '../store.js';
import { addressedHere, readDocumentRequests } from './document-request.js';
import type { DocumentRequest } from './document-request.js';

/** A document ITI-86 removed, for the response and the audit. */
export interface RemovedDocument {
  readonly request: DocumentRequest;
  readonly patientId: string | undefined;
}

export interface RemoveDeps {
  readonly store: RepositoryStore;
  readonly repositoryUniqueId: string;
  readonly homeCommunityId: string;
}

/** ITI-86 Remove Documents: Document Administrator -> Document Repository. */
export async function removeDocuments(
  body: Element /* rmd:RemoveDocumentsRequest */,
  d: RemoveDeps,
): Promise<Outcome<readonly RemovedDocument[]>> {
  const requests = readDocumentRequests(body, NS.rmd, 'RemoveDocumentsRequest');
  const { wanted, issues } = addressedHere(requests, d);
  const removed = new Map(
    (await d.store.remove(wanted.map((r) => r.documentUniqueId))).map((x) => [x.uniqueId, x.patientId]),
  );
  const done: RemovedDocument[] = [];
  for (const r of wanted) {
    if (removed.has(r.documentUniqueId))
      done.push({ request: r, patientId: removed.get(r.documentUniqueId) });
    else
      issues.push(
        error(
          'XDSDocumentUniqueIdError',
          `Document ${r.documentUniqueId} is not in this repository`,
          r.documentUniqueId,
        ),
      );
  }
  const status: OutcomeStatus =
    done.length === requests.length ? 'Success' : done.length > 0 ? 'PartialSuccess' : 'Failure';
  return { status, issues, value: done };
}
