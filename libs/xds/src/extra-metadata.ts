/**
 * Extra metadata (ITI TF-3 4.2.3.1.7): slots not defined by XDS, named by URNs outside
 * `urn:ihe:`. A registry that does not save them still registers the submission and answers
 * XDSExtraMetadataNotSaved (a warning); one that saves them returns them in LeafClass.
 */
import type { Author, RegistryObjects, Slot } from './model.js';

/** One extra slot and where it sits, e.g. `DocumentEntry[Document01].urn:lu:esante:episode`. */
export interface ExtraSlotAt {
  readonly location: string;
  readonly slot: Slot;
}

/** Every extra slot of the objects (authors' included), in object order. */
export function extraSlotsOf(
  objects: Pick<RegistryObjects, 'submissionSets' | 'documentEntries' | 'folders' | 'associations'>,
): ExtraSlotAt[] {
  const out: ExtraSlotAt[] = [];
  const add = (where: string, slots: readonly Slot[], authors: readonly Author[] = []): void => {
    for (const slot of slots) out.push({ location: `${where}.${slot.name}`, slot });
    for (const a of authors)
      for (const slot of a.extraSlots) out.push({ location: `${where}.author.${slot.name}`, slot });
  };
  for (const o of objects.submissionSets) add(`SubmissionSet[${o.entryUUID}]`, o.extraSlots, o.authors);
  for (const o of objects.documentEntries) add(`DocumentEntry[${o.entryUUID}]`, o.extraSlots, o.authors);
  for (const o of objects.folders) add(`Folder[${o.entryUUID}]`, o.extraSlots);
  for (const o of objects.associations) add(`Association[${o.entryUUID}]`, o.extraSlots);
  return out;
}
