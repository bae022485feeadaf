/**
 * ITI-43 Retrieve Document Set (ITI TF-2 3.43), the Document Repository side: each requested
 * document that is committed here comes back as an MTOM part streamed from the blob store;
 * the others are reported with their error code, and the status says how many were found.
 */
import { randomUUID } from 'node:crypto';
import { error } from '@mesh/core';
import type { Outcome, OutcomeStatus } from '@mesh/core';
import type { OutgoingAttachment } from '@mesh/soap';
import { xopInclude } from '@mesh/soap';
import { RESPONSE_STATUS } from '@mesh/xds';
import { NS, escapeXml } from '@mesh/xml';
import type { BlobStore } from '../blob-store.js';
import type { RepositoryStore, StoredDocument } from '../store.js';
import { addressedHere, readDocumentRequests } from './document-request.js';
import type { DocumentRequest } from './document-request.js';
import { registryErrorList } from './registry-response.js';

export interface RetrieveDeps {
  readonly store: RepositoryStore;
  readonly blobs: BlobStore;
  readonly repositoryUniqueId: string;
  /** The affinity domain's homeCommunityId (ITI TF-3 4.2.3.2.12). */
  readonly homeCommunityId: string;
}

/** One document sent back, for the response and the audit. */
export interface RetrievedDocument {
  readonly request: DocumentRequest;
  readonly stored: StoredDocument;
}

export interface RetrieveResult {
  readonly outcome: Outcome<readonly RetrievedDocument[]>;
  /** The xdsb:RetrieveDocumentSetResponse. */
  readonly body: string;
  readonly attachments: readonly OutgoingAttachment[];
}

/** ITI-43 Retrieve Document Set: Document Consumer -> Document Repository. */
export async function retrieveDocumentSet(body: Element, d: RetrieveDeps): Promise<RetrieveResult> {
  const requests = readDocumentRequests(body, NS.xdsb, 'RetrieveDocumentSetRequest');
  const { wanted, issues } = addressedHere(requests, d);
  const found = await d.store.getCommitted(wanted.map((r) => r.documentUniqueId));
  const documents: RetrievedDocument[] = [];
  for (const r of wanted) {
    const stored = found.get(r.documentUniqueId);
    if (stored) documents.push({ request: r, stored });
    else
      issues.push(
        error(
          'XDSDocumentUniqueIdError',
          `Document ${r.documentUniqueId} is not available in this repository`,
          r.documentUniqueId,
        ),
      );
  }
  // ITI TF-2 3.43.4.2.3: Success when every document is returned, PartialSuccess when some are.
  const status: OutcomeStatus =
    documents.length === requests.length ? 'Success' : documents.length > 0 ? 'PartialSuccess' : 'Failure';

  const attachments: OutgoingAttachment[] = [];
  const responses = documents.map(({ request, stored }) => {
    const contentId = `doc.${randomUUID()}@repository.mesh`;
    attachments.push({
      contentId,
      contentType: stored.mimeType,
      size: stored.size,
      open: () => d.blobs.open(stored.blobId, { size: stored.size }),
    });
    // HomeCommunityId is returned when the request carried it (ITI TF-2 3.43.4.2.2).
    const hcid =
      request.homeCommunityId === undefined
        ? ''
        : `<xdsb:HomeCommunityId>${escapeXml(request.homeCommunityId)}</xdsb:HomeCommunityId>`;
    return (
      `<xdsb:DocumentResponse>${hcid}` +
      `<xdsb:RepositoryUniqueId>${escapeXml(d.repositoryUniqueId)}</xdsb:RepositoryUniqueId>` +
      `<xdsb:DocumentUniqueId>${escapeXml(stored.uniqueId)}</xdsb:DocumentUniqueId>` +
      `<xdsb:mimeType>${escapeXml(stored.mimeType)}</xdsb:mimeType>` +
      `<xdsb:Document>${xopInclude(contentId)}</xdsb:Document>` +
      `</xdsb:DocumentResponse>`
    );
  });
  const xml =
    `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${NS.xdsb}">` +
    `<rs:RegistryResponse xmlns:rs="${NS.rs}" status="${RESPONSE_STATUS[status]}">${registryErrorList(issues)}</rs:RegistryResponse>` +
    `${responses.join('')}</xdsb:RetrieveDocumentSetResponse>`;
  return { outcome: { status, issues, value: documents }, body: xml, attachments };
}
