/**
 * Reading malformed ebRIM: each test takes the valid fixture as XML, breaks one thing, and
 * expects XDSRegistryMetadataError at a precise location, without an exception.
 */
import { NS, parseXml, select } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import { readRegistryObjectList, readSubmitObjectsRequest } from './ebrim-read.js';
import { writeSubmitObjectsRequest } from './ebrim-write.js';
import { counterIds, validSubmission } from './fixture.test-support.js';

const CLASS_CODE = 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a';
const DE_PATIENT_ID = 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427';
const EO = '//rim:ExtrinsicObject[@id="Document01"]';

/** The valid fixture as a DOM, after `change`. */
function broken(change: (doc: Document) => void): Document {
  const doc = parseXml(writeSubmitObjectsRequest(validSubmission(), { newId: counterIds() }));
  one(doc, `${EO}/rim:Classification[@classificationScheme=$s]`, { s: CLASS_CODE }).setAttribute(
    'id',
    'clClass',
  );
  change(doc);
  return doc;
}

function one(doc: Document, xp: string, vars: Record<string, string> = {}): Element {
  const [el] = select(xp, doc, vars);
  if (!el) throw new Error(`fixture has no ${xp}`);
  return el as Element;
}

function remove(doc: Document, xp: string, vars: Record<string, string> = {}): void {
  const el = one(doc, xp, vars);
  el.parentNode!.removeChild(el);
}

/** Adds a rim:Slot with values to an element, before its first child. */
function addSlot(doc: Document, owner: Element, name: string, values: string[]): void {
  const s = doc.createElementNS(NS.rim, 'rim:Slot');
  s.setAttribute('name', name);
  const vl = doc.createElementNS(NS.rim, 'rim:ValueList');
  for (const v of values) {
    const e = doc.createElementNS(NS.rim, 'rim:Value');
    e.appendChild(doc.createTextNode(v));
    vl.appendChild(e);
  }
  s.appendChild(vl);
  owner.insertBefore(s, owner.firstChild);
}

const locations = (doc: Document) => {
  const r = readSubmitObjectsRequest(doc);
  for (const i of r.issues) expect(i.code).toBe('XDSRegistryMetadataError');
  return r.issues.map((i) => i.location);
};

describe('coded attributes', () => {
  const classCode = `${EO}/rim:Classification[@classificationScheme=$s]`;

  it('Classification without codingScheme slot', () => {
    const doc = broken((d) => remove(d, `${classCode}/rim:Slot[@name="codingScheme"]`, { s: CLASS_CODE }));
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([
      {
        code: 'XDSRegistryMetadataError',
        severity: 'Error',
        context: 'Classification without codingScheme slot',
        location: 'DocumentEntry[Document01].classCode',
      },
    ]);
    // The rest is still read, for the validator to add its own findings.
    expect(r.submission!.documentEntries[0]!.classCode).toBeUndefined();
    expect(r.submission!.documentEntries[0]!.typeCode).toBeDefined();
  });

  it('codingScheme slot with two values', () => {
    const doc = broken((d) => {
      const cl = one(d, classCode, { s: CLASS_CODE });
      remove(d, `${classCode}/rim:Slot[@name="codingScheme"]`, { s: CLASS_CODE });
      addSlot(d, cl, 'codingScheme', ['1.2.3', '1.2.4']);
    });
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].classCode']);
  });

  it('slots other than codingScheme on a coded Classification, with it or alone', () => {
    const contexts = (change: (d: Document, cl: Element) => void) =>
      readSubmitObjectsRequest(broken((d) => change(d, one(d, classCode, { s: CLASS_CODE })))).issues.map(
        (i) => [i.context, i.location],
      );
    const at = 'DocumentEntry[Document01].classCode';
    expect(contexts((d, cl) => addSlot(d, cl, 'urn:x:extra', ['1']))).toEqual([
      ['Slot urn:x:extra is not defined on a coded Classification', at],
    ]);
    expect(
      contexts((d, cl) => {
        remove(d, `${classCode}/rim:Slot[@name="codingScheme"]`, { s: CLASS_CODE });
        addSlot(d, cl, 'urn:x:extra', ['1']);
      }),
    ).toEqual([
      ['Classification without codingScheme slot', at],
      ['Slot urn:x:extra is not defined on a coded Classification', at],
    ]);
    expect(contexts((d, cl) => addSlot(d, cl, 'codingScheme', ['1.2.3']))).toEqual([
      ['Slot codingScheme appears more than once', `${at}.codingScheme`],
    ]);
    const unnamed = (d: Document, cl: Element) => {
      remove(d, `${classCode}/rim:Slot[@name="codingScheme"]`, { s: CLASS_CODE });
      addSlot(d, cl, 'x', ['1.2.3']);
      one(d, `${classCode}/rim:Slot[@name="x"]`, { s: CLASS_CODE }).removeAttribute('name');
    };
    expect(contexts(unnamed)).toEqual([
      ['Slot without name', at],
      ['Classification without codingScheme slot', at],
    ]);
    const empty = readSubmitObjectsRequest(
      broken((d) => {
        const vl = one(d, `${classCode}/rim:Slot[@name="codingScheme"]/rim:ValueList`, { s: CLASS_CODE });
        vl.parentNode!.removeChild(vl);
      }),
    );
    expect(empty.issues.map((i) => i.context)).toEqual([
      'codingScheme slot must have exactly one value, has 0',
    ]);
  });

  it('Classification without nodeRepresentation', () => {
    const doc = broken((d) => one(d, classCode, { s: CLASS_CODE }).removeAttribute('nodeRepresentation'));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].classCode']);
  });

  it('two classCodes', () => {
    const doc = broken((d) => {
      const cl = one(d, classCode, { s: CLASS_CODE });
      const copy = cl.cloneNode(true) as Element;
      copy.setAttribute('id', 'copy');
      cl.parentNode!.insertBefore(copy, cl);
    });
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].classCode']);
  });

  it('unknown classificationScheme', () => {
    const doc = broken((d) =>
      one(d, classCode, { s: CLASS_CODE }).setAttribute(
        'classificationScheme',
        'urn:uuid:00000000-0000-4000-8000-00000000beef',
      ),
    );
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].Classification[clClass]']);
  });

  it('Classification with neither scheme nor node', () => {
    const doc = broken((d) => one(d, classCode, { s: CLASS_CODE }).removeAttribute('classificationScheme'));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].Classification[clClass]']);
  });

  it('a nested Classification that classifies another object', () => {
    const doc = broken((d) => one(d, classCode, { s: CLASS_CODE }).setAttribute('classifiedObject', 'Other'));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01]']);
  });
});

describe('external identifiers', () => {
  const pid = `${EO}/rim:ExternalIdentifier[@identificationScheme=$s]`;

  it('ExternalIdentifier without value', () => {
    const doc = broken((d) => one(d, pid, { s: DE_PATIENT_ID }).removeAttribute('value'));
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toMatchObject([
      {
        code: 'XDSRegistryMetadataError',
        location: 'DocumentEntry[Document01].patientId',
        context: 'ExternalIdentifier without value',
      },
    ]);
    expect(r.submission!.documentEntries[0]!.patientId).toBeUndefined();
  });

  it('two patientIds', () => {
    const doc = broken((d) => {
      const ei = one(d, pid, { s: DE_PATIENT_ID });
      ei.parentNode!.appendChild(ei.cloneNode(true));
    });
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].patientId']);
  });

  it('an empty value is kept as sent (the validator judges it)', () => {
    const doc = broken((d) => one(d, pid, { s: DE_PATIENT_ID }).setAttribute('value', ''));
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([]);
    expect(r.submission!.documentEntries[0]!.patientId).toEqual({ raw: '', id: '' });
  });
});

describe('objects', () => {
  it('unknown objectType: the ExtrinsicObject is not a DocumentEntry', () => {
    const doc = broken((d) =>
      one(d, EO).setAttribute('objectType', 'urn:uuid:00000000-0000-4000-8000-00000000cafe'),
    );
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues.map((i) => i.location)).toEqual(['DocumentEntry[Document01].objectType']);
    expect(r.submission!.documentEntries).toEqual([]);
  });

  it('missing objectType', () => {
    const doc = broken((d) => one(d, EO).removeAttribute('objectType'));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].objectType']);
  });

  it('ExtrinsicObject without id', () => {
    const doc = broken((d) => one(d, EO).removeAttribute('id'));
    // Its nested parts still point at "Document01"; the object itself is reported once.
    expect(locations(doc)).toEqual(['DocumentEntry']);
  });

  it('unknown status', () => {
    const doc = broken((d) =>
      one(d, EO).setAttribute('status', 'urn:oasis:names:tc:ebxml-regrep:StatusType:Withdrawn'),
    );
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].availabilityStatus']);
  });

  it('RegistryPackage classified as neither SubmissionSet nor Folder', () => {
    const doc = broken((d) =>
      remove(d, '//rim:RegistryPackage[@id="Folder01"]/rim:Classification[@classificationNode]'),
    );
    expect(locations(doc)).toEqual(['RegistryPackage[Folder01]']);
  });

  it('no SubmissionSet: no submission, every object still read', () => {
    const doc = broken((d) =>
      remove(d, '//rim:RegistryPackage[@id="SubmissionSet01"]/rim:Classification[@classificationNode]'),
    );
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues.map((i) => i.location)).toEqual(['RegistryPackage[SubmissionSet01]', 'SubmissionSet']);
    expect(r.submission).toBeUndefined();
    expect(r.objects.documentEntries).toHaveLength(1);
  });

  it('two SubmissionSets', () => {
    const doc = broken((d) => {
      const ss = one(d, '//rim:RegistryPackage[@id="SubmissionSet01"]');
      const copy = ss.cloneNode(true) as Element;
      copy.setAttribute('id', 'SubmissionSet02');
      for (const c of select('.//*[@classifiedObject="SubmissionSet01"]', copy))
        (c as Element).setAttribute('classifiedObject', 'SubmissionSet02');
      for (const c of select('.//*[@registryObject="SubmissionSet01"]', copy))
        (c as Element).setAttribute('registryObject', 'SubmissionSet02');
      ss.parentNode!.appendChild(copy);
    });
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues.map((i) => i.location)).toEqual(['SubmissionSet']);
    expect(r.submission).toBeUndefined();
    expect(r.objects.submissionSets).toHaveLength(2);
  });

  it('not a SubmitObjectsRequest', () => {
    const r = readSubmitObjectsRequest(parseXml('<x:Other xmlns:x="urn:x"/>'));
    expect(r.issues.map((i) => i.location)).toEqual(['SubmitObjectsRequest']);
  });

  it('SubmitObjectsRequest without RegistryObjectList', () => {
    const r = readSubmitObjectsRequest(parseXml(`<lcm:SubmitObjectsRequest xmlns:lcm="${NS.lcm}"/>`));
    expect(r.issues.map((i) => i.location)).toEqual(['SubmitObjectsRequest']);
  });

  it('an element that is not a registry object', () => {
    const doc = broken((d) => {
      const list = one(d, '//rim:RegistryObjectList');
      list.appendChild(d.createElementNS(NS.rim, 'rim:ExternalLink'));
      list.appendChild(d.createElementNS('urn:other', 'o:Thing'));
    });
    expect(locations(doc)).toEqual(['RegistryObjectList', 'RegistryObjectList']);
  });
});

describe('slots', () => {
  it('single-valued slot with two values', () => {
    const doc = broken((d) => {
      remove(d, `${EO}/rim:Slot[@name="creationTime"]`);
      addSlot(d, one(d, EO), 'creationTime', ['20261125', '20261126']);
    });
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].creationTime']);
  });

  it('the same slot twice', () => {
    const doc = broken((d) => addSlot(d, one(d, EO), 'hash', ['0000']));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].hash']);
  });

  it('an extra metadata slot (URN outside urn:ihe:) is kept without issue', () => {
    const doc = broken((d) => addSlot(d, one(d, EO), 'urn:lu:esante:flag', ['x']));
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([]);
    expect(r.submission!.documentEntries[0]!.extraSlots).toEqual([
      { name: 'urn:lu:esante:flag', values: ['x'] },
    ]);
  });

  it('an undefined slot that is not a URN is an error, kept all the same', () => {
    const doc = broken((d) => addSlot(d, one(d, EO), 'documentStatus', ['x']));
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues.map((i) => i.location)).toEqual(['DocumentEntry[Document01].documentStatus']);
    expect(r.submission!.documentEntries[0]!.extraSlots).toEqual([{ name: 'documentStatus', values: ['x'] }]);
  });

  it('an undefined slot in the urn:ihe: space is an error', () => {
    const doc = broken((d) => addSlot(d, one(d, EO), 'urn:ihe:iti:xds:2099:invented', ['x']));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].urn:ihe:iti:xds:2099:invented']);
  });

  it('unknown documentAvailability', () => {
    const doc = broken((d) => addSlot(d, one(d, EO), 'documentAvailability', ['Online']));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].documentAvailability']);
  });

  it('a URI split over values n|part is joined in order (ITI TF-3 4.2.3.2.26)', () => {
    const doc = broken((d) => addSlot(d, one(d, EO), 'URI', ['2|/doc.xml', '1|http://example.lu']));
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([]);
    expect(r.submission!.documentEntries[0]!.URI).toBe('http://example.lu/doc.xml');
  });

  it('a URI over several values without n| prefixes', () => {
    const doc = broken((d) => addSlot(d, one(d, EO), 'URI', ['http://a', 'http://b']));
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].URI']);
  });

  it('a title with two LocalizedStrings', () => {
    const doc = broken((d) => {
      const name = one(d, `${EO}/rim:Name`);
      name.appendChild(name.firstChild!.cloneNode(true));
    });
    expect(locations(doc)).toEqual(['DocumentEntry[Document01].title']);
  });
});

describe('associations', () => {
  it('unknown associationType: the association is left out', () => {
    const doc = broken((d) =>
      one(d, '//rim:Association[@id="as01"]').setAttribute('associationType', 'urn:x:Related'),
    );
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues.map((i) => i.location)).toEqual(['Association[as01].associationType']);
    expect(r.submission!.associations.map((a) => a.entryUUID)).toEqual(['as02', 'as03', 'as04']);
  });

  it('missing sourceObject and targetObject', () => {
    const doc = broken((d) => {
      const a = one(d, '//rim:Association[@id="as01"]');
      a.removeAttribute('sourceObject');
      a.removeAttribute('targetObject');
    });
    expect(locations(doc)).toEqual(['Association[as01].sourceObject', 'Association[as01].targetObject']);
  });

  it('SubmissionSetStatus other than Original/Reference', () => {
    const doc = broken((d) => {
      remove(d, '//rim:Association[@id="as01"]/rim:Slot');
      addSlot(d, one(d, '//rim:Association[@id="as01"]'), 'SubmissionSetStatus', ['Copy']);
    });
    expect(locations(doc)).toEqual(['Association[as01].SubmissionSetStatus']);
  });
});

describe('top-level Classifications and ExternalIdentifiers (ebRIM allows them beside the object)', () => {
  it('attach to the object they name', () => {
    const doc = broken((d) => {
      const cl = one(d, `${EO}/rim:Classification[@classificationScheme=$s]`, { s: CLASS_CODE });
      const ei = one(d, `${EO}/rim:ExternalIdentifier[@identificationScheme=$s]`, { s: DE_PATIENT_ID });
      const list = one(d, '//rim:RegistryObjectList');
      list.appendChild(cl);
      list.appendChild(ei);
    });
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([]);
    expect(r.submission).toEqual(validSubmission());
  });

  it('naming an object not in the list is an error', () => {
    const doc = broken((d) => {
      const cl = one(d, `${EO}/rim:Classification[@classificationScheme=$s]`, { s: CLASS_CODE });
      cl.setAttribute('classifiedObject', 'Nowhere');
      one(d, '//rim:RegistryObjectList').appendChild(cl);
    });
    expect(locations(doc)).toEqual(['Classification[clClass]']);
  });
});

describe('query response lists', () => {
  it('reads ObjectRefs with home and any number of SubmissionSets', () => {
    const list = parseXml(
      `<rim:RegistryObjectList xmlns:rim="${NS.rim}"><rim:ObjectRef id="urn:uuid:3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d" home="urn:oid:1.2.3"/><rim:ObjectRef id="urn:uuid:4a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d" home=""/><rim:ObjectRef/></rim:RegistryObjectList>`,
    ).documentElement;
    const r = readRegistryObjectList(list);
    expect(r.objects.objectRefs).toEqual([
      { id: 'urn:uuid:3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d', homeCommunityId: 'urn:oid:1.2.3' },
      { id: 'urn:uuid:4a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d' },
    ]);
    expect(r.issues.map((i) => i.location)).toEqual(['ObjectRef']);
  });
});

describe("an object's children, read in one walk", () => {
  /** An element of another namespace (or an unknown rim one) before `ref`, or last. */
  function insert(doc: Document, parent: Element, ns: string, qname: string, ref: Node | null): Element {
    const el = doc.createElementNS(ns, qname);
    parent.insertBefore(el, ref);
    return el;
  }

  it('keeps document order of slots and classifications interleaved with other elements', () => {
    const doc = broken((d) => {
      const eo = one(d, EO);
      // Slots and eventCodeList Classifications after the Classifications, Names and foreign elements.
      addSlot(d, eo, 'urn:x:b', ['2']);
      addSlot(d, eo, 'urn:x:a', ['1']);
      const ev = select(`${EO}/rim:Classification[@classificationScheme=$s]`, d, {
        s: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
      }) as Element[];
      expect(ev).toHaveLength(2);
      eo.appendChild(ev[0]!); // I21 moves after I10
      insert(d, eo, 'urn:example:other', 'o:Slot', ev[1]!).setAttribute('name', 'urn:x:foreign');
      insert(d, eo, NS.rim, 'rim:Unknown', ev[1]!);
      eo.appendChild(d.createTextNode('  '));
      const late = d.createElementNS(NS.rim, 'rim:Slot');
      late.setAttribute('name', 'urn:x:c');
      eo.appendChild(late);
    });
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([]);
    const de = r.submission!.documentEntries[0]!;
    expect(de.extraSlots).toEqual([
      { name: 'urn:x:a', values: ['1'] },
      { name: 'urn:x:b', values: ['2'] },
      { name: 'urn:x:c', values: [] },
    ]);
    expect(de.eventCodeList.map((c) => c.code)).toEqual(['I10', 'I21']);
  });

  it('takes the first rim:Name and rim:Description, never one of another namespace', () => {
    const doc = broken((d) => {
      const eo = one(d, EO);
      const name = one(d, `${EO}/rim:Name`);
      const foreign = insert(d, eo, 'urn:example:other', 'o:Name', eo.firstChild);
      const ls = d.createElementNS(NS.rim, 'rim:LocalizedString');
      ls.setAttribute('value', 'not the title');
      foreign.appendChild(ls);
      const second = name.cloneNode(true) as Element;
      (second.firstChild as Element).setAttribute('value', 'second title');
      eo.appendChild(second);
      const desc = one(d, `${EO}/rim:Description`);
      const desc2 = desc.cloneNode(true) as Element;
      (desc2.firstChild as Element).setAttribute('value', 'second comment');
      eo.appendChild(desc2);
    });
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([]);
    const expected = validSubmission().documentEntries[0]!;
    expect(r.submission!.documentEntries[0]!.title).toEqual(expected.title);
    expect(r.submission!.documentEntries[0]!.comments).toEqual(expected.comments);
  });

  it('reads slot values and LocalizedStrings of the rim namespace only', () => {
    const doc = broken((d) => {
      const eo = one(d, EO);
      addSlot(d, eo, 'urn:x:v', ['1', '2']);
      const vl = one(d, `${EO}/rim:Slot[@name="urn:x:v"]/rim:ValueList`);
      const foreign = d.createElementNS('urn:example:other', 'o:Value');
      foreign.appendChild(d.createTextNode('not a value'));
      vl.insertBefore(foreign, vl.firstChild);
      const title = one(d, `${EO}/rim:Name`);
      const other = d.createElementNS('urn:example:other', 'o:LocalizedString');
      other.setAttribute('value', 'not the title');
      title.insertBefore(other, title.firstChild);
    });
    const r = readSubmitObjectsRequest(doc);
    expect(r.issues).toEqual([]);
    const de = r.submission!.documentEntries[0]!;
    expect(de.extraSlots).toEqual([{ name: 'urn:x:v', values: ['1', '2'] }]);
    expect(de.title).toEqual(validSubmission().documentEntries[0]!.title);
  });

  it('reads rim elements under another prefix or a repeated declaration of the namespace', () => {
    const xml = writeSubmitObjectsRequest(validSubmission(), { newId: counterIds() });
    const slot =
      /<rim:Slot name="creationTime"><rim:ValueList><rim:Value>(\d+)<\/rim:Value><\/rim:ValueList><\/rim:Slot>/;
    expect(xml).toMatch(slot);
    const changed = xml
      .replace(
        slot,
        `<rim:Slot name="creationTime"><v:ValueList xmlns:v="${NS.rim}"><v:Value>$1</v:Value></v:ValueList></rim:Slot>`,
      )
      .replace('<rim:Name>', `<rim:Name xmlns:rim="${NS.rim}">`);
    expect(changed).not.toBe(xml);
    const r = readSubmitObjectsRequest(parseXml(changed));
    expect(r.issues).toEqual([]);
    expect(r.submission).toEqual(readSubmitObjectsRequest(parseXml(xml)).submission);
    expect(r.submission!.documentEntries[0]!.creationTime).toBe(
      validSubmission().documentEntries[0]!.creationTime,
    );
  });

  it('matches attributes by their qualified name, xml:lang by its namespace', () => {
    const doc = broken((d) => {
      const eo = one(d, EO);
      eo.setAttributeNS('urn:example:other', 'o:lid', 'urn:uuid:ignored');
      const ls = one(d, `${EO}/rim:Name/rim:LocalizedString`);
      ls.setAttributeNS('urn:example:other', 'o:lang', 'xx');
      ls.setAttributeNS(NS.xml, 'xml:lang', 'de');
    });
    const de = readSubmitObjectsRequest(doc).submission!.documentEntries[0]!;
    expect(de.logicalID).toBeUndefined();
    expect(de.title?.lang).toBe('de');
  });

  it('reports the issues of nested and top-level Classifications in document order', () => {
    const doc = broken((d) => {
      const eo = one(d, EO);
      const list = eo.parentNode!;
      const top = one(d, `${EO}/rim:Classification[@id="clClass"]`).cloneNode(true) as Element;
      top.setAttribute('id', 'clTop');
      top.setAttribute('classifiedObject', 'Document01');
      list.appendChild(top);
      const nested = one(d, `${EO}/rim:Classification[@id="clClass"]`);
      nested.setAttribute('classifiedObject', 'Other');
      eo.appendChild(nested);
    });
    expect(locations(doc)).toEqual(['DocumentEntry[Document01]', 'DocumentEntry[Document01].classCode']);
  });
});
