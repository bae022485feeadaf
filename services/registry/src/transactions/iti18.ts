/**
 * ITI-18 Registry Stored Query: Document Consumer -> Document Registry.
 * Parses the AdhocQueryRequest, runs the stored query and renders the AdhocQueryResponse.
 */
import type { Issue } from '@mesh/core';
import type { RegistryObjects } from '@mesh/xds';
import type { QueryOptions, StoredQueryResult } from '../queries.js';
import type { RegistryStore } from '../store.js';
import { parseStoredQuery } from './iti18-request.js';
import type { ParsedStoredQuery } from './iti18-request.js';
import { buildQueryResponse } from './iti18-response.js';

export interface Iti18Deps {
  readonly store: RegistryStore;
  /** The registry's homeCommunityId (urn:oid:...). */
  readonly homeCommunityId: string;
  readonly maxResults: number;
}

/** Runs ITI-18 and returns the AdhocQueryResponse XML. */
export async function handleIti18(request: Element, d: Iti18Deps): Promise<string> {
  const parsed = parseStoredQuery(request);
  if ('issues' in parsed) return buildQueryResponse({ issues: parsed.issues });
  const q = parsed.query;
  // ITI TF-2 3.18.4.1.2.3.8: a homeCommunityId that is not this registry's is unknown here.
  if (q.homeCommunityId !== undefined && q.homeCommunityId !== d.homeCommunityId) {
    const issue: Issue = {
      code: 'XDSUnknownCommunity',
      severity: 'Error',
      context: `homeCommunityId ${q.homeCommunityId} is not served by this registry`,
      location: '$homeCommunityId',
    };
    return buildQueryResponse({ issues: [issue] });
  }
  const result = await run(d.store, q, {
    returnType: q.returnType,
    limit: d.maxResults,
    metadataLevel: q.metadataLevel,
  });
  // A national record answers for one patient at a time: a query by ids that reaches entries of
  // several patients is refused whole (ITI TF-3 Table 4.2.4.1-2 XDSResultNotSinglePatient).
  if (!result.tooManyResults && result.patientIds.size > 1) {
    const issue: Issue = {
      code: 'XDSResultNotSinglePatient',
      severity: 'Error',
      context: `The result holds entries of ${result.patientIds.size} patients; query one patient at a time`,
    };
    return buildQueryResponse({ issues: [issue] });
  }
  return buildQueryResponse(
    { ...result, objects: withHome(result.objects, d.homeCommunityId) },
    { limit: d.maxResults },
  );
}

/**
 * Every returned object carries the registry's homeCommunityId (ITI TF-2 3.18.4.1.2.3.8), so a
 * consumer (or the mesh's XCA Responding Gateway) can route follow-up queries and retrieves.
 */
function withHome(o: RegistryObjects, home: string): RegistryObjects {
  const stamp = <T extends { readonly homeCommunityId?: string }>(x: T): T => ({
    ...x,
    homeCommunityId: home,
  });
  return {
    documentEntries: o.documentEntries.map(stamp),
    submissionSets: o.submissionSets.map(stamp),
    folders: o.folders.map(stamp),
    associations: o.associations.map(stamp),
    objectRefs: o.objectRefs.map(stamp),
  };
}

function run(s: RegistryStore, q: ParsedStoredQuery, o: QueryOptions): Promise<StoredQueryResult> {
  switch (q.name) {
    case 'FindDocuments':
      return s.findDocuments(q.params, o);
    case 'FindDocumentsByReferenceId':
      return s.findDocumentsByReferenceId(q.params, o);
    case 'FindSubmissionSets':
      return s.findSubmissionSets(q.params, o);
    case 'FindFolders':
      return s.findFolders(q.params, o);
    case 'GetAll':
      return s.getAll(q.params, o);
    case 'GetDocuments':
      return s.getDocuments(q.params, o);
    case 'GetFolders':
      return s.getFolders(q.params, o);
    case 'GetAssociations':
      return s.getAssociations(q.params, o);
    case 'GetDocumentsAndAssociations':
      return s.getDocumentsAndAssociations(q.params, o);
    case 'GetSubmissionSets':
      return s.getSubmissionSets(q.params, o);
    case 'GetSubmissionSetAndContents':
      return s.getSubmissionSetAndContents(q.params, o);
    case 'GetFolderAndContents':
      return s.getFolderAndContents(q.params, o);
    case 'GetFoldersForDocument':
      return s.getFoldersForDocument(q.params, o);
    case 'GetRelatedDocuments':
      return s.getRelatedDocuments(q.params, o);
  }
}
