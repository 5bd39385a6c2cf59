// A header block (RFC 5322 §2.2) located in a Buffer: each field's name and
// byte offsets, so BODY[HEADER.FIELDS] can copy fields with their original
// folding, and field values as strings only when asked for. Works on the
// octets with indexOf; only the values that are read become strings.
import { isUtf8 } from 'node:buffer';

export interface HeaderField {
  /** Lower-cased field name (empty for a line without a colon). */
  readonly name: string;
  readonly start: number;
  /** After the colon and the whitespace that follows it. */
  readonly valueStart: number;
  /** After the field's last line ending. */
  readonly end: number;
}

export interface Header {
  readonly buf: Buffer;
  readonly start: number;
  /** End of the last field (the blank line, when there is one, starts here). */
  readonly end: number;
  /** Where the body starts: after the blank line, or the limit when the header has none. */
  readonly bodyStart: number;
  readonly fields: readonly HeaderField[];
  /** Whether 8-bit octets in the block are UTF-8 (else they are read as Latin-1, which is lossless). */
  readonly utf8: boolean;
}

/** At most this many fields are indexed per header block; the rest still belong to the header. */
const MAX_FIELDS = 2000;

/** Parses the header block starting at `start`, not looking past `limit`. */
export function parseHeader(buf: Buffer, start: number, limit: number): Header {
  const fields: HeaderField[] = [];
  let pos = start;
  let end = limit;
  let bodyStart = limit;
  while (pos < limit) {
    const c = buf[pos];
    if (c === 10 || (c === 13 && pos + 1 < limit && buf[pos + 1] === 10)) {
      end = pos;
      bodyStart = pos + (c === 10 ? 1 : 2);
      break;
    }
    // A field runs to the first line ending not followed by SP or HTAB (RFC 5322 §2.2.3).
    let e = pos;
    for (;;) {
      const nl = buf.indexOf(10, e);
      if (nl < 0 || nl >= limit) {
        e = limit;
        break;
      }
      e = nl + 1;
      if (e >= limit || (buf[e] !== 32 && buf[e] !== 9)) break;
    }
    if (fields.length < MAX_FIELDS) fields.push(fieldAt(buf, pos, e));
    pos = e;
  }
  return { buf, start, end, bodyStart, fields, utf8: isUtf8(buf.subarray(start, end)) };
}

function fieldAt(buf: Buffer, start: number, end: number): HeaderField {
  let colon = buf.indexOf(58, start);
  if (colon < 0 || colon >= end) return { name: '', start, valueStart: end, end };
  let n = colon;
  while (n > start && (buf[n - 1] === 32 || buf[n - 1] === 9)) n--;
  const name = buf.toString('latin1', start, n).toLowerCase();
  colon++;
  while (colon < end && (buf[colon] === 32 || buf[colon] === 9)) colon++;
  return { name, start, valueStart: colon, end };
}

/** The field's value as written: folding kept, the final line ending dropped. */
export function rawValue(h: Header, f: HeaderField): string {
  let e = f.end;
  if (e > f.valueStart && h.buf[e - 1] === 10) e--;
  if (e > f.valueStart && h.buf[e - 1] === 13) e--;
  return valueText(h, f.valueStart, e);
}

/** Header octets as text; NUL, which no IMAP string may carry (RFC 3501 §9 CHAR8), becomes U+FFFD. */
export function valueText(h: Header, start: number, end: number): string {
  const s = h.buf.toString(h.utf8 ? 'utf8' : 'latin1', start, end);
  return s.indexOf('\0') < 0 ? s : s.replace(/\0/g, '\uFFFD');
}

/** The raw value of the first field called `name` (lower case), undefined when absent. */
export function firstValue(h: Header, name: string): string | undefined {
  for (const f of h.fields) if (f.name === name) return rawValue(h, f);
  return undefined;
}

/** Removes line endings (unfolding, RFC 5322 §2.2.3): the whitespace after them stays. */
export function unfold(s: string): string {
  return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 ? s : s.replace(/\r?\n|\r/g, '');
}
