/**
 * ITI-18 Registry Stored Query request: Document Consumer -> Document Registry.
 *
 * Turns a `query:AdhocQueryRequest` into the typed parameters of one of the 14 stored queries of
 * ITI TF-2 3.18.4.1.2.3.7, as `../queries.js` takes them, or into the issues the registry
 * answers with. Pure: no I/O; the homeCommunityId and single-patient checks need the registry's
 * configuration and data, and stay with the handler.
 */
import { error } from '@mesh/core';
import type { Issue } from '@mesh/core';
import { attr, children, child, NS, text } from '@mesh/xml';
import { ASSOCIATION_TYPE_URNS, DOCUMENT_ENTRY, STATUS } from '@mesh/xds';
import type { AssociationType, AvailabilityStatus, DocumentEntryType } from '@mesh/xds';
import type {
  AndOfOr,
  CodeParam,
  ContentFilters,
  FindDocumentsParams,
  FindFoldersParams,
  FindSubmissionSetsParams,
  GetAllParams,
  GetRelatedDocumentsParams,
  ObjectSelector,
  OrList,
  ReturnType,
  TimeRange,
} from '../queries.js';
import { normalizeDtm } from '../sql.js';

/** The stored query ids of ITI TF-2 3.18.4.1.2.3.7 (Table 3.18.4.1.2.3.7-1 and the sections after it). */
export const STORED_QUERY_IDS = Object.freeze({
  FindDocuments: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d',
  FindSubmissionSets: 'urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9',
  FindFolders: 'urn:uuid:958f3006-baad-4929-a4de-ff1114824431',
  GetAll: 'urn:uuid:10b545ea-725c-446d-9b95-8aeb444eddf3',
  GetDocuments: 'urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4',
  GetFolders: 'urn:uuid:5737b14c-8a1a-4539-b659-e03a34a5e1e4',
  GetAssociations: 'urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155',
  GetDocumentsAndAssociations: 'urn:uuid:bab9529a-4a10-40b3-a01f-f68a615d247a',
  GetSubmissionSets: 'urn:uuid:51224314-5390-4169-9b91-b1980040715a',
  GetSubmissionSetAndContents: 'urn:uuid:e8e3cb2c-e39c-46b9-99e4-c12f57260b83',
  GetFolderAndContents: 'urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7',
  GetFoldersForDocument: 'urn:uuid:10cae35a-c7f9-4cf5-b61e-fc3278ffb578',
  GetRelatedDocuments: 'urn:uuid:d90e5407-b356-4d91-a89f-873917b4b0e6',
  FindDocumentsByReferenceId: 'urn:uuid:12941a89-e02e-4be5-967c-ce4bfc8fe492',
});

export type StoredQueryName = keyof typeof STORED_QUERY_IDS;

/** A stored query and its parameters, typed as the data access functions take them. */
export type StoredQueryCall =
  | { readonly name: 'FindDocuments'; readonly params: FindDocumentsParams }
  | { readonly name: 'FindDocumentsByReferenceId'; readonly params: FindDocumentsParams }
  | { readonly name: 'FindSubmissionSets'; readonly params: FindSubmissionSetsParams }
  | { readonly name: 'FindFolders'; readonly params: FindFoldersParams }
  | { readonly name: 'GetAll'; readonly params: GetAllParams }
  | { readonly name: 'GetDocuments'; readonly params: ObjectSelector }
  | { readonly name: 'GetFolders'; readonly params: ObjectSelector }
  | { readonly name: 'GetAssociations'; readonly params: { readonly uuids: OrList<string> } }
  | { readonly name: 'GetDocumentsAndAssociations'; readonly params: ObjectSelector }
  | { readonly name: 'GetSubmissionSets'; readonly params: { readonly uuids: OrList<string> } }
  | {
      readonly name: 'GetSubmissionSetAndContents';
      readonly params: { readonly submissionSet: ObjectSelector } & ContentFilters;
    }
  | {
      readonly name: 'GetFolderAndContents';
      readonly params: { readonly folder: ObjectSelector } & ContentFilters;
    }
  | { readonly name: 'GetFoldersForDocument'; readonly params: { readonly document: ObjectSelector } }
  | { readonly name: 'GetRelatedDocuments'; readonly params: GetRelatedDocumentsParams };

/** A parsed ITI-18 request. */
export type ParsedStoredQuery = StoredQueryCall & {
  readonly returnType: ReturnType;
  /**
   * `$homeCommunityId`, else the AdhocQuery `home` attribute (ITI TF-2 3.18.4.1.2.3.8): the
   * handler checks it against the registry's own (XDSUnknownCommunity).
   */
  readonly homeCommunityId?: string;
  /** $MetadataLevel, 1 unless the request says 2 (ITI TF-2 3.18.4.1.2.3.5.1.1). */
  readonly metadataLevel: 1 | 2;
};

const ERR = 'XDSRegistryError';
const MISSING = 'XDSStoredQueryMissingParam';
const NUMBER = 'XDSStoredQueryParamNumber';

const QUERY_BY_ID: ReadonlyMap<string, StoredQueryName> = new Map(
  Object.entries(STORED_QUERY_IDS).map(([name, id]) => [id, name as StoredQueryName]),
);
const STATUS_BY_URN: ReadonlyMap<string, AvailabilityStatus> = new Map(
  Object.entries(STATUS).map(([s, urn]) => [urn, s as AvailabilityStatus]),
);
const ASSOCIATION_BY_URN: ReadonlyMap<string, AssociationType> = new Map(
  Object.entries(ASSOCIATION_TYPE_URNS).map(([t, urn]) => [urn, t as AssociationType]),
);
const ENTRY_TYPE_BY_UUID: ReadonlyMap<string, DocumentEntryType> = new Map([
  [DOCUMENT_ENTRY.stableObjectType, 'stable'],
  [DOCUMENT_ENTRY.onDemandObjectType, 'on-demand'],
]);

/** One value of a Slot: the text and whether it was quoted (string) or bare (number). */
interface Item {
  readonly text: string;
  readonly quoted: boolean;
}

/**
 * Splits one rim:Value per ITI TF-2 3.18.4.1.2.3.5: `'text'` (a quote doubled inside), a bare
 * number, or a parenthesized comma-separated list of those. Returns undefined when malformed.
 */
export function parseSlotValue(value: string): Item[] | undefined {
  const s = value.trim();
  const list = s.startsWith('(');
  if (list && !s.endsWith(')')) return undefined;
  const body = list ? s.slice(1, -1) : s;
  const items: Item[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < body.length && /\s/.test(body[i] ?? '')) i++;
  };
  for (;;) {
    ws();
    if (body[i] === "'") {
      let out = '';
      i++;
      for (;;) {
        if (i >= body.length) return undefined;
        const c = body[i];
        if (c === "'") {
          if (body[i + 1] === "'") {
            out += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        out += c;
        i++;
      }
      items.push({ text: out, quoted: true });
    } else {
      const m = /^-?\d+(\.\d+)?/.exec(body.slice(i));
      if (!m) return undefined;
      items.push({ text: m[0], quoted: false });
      i += m[0].length;
    }
    ws();
    if (i >= body.length) break;
    if (!list || body[i] !== ',') return undefined;
    i++;
  }
  return items;
}

/** Reads the parameters a query defines; unknown Slots are never looked at (see parseStoredQuery). */
class Reader {
  readonly issues: Issue[] = [];
  constructor(private readonly slots: ReadonlyMap<string, readonly string[][]>) {}

  has(name: string): boolean {
    return this.slots.has(name);
  }

  /** Per Slot, its items (every rim:Value of the Slot, each possibly a list, is an OR). */
  private groups(name: string): Item[][] | undefined {
    const raw = this.slots.get(name);
    if (raw === undefined) return undefined;
    const out: Item[][] = [];
    for (const values of raw) {
      const g: Item[] = [];
      for (const v of values) {
        const items = parseSlotValue(v);
        if (items === undefined || items.length === 0) {
          this.issues.push(
            error(
              ERR,
              `${name}: value is not a quoted string, a number or a list of them (ITI TF-2 3.18.4.1.2.3.5)`,
              name,
            ),
          );
          return undefined;
        }
        g.push(...items);
      }
      if (g.length === 0) {
        this.issues.push(error(ERR, `${name}: Slot without a value`, name));
        return undefined;
      }
      out.push(g);
    }
    return out;
  }

  private missing(name: string, required: boolean): undefined {
    if (required) this.issues.push(error(MISSING, `Required parameter ${name} is missing`, name));
    return undefined;
  }

  private strings(name: string, items: readonly Item[]): string[] | undefined {
    if (items.some((it) => !it.quoted)) {
      this.issues.push(error(ERR, `${name}: values are quoted strings (ITI TF-2 3.18.4.1.2.3.5)`, name));
      return undefined;
    }
    return items.map((it) => it.text);
  }

  /** A single-valued parameter: one Slot, one value. */
  single(name: string, required: boolean): string | undefined {
    const g = this.groups(name);
    if (g === undefined) return this.slots.has(name) ? undefined : this.missing(name, required);
    if (g.length > 1 || (g[0]?.length ?? 0) > 1) {
      this.issues.push(error(NUMBER, `${name} accepts a single value`, name));
      return undefined;
    }
    return this.strings(name, g[0] ?? [])?.[0];
  }

  /** A multi-valued parameter: one Slot, its values OR'ed. */
  list(name: string, required: boolean): string[] | undefined {
    const g = this.groups(name);
    if (g === undefined) return this.slots.has(name) ? undefined : this.missing(name, required);
    if (g.length > 1) {
      this.issues.push(error(NUMBER, `${name} may be given in one Slot only`, name));
      return undefined;
    }
    return this.strings(name, g[0] ?? []);
  }

  /** A parameter whose repeated Slots are AND'ed (ITI TF-2 3.18.4.1.2.3.5). */
  andOr(name: string): string[][] | undefined {
    const g = this.groups(name);
    if (g === undefined) return undefined;
    const out: string[][] = [];
    for (const items of g) {
      const s = this.strings(name, items);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }

  /** A DTM bound: quoted or bare, YYYY[MM[DD[hh[mm[ss]]]]] (ITI TF-2 3.18.4.1.2.3.6.3). */
  dtm(name: string): string | undefined {
    const g = this.groups(name);
    if (g === undefined) return undefined;
    if (g.length > 1 || (g[0]?.length ?? 0) > 1) {
      this.issues.push(error(NUMBER, `${name} accepts a single value`, name));
      return undefined;
    }
    const v = g[0]?.[0]?.text ?? '';
    if (!validDtm(v)) {
      this.issues.push(error(ERR, `${name} is not an HL7 DTM (YYYY[MM[DD[hh[mm[ss]]]]]): ${v}`, name));
      return undefined;
    }
    return v;
  }

  range(prefix: string): TimeRange | undefined {
    const from = this.dtm(`${prefix}From`);
    const to = this.dtm(`${prefix}To`);
    if (from === undefined && to === undefined) return undefined;
    return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  }

  codes(name: string): CodeParam[] | undefined {
    const l = this.list(name, false);
    return l === undefined ? undefined : this.toCodes(name, l);
  }

  andOrCodes(name: string): AndOfOr<CodeParam> | undefined {
    const g = this.andOr(name);
    if (g === undefined) return undefined;
    const out: CodeParam[][] = [];
    for (const l of g) {
      const c = this.toCodes(name, l);
      if (c === undefined) return undefined;
      out.push(c);
    }
    return out;
  }

  /** `code^^^codingScheme` (ITI TF-2 3.18.4.1.2.3.4); `code^^codingScheme` and a bare code are accepted. */
  private toCodes(name: string, values: readonly string[]): CodeParam[] | undefined {
    const out: CodeParam[] = [];
    for (const v of values) {
      const parts = v.split('^');
      const code = parts[0] ?? '';
      const scheme = parts.length === 4 ? parts[3] : parts.length === 3 ? parts[2] : undefined;
      const middleEmpty = parts.slice(1, -1).every((p) => p === '');
      if (code === '' || (parts.length > 1 && (scheme === undefined || scheme === '' || !middleEmpty))) {
        this.issues.push(error(ERR, `${name}: '${v}' is not code^^^codingScheme`, name));
        return undefined;
      }
      out.push(scheme === undefined ? { code } : { code, scheme });
    }
    return out;
  }

  status(name: string): AvailabilityStatus[] | undefined {
    const l = this.list(name, true);
    if (l === undefined) return undefined;
    const out: AvailabilityStatus[] = [];
    for (const v of l) {
      const s = STATUS_BY_URN.get(v);
      if (s === undefined) {
        this.issues.push(
          error(ERR, `${name}: '${v}' is not an availability status URN (ITI TF-3 4.2.3.2.2)`, name),
        );
        return undefined;
      }
      out.push(s);
    }
    return out;
  }

  /** $XDSDocumentEntryType: objectType UUIDs; absent means stable only (ITI TF-2 3.18.4.1.2.3.6.2). */
  entryType(): DocumentEntryType[] | undefined {
    const name = '$XDSDocumentEntryType';
    const l = this.list(name, false);
    if (l === undefined) return undefined;
    const out: DocumentEntryType[] = [];
    for (const v of l) {
      const t = ENTRY_TYPE_BY_UUID.get(v);
      if (t === undefined) {
        this.issues.push(error(ERR, `${name}: '${v}' is not a DocumentEntry objectType`, name));
        return undefined;
      }
      out.push(t);
    }
    return out;
  }

  associationTypes(): AssociationType[] | undefined {
    const name = '$AssociationTypes';
    const l = this.list(name, true);
    if (l === undefined) return undefined;
    const out: AssociationType[] = [];
    for (const v of l) {
      const t = ASSOCIATION_BY_URN.get(v);
      if (t === undefined) {
        this.issues.push(error(ERR, `${name}: '${v}' is not an association type URN (ITI TF-3 4.2.2)`, name));
        return undefined;
      }
      out.push(t);
    }
    return out;
  }

  /**
   * Exactly one of mutually exclusive selectors (e.g. $XDSDocumentEntryEntryUUID /
   * $XDSDocumentEntryUniqueId, and with the Metadata Update option $XDSDocumentEntryLogicalID):
   * none is XDSStoredQueryMissingParam, several XDSStoredQueryParamNumber.
   */
  selector(
    uuidName: string,
    uniqueIdName: string,
    multiple: boolean,
    logicalIdName?: string,
  ): ObjectSelector | undefined {
    const names = [uuidName, uniqueIdName, ...(logicalIdName === undefined ? [] : [logicalIdName])];
    const given = names.filter((n) => this.slots.has(n));
    if (given.length > 1) {
      this.issues.push(error(NUMBER, `Only one of ${names.join(', ')} may be given`, given[1]));
      return undefined;
    }
    const name = given[0];
    if (name === undefined) {
      this.issues.push(error(MISSING, `One of ${names.join(', ')} is required`, uuidName));
      return undefined;
    }
    const values = multiple ? this.list(name, true) : optionalList(this.single(name, true));
    if (values === undefined) return undefined;
    if (name === uuidName) return { uuids: values };
    if (name === uniqueIdName) return { uniqueIds: values };
    return { logicalIds: values };
  }

  /** $MetadataLevel (ITI TF-2 3.18.4.1.2.3.5.1.1): a number (unquoted), 1 (default) or 2. */
  metadataLevel(): 1 | 2 {
    const name = '$MetadataLevel';
    const g = this.groups(name);
    if (g === undefined) return 1; // absent (the default), or unparsable (reported by groups())
    const item = g.length === 1 && g[0]?.length === 1 ? g[0][0] : undefined;
    if (item === undefined) {
      this.issues.push(error(NUMBER, `${name} accepts a single value`, name));
      return 1;
    }
    if (!item.quoted && (item.text === '1' || item.text === '2')) return Number(item.text) as 1 | 2;
    this.issues.push(
      error(ERR, `${name} is the number 1 or 2, not ${item.quoted ? `'${item.text}'` : item.text}`, name),
    );
    return 1;
  }

  content(): ContentFilters {
    const formatCode = this.codes('$XDSDocumentEntryFormatCode');
    const confidentialityCode = this.andOrCodes('$XDSDocumentEntryConfidentialityCode');
    const documentEntryType = this.entryType();
    return defined({ formatCode, confidentialityCode, documentEntryType });
  }
}

/** Field ranges of a DTM (ITI TF-3 Table 4.2.3.1.7-2): the digits alone would let month 13 through. */
const DTM_FIELDS: readonly (readonly [number, number, number])[] = [
  [4, 1, 12],
  [6, 1, 31],
  [8, 0, 23],
  [10, 0, 59],
  [12, 0, 59],
];

/** A DTM query bound, `YYYY[MM[DD[hh[mm[ss]]]]]`, each present field in its range. */
export function validDtm(v: string): boolean {
  if (normalizeDtm(v) === undefined) return false;
  return DTM_FIELDS.every(([at, min, max]) => {
    if (v.length <= at) return true;
    const n = Number(v.slice(at, at + 2));
    return n >= min && n <= max;
  });
}

function optionalList(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : [v];
}

/** Drops undefined members (exactOptionalPropertyTypes-friendly optional fields). */
function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function findDocuments(r: Reader, byReferenceId: boolean): FindDocumentsParams | undefined {
  const patientId = r.single('$XDSDocumentEntryPatientId', true);
  const status = r.status('$XDSDocumentEntryStatus');
  const rest = defined({
    classCode: r.codes('$XDSDocumentEntryClassCode'),
    typeCode: r.codes('$XDSDocumentEntryTypeCode'),
    practiceSettingCode: r.codes('$XDSDocumentEntryPracticeSettingCode'),
    healthcareFacilityTypeCode: r.codes('$XDSDocumentEntryHealthcareFacilityTypeCode'),
    eventCodeList: r.andOrCodes('$XDSDocumentEntryEventCodeList'),
    creationTime: r.range('$XDSDocumentEntryCreationTime'),
    serviceStartTime: r.range('$XDSDocumentEntryServiceStartTime'),
    serviceStopTime: r.range('$XDSDocumentEntryServiceStopTime'),
    authorPerson: r.list('$XDSDocumentEntryAuthorPerson', false),
    referenceIdList: byReferenceId ? r.list('$XDSDocumentEntryReferenceIdList', true) : undefined,
  });
  const content = r.content();
  if (patientId === undefined || status === undefined) return undefined;
  return { patientId, status, ...rest, ...content };
}

function call(name: StoredQueryName, r: Reader): StoredQueryCall | undefined {
  switch (name) {
    case 'FindDocuments':
    case 'FindDocumentsByReferenceId': {
      const params = findDocuments(r, name === 'FindDocumentsByReferenceId');
      return params && { name, params };
    }
    case 'FindSubmissionSets': {
      const patientId = r.single('$XDSSubmissionSetPatientId', true);
      const status = r.status('$XDSSubmissionSetStatus');
      const rest = defined({
        sourceId: r.list('$XDSSubmissionSetSourceId', false),
        submissionTime: r.range('$XDSSubmissionSetSubmissionTime'),
        // Single-valued for SubmissionSets (ITI TF-2 3.18.4.1.2.3.7.2).
        authorPerson: optionalList(r.single('$XDSSubmissionSetAuthorPerson', false)),
        contentTypeCode: r.codes('$XDSSubmissionSetContentType'),
      });
      if (patientId === undefined || status === undefined) return undefined;
      return { name, params: { patientId, status, ...rest } };
    }
    case 'FindFolders': {
      const patientId = r.single('$XDSFolderPatientId', true);
      const status = r.status('$XDSFolderStatus');
      const rest = defined({
        lastUpdateTime: r.range('$XDSFolderLastUpdateTime'),
        codeList: r.andOrCodes('$XDSFolderCodeList'),
      });
      if (patientId === undefined || status === undefined) return undefined;
      return { name, params: { patientId, status, ...rest } };
    }
    case 'GetAll': {
      const patientId = r.single('$patientId', true);
      const documentEntryStatus = r.status('$XDSDocumentEntryStatus');
      const submissionSetStatus = r.status('$XDSSubmissionSetStatus');
      const folderStatus = r.status('$XDSFolderStatus');
      const content = r.content();
      if (
        patientId === undefined ||
        documentEntryStatus === undefined ||
        submissionSetStatus === undefined ||
        folderStatus === undefined
      )
        return undefined;
      return {
        name,
        params: { patientId, documentEntryStatus, submissionSetStatus, folderStatus, ...content },
      };
    }
    case 'GetDocuments':
    case 'GetDocumentsAndAssociations': {
      const params = r.selector(
        '$XDSDocumentEntryEntryUUID',
        '$XDSDocumentEntryUniqueId',
        true,
        '$XDSDocumentEntryLogicalID',
      );
      return params && { name, params };
    }
    case 'GetFolders': {
      const params = r.selector('$XDSFolderEntryUUID', '$XDSFolderUniqueId', true, '$XDSFolderLogicalID');
      return params && { name, params };
    }
    case 'GetAssociations':
    case 'GetSubmissionSets': {
      const uuids = r.list('$uuid', true);
      return uuids && { name, params: { uuids } };
    }
    case 'GetSubmissionSetAndContents': {
      const submissionSet = r.selector('$XDSSubmissionSetEntryUUID', '$XDSSubmissionSetUniqueId', false);
      const content = r.content();
      return submissionSet && { name, params: { submissionSet, ...content } };
    }
    case 'GetFolderAndContents': {
      const folder = r.selector('$XDSFolderEntryUUID', '$XDSFolderUniqueId', false);
      const content = r.content();
      return folder && { name, params: { folder, ...content } };
    }
    case 'GetFoldersForDocument': {
      const document = r.selector('$XDSDocumentEntryEntryUUID', '$XDSDocumentEntryUniqueId', false);
      return document && { name, params: { document } };
    }
    case 'GetRelatedDocuments': {
      const document = r.selector('$XDSDocumentEntryEntryUUID', '$XDSDocumentEntryUniqueId', false);
      const associationTypes = r.associationTypes();
      const documentEntryType = r.entryType();
      if (document === undefined || associationTypes === undefined) return undefined;
      return {
        name,
        params: { document, associationTypes, ...defined({ documentEntryType }) },
      };
    }
  }
}

/**
 * Parses a `query:AdhocQueryRequest` (ITI TF-2 3.18.4.1.2).
 *
 * - `query:ResponseOption/@returnType` must be LeafClass or ObjectRef (ITI TF-2 3.18.4.1.2.1).
 * - `rim:AdhocQuery/@id` must be one of the 14 stored queries, else XDSUnknownStoredQuery.
 * - Parameters the query does not define are ignored, as ebRS 3.0 (6.3) prunes an unbound
 *   parameter from the query; a registry may define extra parameters.
 * - A missing required parameter is XDSStoredQueryMissingParam; several values (or Slots) for a
 *   single-valued parameter, a repeated Slot other than the AND-able ones, or both members of a
 *   mutually exclusive pair are XDSStoredQueryParamNumber.
 * - Syntax errors (value coding, DTM, status or type URNs) are XDSRegistryError, the code the
 *   registry's data access also uses for a bad DTM.
 */
export function parseStoredQuery(el: Element): { query: ParsedStoredQuery } | { issues: Issue[] } {
  const issues: Issue[] = [];
  if (el.namespaceURI !== NS.query || el.localName !== 'AdhocQueryRequest') {
    return { issues: [error(ERR, 'Body is not a query:AdhocQueryRequest', 'AdhocQueryRequest')] };
  }
  const option = child(el, NS.query, 'ResponseOption');
  const rt = option === undefined ? undefined : attr(option, 'returnType');
  // ebRS 3.0 query.xsd defaults returnType to RegistryObject, which XDS does not support.
  if (rt !== 'LeafClass' && rt !== 'ObjectRef') {
    issues.push(
      error(
        ERR,
        `ResponseOption returnType must be LeafClass or ObjectRef, not ${rt ?? '(absent)'}`,
        'ResponseOption',
      ),
    );
  }
  const adhoc = child(el, NS.rim, 'AdhocQuery');
  if (adhoc === undefined) {
    issues.push(error(ERR, 'rim:AdhocQuery is missing', 'AdhocQuery'));
    return { issues };
  }
  const id = attr(adhoc, 'id') ?? '';
  const name = QUERY_BY_ID.get(id.toLowerCase());
  if (name === undefined) {
    issues.push(error('XDSUnknownStoredQuery', `Unknown stored query id: ${id}`, 'AdhocQuery'));
    return { issues };
  }
  const slots = new Map<string, string[][]>();
  for (const s of children(adhoc, NS.rim, 'Slot')) {
    const n = attr(s, 'name') ?? '';
    const list = child(s, NS.rim, 'ValueList');
    const values = list === undefined ? [] : children(list, NS.rim, 'Value').map((v) => text(v) ?? '');
    const groups = slots.get(n);
    if (groups === undefined) slots.set(n, [values]);
    else groups.push(values);
  }
  const r = new Reader(slots);
  const c = call(name, r);
  const home = r.has('$homeCommunityId') ? r.single('$homeCommunityId', false) : attr(adhoc, 'home');
  const metadataLevel = r.metadataLevel();
  issues.push(...r.issues);
  if (issues.length > 0 || c === undefined || (rt !== 'LeafClass' && rt !== 'ObjectRef')) return { issues };
  return {
    query: { ...c, returnType: rt, metadataLevel, ...(home === undefined ? {} : { homeCommunityId: home }) },
  };
}
