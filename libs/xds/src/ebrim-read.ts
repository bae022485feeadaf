/**
 * ebRIM 3.0 -> XDS model (ITI TF-3 4.2.3 attributes as coded per ITI TF-3 4.2.5 / 4.2.3.1).
 *
 * Reading never throws on content: whatever cannot be mapped is reported as an
 * XDSRegistryMetadataError with a precise location (`DocumentEntry[Document01].classCode`),
 * and reading goes on, so that the validator run afterwards can add its own findings and the
 * sender gets every problem at once (ITI TF-3 4.2.4.1). Cardinality and value-set rules of
 * ITI TF-3 4.2.4 are not checked here: only what prevents building the model.
 *
 * Values are kept byte for byte (no trimming, no reformatting); ids are kept as given, symbolic
 * ones included (ITI TF-3 4.2.3.1.5: the registry assigns UUIDs afterwards).
 */
import { error } from '@mesh/core';
import type { Issue } from '@mesh/core';
import { elements, NS, text } from '@mesh/xml';
import {
  ASSOCIATION_DOCUMENTATION_SCHEME,
  ASSOCIATION_TYPE_URNS,
  DOCUMENT_AVAILABILITY,
  DOCUMENT_ENTRY,
  FOLDER,
  SLOT,
  STATUS,
  SUBMISSION_SET,
} from './constants.js';
import { parseCx, parseXcn, parseXon, parseXtn } from './hl7.js';
import type {
  Association,
  AssociationType,
  Author,
  AvailabilityStatus,
  Code,
  DocumentAvailability,
  DocumentEntry,
  Folder,
  LocalizedString,
  ObjectRef,
  RegistryObjects,
  Slot,
  Submission,
  SubmissionSet,
} from './model.js';

/** The error code of every mapping issue (ITI TF-3 Table 4.2.4.1-2). */
export const METADATA_ERROR = 'XDSRegistryMetadataError';

/** Result of reading a rim:RegistryObjectList. */
export interface ReadRegistryObjectsResult {
  readonly objects: RegistryObjects;
  readonly issues: readonly Issue[];
}

/** Result of reading an lcm:SubmitObjectsRequest: the submission, unless it has no single SubmissionSet. */
export interface ReadSubmissionResult {
  readonly submission: Submission | undefined;
  /** Every object found, also when `submission` is undefined. */
  readonly objects: RegistryObjects;
  readonly issues: readonly Issue[];
}

const RIM = NS.rim;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Issue collector with the location prefix of the object being read. */
class Issues {
  readonly list: Issue[] = [];
  add(context: string, location: string): void {
    this.list.push(error(METADATA_ERROR, context, location));
  }
}

/**
 * Reads an `lcm:SubmitObjectsRequest` (ITI-42, and the metadata of ITI-41/ITI-57) given as
 * its Document or its element.
 */
export function readSubmitObjectsRequest(input: Document | Element): ReadSubmissionResult {
  const root = 'documentElement' in input ? input.documentElement : input;
  const issues = new Issues();
  if (!root || root.namespaceURI !== NS.lcm || root.localName !== 'SubmitObjectsRequest') {
    issues.add('Expected an lcm:SubmitObjectsRequest element', 'SubmitObjectsRequest');
    return { submission: undefined, objects: emptyObjects(), issues: issues.list };
  }
  const list = childElement(root, RIM, 'RegistryObjectList');
  if (!list) {
    issues.add('SubmitObjectsRequest without rim:RegistryObjectList', 'SubmitObjectsRequest');
    return { submission: undefined, objects: emptyObjects(), issues: issues.list };
  }
  const read = readRegistryObjectList(list);
  issues.list.push(...read.issues);
  const { objects } = read;
  const [first, ...more] = objects.submissionSets;
  if (!first) {
    issues.add(
      'The submission has no SubmissionSet (RegistryPackage classified as SubmissionSet)',
      'SubmissionSet',
    );
    return { submission: undefined, objects, issues: issues.list };
  }
  if (more.length > 0) {
    issues.add(
      `The submission has ${objects.submissionSets.length} SubmissionSets; exactly one is allowed`,
      'SubmissionSet',
    );
    return { submission: undefined, objects, issues: issues.list };
  }
  return {
    submission: {
      submissionSet: first,
      documentEntries: objects.documentEntries,
      folders: objects.folders,
      associations: objects.associations,
      objectRefs: objects.objectRefs,
    },
    objects,
    issues: issues.list,
  };
}

function emptyObjects(): RegistryObjects {
  return { submissionSets: [], documentEntries: [], folders: [], associations: [], objectRefs: [] };
}

/** Reads a `rim:RegistryObjectList` (a submission's, or a LeafClass query response's). */
export function readRegistryObjectList(list: Element): ReadRegistryObjectsResult {
  const issues = new Issues();
  const topClassifications = new Map<string, Element[]>();
  const topExternalIds = new Map<string, Element[]>();
  const extrinsic: Element[] = [];
  const packages: Element[] = [];
  const associations: Element[] = [];
  const objectRefs: ObjectRef[] = [];

  // The list's own namespace string when it is rim (see "Namespace checks" below).
  const rim = list.namespaceURI === RIM ? list.namespaceURI : RIM;
  for (const el of elements(list)) {
    if (el.namespaceURI !== rim) {
      issues.add(`Unexpected element {${el.namespaceURI ?? ''}}${el.localName}`, 'RegistryObjectList');
      continue;
    }
    switch (el.localName) {
      case 'ExtrinsicObject':
        extrinsic.push(el);
        break;
      case 'RegistryPackage':
        packages.push(el);
        break;
      case 'Association':
        associations.push(el);
        break;
      case 'Classification':
        pushTo(topClassifications, attr(el, 'classifiedObject') ?? '', el);
        break;
      case 'ExternalIdentifier':
        pushTo(topExternalIds, attr(el, 'registryObject') ?? '', el);
        break;
      case 'ObjectRef': {
        const id = attr(el, 'id');
        if (id === undefined) issues.add('ObjectRef without id', 'ObjectRef');
        else objectRefs.push(withHome<ObjectRef>({ id }, el));
        break;
      }
      default:
        issues.add(`Unexpected element rim:${el.localName}`, 'RegistryObjectList');
    }
  }

  const used = new Set<Element>();

  const out: Mutable<RegistryObjects> = emptyObjects();
  const documentEntries: DocumentEntry[] = [];
  const submissionSets: SubmissionSet[] = [];
  const folders: Folder[] = [];
  for (const el of extrinsic) {
    const id = attr(el, 'id');
    const de = readDocumentEntry(
      el,
      id === undefined ? NONE : take(topClassifications, id, used),
      id === undefined ? NONE : take(topExternalIds, id, used),
      issues,
    );
    if (de) documentEntries.push(de);
  }
  for (const el of packages) {
    const id = attr(el, 'id');
    const pkg = readRegistryPackage(
      el,
      id === undefined ? NONE : take(topClassifications, id, used),
      id === undefined ? NONE : take(topExternalIds, id, used),
      issues,
    );
    if (pkg?.kind === 'SubmissionSet') submissionSets.push(pkg.value);
    else if (pkg?.kind === 'Folder') folders.push(pkg.value);
  }
  const assocs: Association[] = [];
  for (const el of associations) {
    const id = attr(el, 'id');
    const a = readAssociation(el, id === undefined ? NONE : take(topClassifications, id, used), issues);
    if (a) assocs.push(a);
  }
  for (const [target, els] of topClassifications)
    for (const e of els)
      if (!used.has(e))
        issues.add(
          `Classification ${attr(e, 'id') ?? ''} classifies ${target || 'nothing'}, which is not an object of this list`,
          `Classification[${attr(e, 'id') ?? ''}]`,
        );
  for (const [target, els] of topExternalIds)
    for (const e of els)
      if (!used.has(e))
        issues.add(
          `ExternalIdentifier ${attr(e, 'id') ?? ''} identifies ${target || 'nothing'}, which is not an object of this list`,
          `ExternalIdentifier[${attr(e, 'id') ?? ''}]`,
        );

  out.documentEntries = documentEntries;
  out.submissionSets = submissionSets;
  out.folders = folders;
  out.associations = assocs;
  out.objectRefs = objectRefs;
  return { objects: out, issues: issues.list };
}

const NONE: readonly Element[] = [];

/** The top-level elements that point at `id`, marked as used. */
function take(map: Map<string, Element[]>, id: string, used: Set<Element>): readonly Element[] {
  const found = map.get(id);
  if (found === undefined) return NONE;
  for (const e of found) used.add(e);
  return found;
}

function pushTo(map: Map<string, Element[]>, key: string, el: Element): void {
  const l = map.get(key);
  if (l) l.push(el);
  else map.set(key, [el]);
}

function withHome<T extends { homeCommunityId?: string }>(o: T, el: Element): T {
  const home = attr(el, 'home');
  // An empty home attribute (as some toolkits write) is no homeCommunityId.
  if (home !== undefined && home !== '') (o as Mutable<T>).homeCommunityId = home;
  return o;
}

// ---------------------------------------------------------------------------------------------
// DOM access: one walk over an object's children, one scan of an element's attributes

/**
 * Attribute value, or undefined when absent. One scan of the attribute list, where
 * `hasAttribute` + `getAttribute` take two (each also asking whether the element is in an HTML
 * document: names are then lower-cased, which never applies to the rim elements read here).
 */
function attr(el: Element, name: string): string | undefined {
  const list = el.attributes;
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a !== undefined && a.nodeName === name) return a.value;
  }
  return undefined;
}

/*
 * Namespace checks. The parser gives every element under one namespace declaration the same
 * namespace URI string, but not the string of the NS.rim constant: comparing an element's
 * namespace with the constant compares all 43 characters, and was the largest single cost of
 * reading. The elements read below are rim elements (the registry object list checks its
 * members, and children are only taken from rim elements after the same check), so a rim
 * child is one whose namespace equals its parent's: the same value, compared with the string
 * the parser most likely shares, where equality is a reference check.
 */

/** The first child element with this namespace and local name. */
function childElement(parent: Element, ns: string | null, localName: string): Element | undefined {
  for (let c = parent.firstChild; c; c = c.nextSibling)
    if (c.nodeType === 1 && (c as Element).localName === localName && (c as Element).namespaceURI === ns)
      return c as Element;
  return undefined;
}

/**
 * The rim children of a registry object that the reader uses, sorted by kind in one walk
 * (each list in document order; Name, Description and VersionInfo: the first one), instead of
 * one walk over all children per kind. Elements of other namespaces or other local names are
 * skipped, as the per-kind lookups skipped them.
 */
interface Parts {
  readonly slots: Element[];
  readonly classifications: Element[];
  readonly externalIds: Element[];
  name: Element | undefined;
  description: Element | undefined;
  versionInfo: Element | undefined;
}

/** {@link Parts} of a rim element. */
function partsOf(el: Element): Parts {
  const rim = el.namespaceURI;
  const parts: Parts = {
    slots: [],
    classifications: [],
    externalIds: [],
    name: undefined,
    description: undefined,
    versionInfo: undefined,
  };
  for (let c = el.firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== 1 || (c as Element).namespaceURI !== rim) continue;
    const e = c as Element;
    switch (e.localName) {
      case 'Slot':
        parts.slots.push(e);
        break;
      case 'Classification':
        parts.classifications.push(e);
        break;
      case 'ExternalIdentifier':
        parts.externalIds.push(e);
        break;
      case 'Name':
        parts.name ??= e;
        break;
      case 'Description':
        parts.description ??= e;
        break;
      case 'VersionInfo':
        parts.versionInfo ??= e;
        break;
    }
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Common parts: slots, localized strings, status, classifications and identifiers

/** rim:Slot elements (of {@link partsOf}) in order; duplicate names are refused (ebRIM 3.0 2.8.1: names are unique per object). */
function readSlots(slotElements: readonly Element[], where: string, issues: Issues): Map<string, string[]> {
  const slots = new Map<string, string[]>();
  for (const s of slotElements) {
    const name = attr(s, 'name');
    if (name === undefined || name === '') {
      issues.add('Slot without name', where);
      continue;
    }
    if (slots.has(name)) {
      issues.add(`Slot ${name} appears more than once`, `${where}.${name}`);
      continue;
    }
    slots.set(name, slotValues(s));
  }
  return slots;
}

/** The values of a rim:Slot, in order (none without a ValueList). */
function slotValues(s: Element): string[] {
  const values: string[] = [];
  const rim = s.namespaceURI;
  const vl = childElement(s, rim, 'ValueList');
  if (vl)
    for (let v = vl.firstChild; v; v = v.nextSibling)
      if (v.nodeType === 1 && (v as Element).localName === 'Value' && (v as Element).namespaceURI === rim)
        values.push(text(v as Element) ?? '');
  return values;
}

/**
 * Extra metadata (ITI TF-3 4.2.3.1.7): slots XDS does not define must be named by a URN that
 * is not in the `urn:ihe:` space; they are kept for the registry to save or report as
 * XDSExtraMetadataNotSaved. Any other undefined slot name is a metadata error (kept all the
 * same, so that a rejected submission can still be reported and written faithfully).
 */
function extraSlots(
  slots: Map<string, string[]>,
  known: ReadonlySet<string>,
  where: string,
  issues: Issues,
): Slot[] {
  const extra: Slot[] = [];
  for (const [name, values] of slots) {
    if (known.has(name)) continue;
    if (!isExtraMetadataName(name))
      issues.add(
        `Slot ${name} is not defined for this object, and extra metadata slot names must be URNs outside urn:ihe:`,
        `${where}.${name}`,
      );
    extra.push({ name, values });
  }
  return extra;
}

/** Whether a slot name is a legal extra metadata name (ITI TF-3 4.2.3.1.7). */
export function isExtraMetadataName(name: string): boolean {
  return URN.test(name) && !IHE_URN.test(name);
}

const URN = /^urn:/i;
const IHE_URN = /^urn:ihe:/i;

function single(
  slots: Map<string, string[]>,
  name: string,
  where: string,
  issues: Issues,
): string | undefined {
  const v = slots.get(name);
  if (v === undefined) return undefined;
  if (v.length !== 1) {
    issues.add(`Slot ${name} must have exactly one value, has ${v.length}`, `${where}.${name}`);
    return v[0];
  }
  return v[0];
}

/**
 * A rim:Name or rim:Description (the object's first, given as `holder`): zero or one
 * LocalizedString (XDS attributes are single-valued).
 */
function localized(
  holder: Element | undefined,
  which: 'Name' | 'Description',
  where: string,
  issues: Issues,
): LocalizedString | undefined {
  if (!holder) return undefined;
  const rim = holder.namespaceURI;
  let ls: Element | undefined;
  let count = 0;
  for (let c = holder.firstChild; c; c = c.nextSibling)
    if (
      c.nodeType === 1 &&
      (c as Element).localName === 'LocalizedString' &&
      (c as Element).namespaceURI === rim
    ) {
      ls ??= c as Element;
      count++;
    }
  if (count > 1) issues.add(`rim:${which} has ${count} LocalizedStrings; XDS allows one`, where);
  if (!ls) return undefined;
  const value = attr(ls, 'value');
  if (value === undefined) {
    issues.add(`LocalizedString without value in rim:${which}`, where);
    return undefined;
  }
  const out: Mutable<LocalizedString> = { value };
  const lang = ls.getAttributeNodeNS(NS.xml, 'lang');
  if (lang) out.lang = lang.value;
  const charset = attr(ls, 'charset');
  if (charset !== undefined) out.charset = charset;
  return out;
}

const STATUS_BY_URN = new Map<string, AvailabilityStatus>(
  Object.entries(STATUS).map(([k, v]) => [v, k as AvailabilityStatus]),
);

function readStatus(el: Element, where: string, issues: Issues): AvailabilityStatus | undefined {
  const s = attr(el, 'status');
  if (s === undefined) return undefined;
  const status = STATUS_BY_URN.get(s);
  if (!status) issues.add(`Unknown status ${s}`, `${where}.availabilityStatus`);
  return status;
}

function readVersion(parts: Parts): string | undefined {
  return parts.versionInfo ? attr(parts.versionInfo, 'versionName') : undefined;
}

/** A coded Classification (ITI TF-3 4.2.3.1.2): nodeRepresentation + codingScheme slot + Name. */
function readCode(c: Element, where: string, issues: Issues): Code | undefined {
  const code = attr(c, 'nodeRepresentation');
  const parts = partsOf(c);
  // The usual case, the codingScheme slot alone, read without building the slot map.
  const only = parts.slots.length === 1 ? parts.slots[0] : undefined;
  const alone = only !== undefined && attr(only, 'name') === SLOT.codingScheme ? only : undefined;
  const slots = alone === undefined ? readSlots(parts.slots, where, issues) : undefined;
  const schemes = alone === undefined ? slots?.get(SLOT.codingScheme) : slotValues(alone);
  let ok = true;
  if (code === undefined) {
    issues.add('Classification without nodeRepresentation (the code)', where);
    ok = false;
  }
  if (schemes === undefined) {
    issues.add('Classification without codingScheme slot', where);
    ok = false;
  } else if (schemes.length !== 1) {
    issues.add(`codingScheme slot must have exactly one value, has ${schemes.length}`, where);
    ok = false;
  }
  if (slots)
    for (const name of slots.keys())
      if (name !== SLOT.codingScheme)
        issues.add(`Slot ${name} is not defined on a coded Classification`, where);
  if (!ok || code === undefined || schemes?.[0] === undefined) return undefined;
  const displayName = localized(parts.name, 'Name', where, issues);
  return displayName === undefined
    ? { code, codingScheme: schemes[0] }
    : { code, codingScheme: schemes[0], displayName };
}

const AUTHOR_SLOTS = new Set<string>([
  SLOT.authorPerson,
  SLOT.authorInstitution,
  SLOT.authorRole,
  SLOT.authorSpecialty,
  SLOT.authorTelecommunication,
]);

/** An author Classification (ITI TF-3 4.2.3.1.4). */
function readAuthor(c: Element, where: string, issues: Issues): Author {
  const slots = readSlots(partsOf(c).slots, where, issues);
  const person = single(slots, SLOT.authorPerson, where, issues);
  const author: Mutable<Author> = {
    institutions: (slots.get(SLOT.authorInstitution) ?? []).map(parseXon),
    roles: slots.get(SLOT.authorRole) ?? [],
    specialties: slots.get(SLOT.authorSpecialty) ?? [],
    telecoms: (slots.get(SLOT.authorTelecommunication) ?? []).map(parseXtn),
    extraSlots: extraSlots(slots, AUTHOR_SLOTS, where, issues),
  };
  if (person !== undefined) author.person = parseXcn(person);
  return author;
}

/**
 * Nested (the object's own children of that kind) and top-level children of an object,
 * checking nested ones point at their parent.
 */
function ownedChildren(
  nested: readonly Element[],
  localName: 'Classification' | 'ExternalIdentifier',
  topLevel: readonly Element[],
  id: string,
  where: string,
  issues: Issues,
): readonly Element[] {
  const ref = localName === 'Classification' ? 'classifiedObject' : 'registryObject';
  for (const n of nested) {
    const target = attr(n, ref);
    if (target !== undefined && target !== id)
      issues.add(`${localName} ${attr(n, 'id') ?? ''} inside ${id} has ${ref}=${target}`, where);
  }
  if (topLevel.length === 0) return nested;
  if (nested.length === 0) return topLevel;
  return [...nested, ...topLevel];
}

interface ExternalIdSpec {
  readonly scheme: string;
  readonly field: string;
}

/** Specs by their scheme, built once per object kind (each scheme is listed once). */
function byScheme<T extends { readonly scheme: string }>(specs: readonly T[]): ReadonlyMap<string, T> {
  return new Map(specs.map((s) => [s.scheme, s]));
}

/** ExternalIdentifiers by scheme (ITI TF-3 4.2.3.1.3): value required, each scheme at most once. */
function readExternalIds(
  els: readonly Element[],
  specs: ReadonlyMap<string, ExternalIdSpec>,
  where: string,
  issues: Issues,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of els) {
    const scheme = attr(e, 'identificationScheme');
    const spec = scheme === undefined ? undefined : specs.get(scheme);
    if (!spec) {
      issues.add(
        `ExternalIdentifier with unknown identificationScheme ${scheme ?? '(none)'}`,
        `${where}.ExternalIdentifier[${attr(e, 'id') ?? ''}]`,
      );
      continue;
    }
    const loc = `${where}.${spec.field}`;
    const value = attr(e, 'value');
    if (value === undefined) {
      issues.add('ExternalIdentifier without value', loc);
      continue;
    }
    if (out.has(spec.field)) {
      issues.add(`More than one ExternalIdentifier for ${spec.field}`, loc);
      continue;
    }
    out.set(spec.field, value);
  }
  return out;
}

interface CodeSpec {
  readonly scheme: string;
  readonly field: string;
  readonly multiple: boolean;
}

interface ClassifiedParts {
  readonly authors: Author[];
  readonly codes: Map<string, Code[]>;
  readonly nodes: Set<string>;
}

/** Classifications of an object: authors, coded attributes, classification nodes. */
function readClassifications(
  els: readonly Element[],
  authorScheme: string | undefined,
  codes: ReadonlyMap<string, CodeSpec>,
  nodes: ReadonlySet<string>,
  where: string,
  issues: Issues,
): ClassifiedParts {
  const out: ClassifiedParts = { authors: [], codes: new Map(), nodes: new Set() };
  for (const c of els) {
    const scheme = attr(c, 'classificationScheme');
    const node = attr(c, 'classificationNode');
    if (scheme === undefined) {
      if (node !== undefined && nodes.has(node)) out.nodes.add(node);
      else
        issues.add(
          node === undefined
            ? `Classification ${attr(c, 'id') ?? ''} has neither classificationScheme nor classificationNode`
            : `Classification with unexpected classificationNode ${node}`,
          `${where}.Classification[${attr(c, 'id') ?? ''}]`,
        );
      continue;
    }
    if (scheme === authorScheme) {
      out.authors.push(readAuthor(c, `${where}.author`, issues));
      continue;
    }
    const spec = codes.get(scheme);
    if (!spec) {
      issues.add(
        `Classification with unknown classificationScheme ${scheme}`,
        `${where}.Classification[${attr(c, 'id') ?? ''}]`,
      );
      continue;
    }
    const loc = `${where}.${spec.field}`;
    const code = readCode(c, loc, issues);
    if (!code) continue;
    const list = out.codes.get(spec.field);
    if (list === undefined) out.codes.set(spec.field, [code]);
    else if (!spec.multiple) issues.add(`More than one Classification for ${spec.field}`, loc);
    else list.push(code);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// DocumentEntry

const DE_CODES = byScheme<CodeSpec>([
  { scheme: DOCUMENT_ENTRY.classCode, field: 'classCode', multiple: false },
  { scheme: DOCUMENT_ENTRY.confidentialityCode, field: 'confidentialityCode', multiple: true },
  { scheme: DOCUMENT_ENTRY.eventCodeList, field: 'eventCodeList', multiple: true },
  { scheme: DOCUMENT_ENTRY.formatCode, field: 'formatCode', multiple: false },
  {
    scheme: DOCUMENT_ENTRY.healthcareFacilityTypeCode,
    field: 'healthcareFacilityTypeCode',
    multiple: false,
  },
  { scheme: DOCUMENT_ENTRY.practiceSettingCode, field: 'practiceSettingCode', multiple: false },
  { scheme: DOCUMENT_ENTRY.typeCode, field: 'typeCode', multiple: false },
]);

const DE_IDS = byScheme<ExternalIdSpec>([
  { scheme: DOCUMENT_ENTRY.patientId, field: 'patientId' },
  { scheme: DOCUMENT_ENTRY.uniqueId, field: 'uniqueId' },
]);

const DE_NODES: ReadonlySet<string> = new Set([DOCUMENT_ENTRY.limitedMetadata]);

const DE_SLOTS = new Set<string>([
  SLOT.creationTime,
  SLOT.hash,
  SLOT.languageCode,
  SLOT.legalAuthenticator,
  SLOT.repositoryUniqueId,
  SLOT.serviceStartTime,
  SLOT.serviceStopTime,
  SLOT.size,
  SLOT.sourcePatientId,
  SLOT.sourcePatientInfo,
  SLOT.URI,
  SLOT.referenceIdList,
  SLOT.documentAvailability,
]);

const AVAILABILITY_BY_URN = new Map<string, DocumentAvailability>(
  Object.entries(DOCUMENT_AVAILABILITY).map(([k, v]) => [v, k as DocumentAvailability]),
);

function readDocumentEntry(
  el: Element,
  topClassifications: readonly Element[],
  topExternalIds: readonly Element[],
  issues: Issues,
): DocumentEntry | undefined {
  const id = attr(el, 'id');
  if (id === undefined || id === '') {
    issues.add('ExtrinsicObject without id', 'DocumentEntry');
    return undefined;
  }
  const where = `DocumentEntry[${id}]`;
  const ot = attr(el, 'objectType');
  const objectType =
    ot === DOCUMENT_ENTRY.stableObjectType
      ? 'stable'
      : ot === DOCUMENT_ENTRY.onDemandObjectType
        ? 'on-demand'
        : undefined;
  if (!objectType) {
    issues.add(
      ot === undefined
        ? 'ExtrinsicObject without objectType'
        : `ExtrinsicObject with unknown objectType ${ot}; expected a Stable or On-Demand DocumentEntry`,
      `${where}.objectType`,
    );
    return undefined;
  }
  const parts = partsOf(el);
  const slots = readSlots(parts.slots, where, issues);
  const cls = readClassifications(
    ownedChildren(parts.classifications, 'Classification', topClassifications, id, where, issues),
    DOCUMENT_ENTRY.author,
    DE_CODES,
    DE_NODES,
    where,
    issues,
  );
  const ids = readExternalIds(
    ownedChildren(parts.externalIds, 'ExternalIdentifier', topExternalIds, id, where, issues),
    DE_IDS,
    where,
    issues,
  );

  const de: Mutable<DocumentEntry> = {
    entryUUID: id,
    objectType,
    authors: cls.authors,
    confidentialityCodes: cls.codes.get('confidentialityCode') ?? [],
    eventCodeList: cls.codes.get('eventCodeList') ?? [],
    limitedMetadata: cls.nodes.has(DOCUMENT_ENTRY.limitedMetadata),
    referenceIdList: (slots.get(SLOT.referenceIdList) ?? []).map(parseCx),
    sourcePatientInfo: slots.get(SLOT.sourcePatientInfo) ?? [],
    extraSlots: extraSlots(slots, DE_SLOTS, where, issues),
  };
  const status = readStatus(el, where, issues);
  if (status) de.availabilityStatus = status;
  withHome(de, el);
  // Optional attributes in the model's order; each read (and its issues) in that order too.
  const classCode = cls.codes.get('classCode')?.[0];
  if (classCode !== undefined) de.classCode = classCode;
  const comments = localized(parts.description, 'Description', `${where}.comments`, issues);
  if (comments !== undefined) de.comments = comments;
  const creationTime = single(slots, SLOT.creationTime, where, issues);
  if (creationTime !== undefined) de.creationTime = creationTime;
  const formatCode = cls.codes.get('formatCode')?.[0];
  if (formatCode !== undefined) de.formatCode = formatCode;
  const hash = single(slots, SLOT.hash, where, issues);
  if (hash !== undefined) de.hash = hash;
  const facility = cls.codes.get('healthcareFacilityTypeCode')?.[0];
  if (facility !== undefined) de.healthcareFacilityTypeCode = facility;
  const languageCode = single(slots, SLOT.languageCode, where, issues);
  if (languageCode !== undefined) de.languageCode = languageCode;
  const la = single(slots, SLOT.legalAuthenticator, where, issues);
  if (la !== undefined) de.legalAuthenticator = parseXcn(la);
  const lid = attr(el, 'lid');
  if (lid !== undefined) de.logicalID = lid;
  const mimeType = attr(el, 'mimeType');
  if (mimeType !== undefined) de.mimeType = mimeType;
  const pid = ids.get('patientId');
  if (pid !== undefined) de.patientId = parseCx(pid);
  const practice = cls.codes.get('practiceSettingCode')?.[0];
  if (practice !== undefined) de.practiceSettingCode = practice;
  const repositoryUniqueId = single(slots, SLOT.repositoryUniqueId, where, issues);
  if (repositoryUniqueId !== undefined) de.repositoryUniqueId = repositoryUniqueId;
  const start = single(slots, SLOT.serviceStartTime, where, issues);
  if (start !== undefined) de.serviceStartTime = start;
  const stop = single(slots, SLOT.serviceStopTime, where, issues);
  if (stop !== undefined) de.serviceStopTime = stop;
  const size = single(slots, SLOT.size, where, issues);
  if (size !== undefined) de.size = size;
  const spid = single(slots, SLOT.sourcePatientId, where, issues);
  if (spid !== undefined) de.sourcePatientId = parseCx(spid);
  const title = localized(parts.name, 'Name', `${where}.title`, issues);
  if (title !== undefined) de.title = title;
  const typeCode = cls.codes.get('typeCode')?.[0];
  if (typeCode !== undefined) de.typeCode = typeCode;
  const uniqueId = ids.get('uniqueId');
  if (uniqueId !== undefined) de.uniqueId = uniqueId;
  const uri = readUri(slots.get(SLOT.URI), `${where}.URI`, issues);
  if (uri !== undefined) de.URI = uri;
  const version = readVersion(parts);
  if (version !== undefined) de.version = version;
  const avail = single(slots, SLOT.documentAvailability, where, issues);
  if (avail !== undefined) {
    const a = AVAILABILITY_BY_URN.get(avail);
    if (a) de.documentAvailability = a;
    else issues.add(`Unknown documentAvailability ${avail}`, `${where}.documentAvailability`);
  }
  return de;
}

/**
 * URI (ITI TF-3 4.2.3.2.26): one value, or, for URIs longer than a slot value allows, several
 * values `n|part` to be concatenated in order of n.
 */
function readUri(values: string[] | undefined, where: string, issues: Issues): string | undefined {
  if (values === undefined) return undefined;
  if (values.length === 1) return values[0];
  const parts: { n: number; part: string }[] = [];
  for (const v of values) {
    const m = /^(\d+)\|(.*)$/s.exec(v);
    if (!m) {
      issues.add('A URI split over several values must have the form n|part in each value', where);
      return undefined;
    }
    parts.push({ n: Number(m[1]), part: m[2] ?? '' });
  }
  if (parts.length === 0) {
    issues.add('URI slot without value', where);
    return undefined;
  }
  parts.sort((a, b) => a.n - b.n);
  return parts.map((p) => p.part).join('');
}

// ---------------------------------------------------------------------------------------------
// SubmissionSet and Folder (rim:RegistryPackage)

const SS_CODES = byScheme<CodeSpec>([
  { scheme: SUBMISSION_SET.contentTypeCode, field: 'contentTypeCode', multiple: false },
]);
const SS_IDS = byScheme<ExternalIdSpec>([
  { scheme: SUBMISSION_SET.patientId, field: 'patientId' },
  { scheme: SUBMISSION_SET.sourceId, field: 'sourceId' },
  { scheme: SUBMISSION_SET.uniqueId, field: 'uniqueId' },
]);
const SS_SLOTS = new Set<string>([SLOT.submissionTime, SLOT.intendedRecipient]);
const SS_NODES: ReadonlySet<string> = new Set([
  SUBMISSION_SET.classificationNode,
  SUBMISSION_SET.limitedMetadata,
]);

const FOLDER_CODES = byScheme<CodeSpec>([{ scheme: FOLDER.codeList, field: 'codeList', multiple: true }]);
const FOLDER_IDS = byScheme<ExternalIdSpec>([
  { scheme: FOLDER.patientId, field: 'patientId' },
  { scheme: FOLDER.uniqueId, field: 'uniqueId' },
]);
const FOLDER_SLOTS = new Set<string>([SLOT.lastUpdateTime]);
const FOLDER_NODES: ReadonlySet<string> = new Set([FOLDER.classificationNode, FOLDER.limitedMetadata]);

/** The classificationNode of a Classification that has no classificationScheme. */
function nodeOf(c: Element): string | undefined {
  return attr(c, 'classificationScheme') === undefined ? attr(c, 'classificationNode') : undefined;
}

type PackageResult = { kind: 'SubmissionSet'; value: SubmissionSet } | { kind: 'Folder'; value: Folder };

function readRegistryPackage(
  el: Element,
  topClassifications: readonly Element[],
  topExternalIds: readonly Element[],
  issues: Issues,
): PackageResult | undefined {
  const id = attr(el, 'id');
  if (id === undefined || id === '') {
    issues.add('RegistryPackage without id', 'RegistryPackage');
    return undefined;
  }
  const parts = partsOf(el);
  const classifications = ownedChildren(
    parts.classifications,
    'Classification',
    topClassifications,
    id,
    `RegistryPackage[${id}]`,
    issues,
  );
  let isSs = false;
  let isFolder = false;
  for (const c of classifications) {
    const node = nodeOf(c);
    if (node === SUBMISSION_SET.classificationNode) isSs = true;
    else if (node === FOLDER.classificationNode) isFolder = true;
  }
  if (isSs === isFolder) {
    issues.add(
      isSs
        ? 'RegistryPackage classified as both SubmissionSet and Folder'
        : 'RegistryPackage classified as neither SubmissionSet nor Folder',
      `RegistryPackage[${id}]`,
    );
    return undefined;
  }
  const kind = isSs ? 'SubmissionSet' : 'Folder';
  const where = `${kind}[${id}]`;
  const slots = readSlots(parts.slots, where, issues);
  const externalIds = ownedChildren(
    parts.externalIds,
    'ExternalIdentifier',
    topExternalIds,
    id,
    where,
    issues,
  );
  const status = readStatus(el, where, issues);

  if (isSs) {
    const cls = readClassifications(
      classifications,
      SUBMISSION_SET.author,
      SS_CODES,
      SS_NODES,
      where,
      issues,
    );
    const ids = readExternalIds(externalIds, SS_IDS, where, issues);
    const ss: Mutable<SubmissionSet> = {
      entryUUID: id,
      authors: cls.authors,
      intendedRecipients: slots.get(SLOT.intendedRecipient) ?? [],
      limitedMetadata: cls.nodes.has(SUBMISSION_SET.limitedMetadata),
      extraSlots: extraSlots(slots, SS_SLOTS, where, issues),
    };
    if (status) ss.availabilityStatus = status;
    withHome(ss, el);
    const comments = localized(parts.description, 'Description', `${where}.comments`, issues);
    if (comments !== undefined) ss.comments = comments;
    const contentTypeCode = cls.codes.get('contentTypeCode')?.[0];
    if (contentTypeCode !== undefined) ss.contentTypeCode = contentTypeCode;
    const pid = ids.get('patientId');
    if (pid !== undefined) ss.patientId = parseCx(pid);
    const sourceId = ids.get('sourceId');
    if (sourceId !== undefined) ss.sourceId = sourceId;
    const submissionTime = single(slots, SLOT.submissionTime, where, issues);
    if (submissionTime !== undefined) ss.submissionTime = submissionTime;
    const title = localized(parts.name, 'Name', `${where}.title`, issues);
    if (title !== undefined) ss.title = title;
    const uniqueId = ids.get('uniqueId');
    if (uniqueId !== undefined) ss.uniqueId = uniqueId;
    const lid = attr(el, 'lid');
    if (lid !== undefined) ss.logicalID = lid;
    const version = readVersion(parts);
    if (version !== undefined) ss.version = version;
    return { kind: 'SubmissionSet', value: ss };
  }

  const cls = readClassifications(classifications, undefined, FOLDER_CODES, FOLDER_NODES, where, issues);
  const ids = readExternalIds(externalIds, FOLDER_IDS, where, issues);
  const folder: Mutable<Folder> = {
    entryUUID: id,
    codeList: cls.codes.get('codeList') ?? [],
    limitedMetadata: cls.nodes.has(FOLDER.limitedMetadata),
    extraSlots: extraSlots(slots, FOLDER_SLOTS, where, issues),
  };
  if (status) folder.availabilityStatus = status;
  withHome(folder, el);
  const comments = localized(parts.description, 'Description', `${where}.comments`, issues);
  if (comments !== undefined) folder.comments = comments;
  const lastUpdateTime = single(slots, SLOT.lastUpdateTime, where, issues);
  if (lastUpdateTime !== undefined) folder.lastUpdateTime = lastUpdateTime;
  const lid = attr(el, 'lid');
  if (lid !== undefined) folder.logicalID = lid;
  const pid = ids.get('patientId');
  if (pid !== undefined) folder.patientId = parseCx(pid);
  const title = localized(parts.name, 'Name', `${where}.title`, issues);
  if (title !== undefined) folder.title = title;
  const uniqueId = ids.get('uniqueId');
  if (uniqueId !== undefined) folder.uniqueId = uniqueId;
  const version = readVersion(parts);
  if (version !== undefined) folder.version = version;
  return { kind: 'Folder', value: folder };
}

// ---------------------------------------------------------------------------------------------
// Association

const ASSOCIATION_TYPE_BY_URN = new Map<string, AssociationType>(
  Object.entries(ASSOCIATION_TYPE_URNS).map(([k, v]) => [v, k as AssociationType]),
);

const ASSOCIATION_SLOTS = new Set<string>([
  SLOT.SubmissionSetStatus,
  SLOT.PreviousVersion,
  SLOT.OriginalStatus,
  SLOT.NewStatus,
  SLOT.AssociationPropagation,
]);

const ASSOCIATION_CODES = byScheme<CodeSpec>([
  { scheme: ASSOCIATION_DOCUMENTATION_SCHEME, field: 'documentation', multiple: false },
]);
const NO_NODES: ReadonlySet<string> = new Set();

function readAssociation(
  el: Element,
  topClassifications: readonly Element[],
  issues: Issues,
): Association | undefined {
  const id = attr(el, 'id');
  if (id === undefined || id === '') {
    issues.add('Association without id', 'Association');
    return undefined;
  }
  const where = `Association[${id}]`;
  const typeUrn = attr(el, 'associationType');
  const associationType = typeUrn === undefined ? undefined : ASSOCIATION_TYPE_BY_URN.get(typeUrn);
  const sourceObject = attr(el, 'sourceObject');
  const targetObject = attr(el, 'targetObject');
  let ok = true;
  if (!associationType) {
    issues.add(
      typeUrn === undefined ? 'Association without associationType' : `Unknown associationType ${typeUrn}`,
      `${where}.associationType`,
    );
    ok = false;
  }
  if (sourceObject === undefined || sourceObject === '') {
    issues.add('Association without sourceObject', `${where}.sourceObject`);
    ok = false;
  }
  if (targetObject === undefined || targetObject === '') {
    issues.add('Association without targetObject', `${where}.targetObject`);
    ok = false;
  }
  const parts = partsOf(el);
  const slots = readSlots(parts.slots, where, issues);
  const cls = readClassifications(
    ownedChildren(parts.classifications, 'Classification', topClassifications, id, where, issues),
    undefined,
    ASSOCIATION_CODES,
    NO_NODES,
    where,
    issues,
  );
  if (parts.externalIds.length > 0) issues.add('ExternalIdentifier on an Association', where);
  if (!ok || !associationType || sourceObject === undefined || targetObject === undefined) return undefined;

  const a: Mutable<Association> = {
    entryUUID: id,
    associationType,
    sourceObject,
    targetObject,
    extraSlots: extraSlots(slots, ASSOCIATION_SLOTS, where, issues),
  };
  const status = readStatus(el, where, issues);
  if (status) a.availabilityStatus = status;
  withHome(a, el);
  const sss = single(slots, SLOT.SubmissionSetStatus, where, issues);
  if (sss !== undefined) {
    if (sss === 'Original' || sss === 'Reference') a.submissionSetStatus = sss;
    else
      issues.add(
        `SubmissionSetStatus must be Original or Reference, is ${sss}`,
        `${where}.SubmissionSetStatus`,
      );
  }
  const pv = single(slots, SLOT.PreviousVersion, where, issues);
  if (pv !== undefined) a.previousVersion = pv;
  const os = single(slots, SLOT.OriginalStatus, where, issues);
  if (os !== undefined) a.originalStatus = os;
  const ns = single(slots, SLOT.NewStatus, where, issues);
  if (ns !== undefined) a.newStatus = ns;
  const ap = single(slots, SLOT.AssociationPropagation, where, issues);
  if (ap !== undefined) a.associationPropagation = ap;
  const doc = cls.codes.get('documentation')?.[0];
  if (doc) a.documentation = doc;
  return a;
}
