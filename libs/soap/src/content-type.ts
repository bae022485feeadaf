/**
 * Media type parsing (RFC 9110 8.3.1): `type/subtype *( OWS ";" OWS name=value )` where a
 * value is a token or a quoted-string. SOAP 1.2 carries its action in a parameter
 * (RFC 3902), MTOM carries `type`, `start`, `start-info` and `boundary` (RFC 2387).
 */

/** A parsed media type: lower-cased `type/subtype` and lower-cased parameter names. */
export interface MediaType {
  readonly mediaType: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/** Parses a Content-Type value; returns undefined when it is not a media type at all. */
export function parseMediaType(value: string | undefined): MediaType | undefined {
  if (value === undefined) return undefined;
  const s = value;
  let i = 0;
  const skipWs = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TOKEN.test(s[i] as string)) i++;
    return s.slice(start, i);
  };
  skipWs();
  const type = readToken();
  if (type === '' || s[i] !== '/') return undefined;
  i++;
  const subtype = readToken();
  if (subtype === '') return undefined;
  const params: Record<string, string> = {};
  for (;;) {
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ';') return undefined;
    i++;
    skipWs();
    if (i >= s.length) break; // a trailing ';' is tolerated, as many stacks emit it
    const name = readToken().toLowerCase();
    if (name === '' || s[i] !== '=') return undefined;
    i++;
    let v: string;
    if (s[i] === '"') {
      i++;
      v = '';
      for (;;) {
        if (i >= s.length) return undefined;
        const c = s[i] as string;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\' && i + 1 < s.length) {
          v += s[i + 1];
          i += 2;
        } else {
          v += c;
          i++;
        }
      }
    } else {
      v = readToken();
    }
    // The first occurrence wins; a repeated parameter is ambiguous and ignored.
    if (!(name in params)) params[name] = v;
  }
  return { mediaType: `${type}/${subtype}`.toLowerCase(), params };
}

/** Quotes a parameter value as an RFC 9110 quoted-string. */
export function quote(v: string): string {
  return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Strips the angle brackets of a Content-ID / `start` value (RFC 2392 msg-id form). */
export function bareContentId(v: string): string {
  const t = v.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}
