/**
 * The DocumentRequest list shared by ITI-43 (xdsb:RetrieveDocumentSetRequest, ITI TF-2
 * 3.43.4.1.2) and ITI-86 (rmd:RemoveDocumentsRequest, ITI TF-2 3.86.4.1.2): each names a
 * document by repositoryUniqueId and uniqueId, with an optional homeCommunityId.
 */
import { MeshError, error } from '@mesh/core';
import type { Issue } from '@mesh/core';
import { NS, children, childText } from '@mesh/xml';

export interface DocumentRequest {
  readonly homeCommunityId?: string;
  readonly repositoryUniqueId: string;
  readonly documentUniqueId: string;
}

/**
 * Reads the DocumentRequest elements (xdsb namespace) of `root`, which must be `ns:localName`.
 * A request that is not of that shape is a Sender fault: the SOAP body is not the transaction's.
 */
export function readDocumentRequests(root: Element, ns: string, localName: string): DocumentRequest[] {
  if (root.namespaceURI !== ns || root.localName !== localName)
    throw MeshError.of('XDSRepositoryError', `Expected ${localName} in ${ns}`, { fault: 'sender' });
  const requests = children(root, NS.xdsb, 'DocumentRequest');
  if (requests.length === 0)
    throw MeshError.of('XDSRepositoryError', `${localName} without DocumentRequest`, { fault: 'sender' });
  return requests.map((r, i) => {
    const repositoryUniqueId = childText(r, NS.xdsb, 'RepositoryUniqueId')?.trim() ?? '';
    const documentUniqueId = childText(r, NS.xdsb, 'DocumentUniqueId')?.trim() ?? '';
    const homeCommunityId = childText(r, NS.xdsb, 'HomeCommunityId')?.trim();
    if (repositoryUniqueId === '' || documentUniqueId === '')
      throw MeshError.of(
        'XDSRepositoryError',
        `DocumentRequest ${i + 1} needs RepositoryUniqueId and DocumentUniqueId`,
        { fault: 'sender', location: `DocumentRequest[${i + 1}]` },
      );
    return homeCommunityId
      ? { homeCommunityId, repositoryUniqueId, documentUniqueId }
      : { repositoryUniqueId, documentUniqueId };
  });
}

/** homeCommunityIds compare without their `urn:oid:` prefix (ITI TF-3 4.2.3.2.12 writes it; samples often omit it). */
export function sameCommunity(a: string, b: string): boolean {
  const bare = (x: string): string => x.trim().replace(/^urn:oid:/i, '');
  return bare(a) === bare(b);
}

/**
 * Splits DocumentRequests into those addressed to this repository and the issues of the others:
 * another community (XDSUnknownCommunity) or another repository (XDSUnknownRepositoryId,
 * ITI TF-2 3.43.4.1.3 and 3.86.4.1.3), each located at the id it names.
 */
export function addressedHere(
  requests: readonly DocumentRequest[],
  here: { readonly repositoryUniqueId: string; readonly homeCommunityId: string },
): { wanted: DocumentRequest[]; issues: Issue[] } {
  const wanted: DocumentRequest[] = [];
  const issues: Issue[] = [];
  for (const r of requests) {
    if (r.homeCommunityId !== undefined && !sameCommunity(r.homeCommunityId, here.homeCommunityId))
      issues.push(
        error(
          'XDSUnknownCommunity',
          `homeCommunityId ${r.homeCommunityId} is not this community`,
          r.homeCommunityId,
        ),
      );
    else if (r.repositoryUniqueId !== here.repositoryUniqueId)
      issues.push(
        error(
          'XDSUnknownRepositoryId',
          `repositoryUniqueId ${r.repositoryUniqueId} is not this repository (${here.repositoryUniqueId})`,
          r.repositoryUniqueId,
        ),
      );
    else wanted.push(r);
  }
  return { wanted, issues };
}
