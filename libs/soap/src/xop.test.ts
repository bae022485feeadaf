import { NS, child, parseXml } from '@mesh/xml';
import { describe, expect, it } from 'vitest';
import type { Attachment } from './attachment.js';
import { cidHref, xopInclude } from './mtom.js';
import { binaryContent, resolveInclude } from './xop.js';

const att = (contentId: string): Attachment =>
  ({
    contentId,
    contentType: 'text/xml',
    size: 1,
    sha1: 'x',
    path: undefined,
    claimed: false,
  }) as unknown as Attachment;

function doc(inner: string): Element {
  return parseXml(`<ihe:Document xmlns:ihe="${NS.xdsb}">${inner}</ihe:Document>`).documentElement;
}

describe('XOP includes', () => {
  it('percent-encodes Content-IDs in cid: URLs and decodes them when resolving (RFC 2392)', () => {
    expect(cidHref('doc 1/ä@mesh')).toBe('cid:doc%201%2F%C3%A4@mesh');
    const a = att('doc 1/ä@mesh');
    const map = new Map([[a.contentId, a]]);
    const el = doc(xopInclude('doc 1/ä@mesh'));
    expect(resolveInclude(el, map)).toBe(a);
    expect(resolveInclude(child(el, NS.xop, 'Include')!, map)).toBe(a);
  });

  it('returns undefined for an include naming no part, a non-cid href or a bad escape', () => {
    const map = new Map([['a@x', att('a@x')]]);
    expect(resolveInclude(doc(xopInclude('b@x')), map)).toBeUndefined();
    expect(
      resolveInclude(doc(`<xop:Include xmlns:xop="${NS.xop}" href="http://a@x"/>`), map),
    ).toBeUndefined();
    expect(
      resolveInclude(doc(`<xop:Include xmlns:xop="${NS.xop}" href="cid:%E0%A4%A"/>`), map),
    ).toBeUndefined();
    expect(binaryContent(doc(xopInclude('b@x')), map)).toBeUndefined();
  });

  it('reads binary content either from the attachment or from inline base64', () => {
    const a = att('a@x');
    const map = new Map([['a@x', a]]);
    expect(binaryContent(doc(xopInclude('a@x')), map)).toEqual({ kind: 'attachment', attachment: a });
    const inline = binaryContent(doc('PD94bWwg\n dmVyc2lvbj0iMS4wIj8+'), map);
    expect(inline?.kind).toBe('inline');
    expect(inline?.kind === 'inline' && inline.bytes.toString('utf8')).toBe('<?xml version="1.0"?>');
  });
});
