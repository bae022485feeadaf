/**
 * HL7 v2 escape sequences (HL7 v2.5 2.7.1 "Escape sequences supporting delimiter characters",
 * 2.7.4 hexadecimal data). Values in the model are kept raw (escaped) so that a message
 * re-encodes byte for byte; these functions convert at the edges.
 */

/** The five delimiters of a message, from MSH-1 and MSH-2. */
export interface Delimiters {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
}

/** The HL7 recommended delimiters `|^~\&`. */
export const DEFAULT_DELIMITERS: Delimiters = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

/** Characters {@link escapeValue} rewrites under the default delimiters. */
const DEFAULT_SPECIAL = /[|^~\\&\r\n]/;

/** Escapes a plain value so that none of its characters is read as a delimiter. */
export function escapeValue(value: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  if (d === DEFAULT_DELIMITERS && !DEFAULT_SPECIAL.test(value)) return value;
  let out = '';
  for (const ch of value) {
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (ch === '\r') out += `${d.escape}X0D${d.escape}`;
    else if (ch === '\n') out += `${d.escape}X0A${d.escape}`;
    else out += ch;
  }
  return out;
}

/**
 * Unescapes a raw value. The delimiter escapes (\F\ \S\ \T\ \R\ \E\) and hexadecimal data
 * (\Xhh..\, bytes read as Latin-1 code points) are resolved; formatting escapes meant for
 * display (\H\ \N\ \.br\ \Z..\ and character-set switches) are kept verbatim, since the
 * mesh does not render text. A lone escape character without a closing one is kept.
 */
export function unescapeValue(raw: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  if (!raw.includes(d.escape)) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i] as string;
    if (ch !== d.escape) {
      out += ch;
      i++;
      continue;
    }
    const end = raw.indexOf(d.escape, i + 1);
    if (end < 0) {
      out += raw.slice(i);
      break;
    }
    const body = raw.slice(i + 1, end);
    switch (body) {
      case 'F':
        out += d.field;
        break;
      case 'S':
        out += d.component;
        break;
      case 'T':
        out += d.subcomponent;
        break;
      case 'R':
        out += d.repetition;
        break;
      case 'E':
        out += d.escape;
        break;
      default:
        if (/^X(?:[0-9A-Fa-f]{2})+$/.test(body)) {
          for (let k = 1; k < body.length; k += 2)
            out += String.fromCharCode(parseInt(body.slice(k, k + 2), 16));
        } else {
          out += raw.slice(i, end + 1);
        }
    }
    i = end + 1;
  }
  return out;
}
