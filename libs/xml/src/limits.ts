/** Limits and the error of the hardened parser (see parse.ts). */

/** Limits applied to every parse. All are checked while reading, never after. */
export interface XmlLimits {
  /** Maximum input size in bytes (the UTF-8 size of a string input). */
  readonly maxBytes: number;
  /** Maximum element nesting depth (the root element is at depth 1). */
  readonly maxDepth: number;
  /**
   * Maximum number of elements. Comments, processing instructions and CDATA sections count
   * too, so markup other than elements cannot be used to build an unbounded DOM.
   */
  readonly maxElements: number;
  /** Maximum number of attributes (namespace declarations included) on one element. */
  readonly maxAttributes: number;
}

/**
 * Defaults sized for the largest legitimate exchange messages with room to spare: 20 MB
 * covers ITI-41 with inline documents; 250,000 elements cover about 20 MB of ebRIM metadata
 * (some 2,000 DocumentEntries). The element limit is what bounds memory: an xmldom DOM costs
 * roughly 600-800 bytes per node, so the worst case is a few hundred MB, not the gigabytes a
 * 20 MB document of empty elements would otherwise build. Endpoints that need more say so.
 */
export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxDepth: 256,
  maxElements: 250_000,
  maxAttributes: 256,
});

/** Why input was refused. Transports map all of them to the actor's "malformed request" error. */
export type XmlErrorReason =
  | 'doctype'
  | 'entity'
  | 'encoding'
  | 'too-large'
  | 'too-deep'
  | 'too-many-elements'
  | 'too-many-attributes'
  | 'malformed'
  | 'no-root'
  | 'multiple-roots';

/** Raised for input refused by the hardened parser. Carries no document content. */
export class XmlError extends Error {
  override readonly name = 'XmlError';
  constructor(
    readonly reason: XmlErrorReason,
    message: string,
    /** Position of the error in the decoded text as the tokenizer counts it (line 1-based), when known. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? message : `${message} (line ${line}, column ${column ?? 0})`);
  }
}
