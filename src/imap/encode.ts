// How values are written in IMAP responses (RFC 3501 §4): atoms, quoted
// strings, literals, NIL and parenthesised lists. Strings are JavaScript
// strings sent as UTF-8; a literal's length is its UTF-8 octet count. A string
// that a quoted string cannot carry (CR, LF, NUL, 8-bit, or long) is a literal.

const QUOTABLE = /^[\x01-\x09\x0b\x0c\x0e-\x7f]*$/;
const ATOM = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;
/** Longer strings go as literals: clients read those without unescaping. */
const MAX_QUOTED = 1024;

/** A string: quoted when it can be, else a literal. */
export function str(s: string): string {
  if (s.length <= MAX_QUOTED && QUOTABLE.test(s)) return `"${s.replace(/[\\"]/g, '\\$&')}"`;
  return `{${Buffer.byteLength(s)}}\r\n${s}`;
}

/** nstring: NIL for undefined/null, else a string. */
export function nstr(s: string | undefined | null): string {
  return s === undefined || s === null ? 'NIL' : str(s);
}

/** astring: an atom when the value is one (mailbox names, flags), else a string. */
export function astr(s: string): string {
  return s.length > 0 && s.length <= MAX_QUOTED && ATOM.test(s) ? s : str(s);
}

/** A parenthesised list of already encoded items; NIL for an empty list when `nilIfEmpty`. */
export function list(items: readonly string[], nilIfEmpty = false): string {
  return items.length === 0 && nilIfEmpty ? 'NIL' : `(${items.join(' ')})`;
}

/** A literal header of `n` octets (the octets themselves follow it). */
export function literalPrefix(n: number): string {
  return `{${n}}\r\n`;
}
