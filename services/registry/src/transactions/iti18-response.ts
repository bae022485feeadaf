/**
 * ITI-18 Registry Stored Query response: Document Registry -> Document Consumer.
 *
 * Builds the `query:AdhocQueryResponse` (ITI TF-2 3.18.4.1.3) from a stored query's result or
 * from the issues that stopped it. ITI-18 answers Success or Failure; PartialSuccess belongs to
 * XCA (ITI TF-2 3.38.4.1.3), not to a registry.
 */
import type { Issue } from '@mesh/core';
import { escapeXmlAttribute, NS } from '@mesh/xml';
import { ERROR_SEVERITY, RESPONSE_STATUS, writeRegistryObjectList } from '@mesh/xds';
import type { RegistryObjects, WriteOptions } from '@mesh/xds';
import type { StoredQueryResult } from '../queries.js';

/** Options of {@link buildQueryResponse}. */
export interface QueryResponseOptions {
  /** The XDSTooManyResults cap, named in its codeContext. */
  readonly limit?: number;
  /** Further issues (normally warnings) to report; an Error among them makes the response a Failure. */
  readonly warnings?: readonly Issue[];
  /** Passed to the ebRIM writer (deterministic ids in tests, objectType attributes). */
  readonly write?: WriteOptions;
}

const EMPTY: RegistryObjects = {
  documentEntries: [],
  submissionSets: [],
  folders: [],
  associations: [],
  objectRefs: [],
};

function registryError(i: Issue): string {
  const location = i.location === undefined ? '' : ` location="${escapeXmlAttribute(i.location)}"`;
  return `<rs:RegistryError errorCode="${escapeXmlAttribute(i.code)}" codeContext="${escapeXmlAttribute(
    i.context,
  )}" severity="${ERROR_SEVERITY[i.severity]}"${location}/>`;
}

/**
 * The AdhocQueryResponse XML text. Status is Failure when any issue is an Error, including
 * XDSTooManyResults (ITI TF-2 3.18.4.1.3: the query is too broad, no objects are returned);
 * otherwise Success with the objects (LeafClass) or `rim:ObjectRef`s (ObjectRef). The
 * RegistryErrorList precedes the RegistryObjectList, which is always present, as ebRS 3.0
 * query.xsd orders and requires them.
 */
export function buildQueryResponse(
  result: Pick<StoredQueryResult, 'objects' | 'tooManyResults'> | { readonly issues: readonly Issue[] },
  opts: QueryResponseOptions = {},
): string {
  let issues: Issue[] = [...(opts.warnings ?? [])];
  let objects = EMPTY;
  if ('issues' in result) {
    issues = [...result.issues, ...issues];
  } else if (result.tooManyResults) {
    issues = [
      {
        code: 'XDSTooManyResults',
        severity: 'Error',
        context:
          opts.limit === undefined
            ? 'The query matched too many objects; narrow it'
            : `The query matched more than ${opts.limit} objects; narrow it`,
      },
      ...issues,
    ];
  } else {
    objects = result.objects;
  }
  const failed = issues.some((i) => i.severity === 'Error');
  if (failed) objects = EMPTY;
  const status = failed ? RESPONSE_STATUS.Failure : RESPONSE_STATUS.Success;
  const errors =
    issues.length === 0
      ? ''
      : `<rs:RegistryErrorList highestSeverity="${
          failed ? ERROR_SEVERITY.Error : ERROR_SEVERITY.Warning
        }">${issues.map(registryError).join('')}</rs:RegistryErrorList>`;
  return `<query:AdhocQueryResponse xmlns:query="${NS.query}" xmlns:rs="${NS.rs}" xmlns:rim="${NS.rim}" status="${status}">${errors}${writeRegistryObjectList(objects, opts.write)}</query:AdhocQueryResponse>`;
}
