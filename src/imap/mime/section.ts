// BODY[section] (RFC 3501 §6.4.5): the octets of a part, its MIME header, or
// the HEADER / HEADER.FIELDS / HEADER.FIELDS.NOT / TEXT of the message or of
// a message/rfc822 part. A non-multipart message's body is part 1; a section
// that does not exist is empty. Copies ranges of the original octets.
import type { Section } from '../types.js';
import type { Header } from './header.js';
import type { MimePart } from './parse.js';

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');

export function sectionBytes(root: MimePart, section: Section): Buffer {
  const buf = root.header.buf;
  let part = root;
  let isRoot = true;
  for (const n of section.part) {
    const next = child(part, n, isRoot);
    if (!next) return EMPTY;
    part = next;
    isRoot = false;
  }
  const text = section.text;
  if (text === undefined) return isRoot ? buf.subarray(root.header.start, root.end) : buf.subarray(part.header.bodyStart, part.end);
  if (text === 'MIME') return isRoot ? EMPTY : buf.subarray(part.header.start, part.header.bodyStart);
  // HEADER and TEXT address a message: the whole one, or the one inside a message/rfc822 part.
  const msg = isRoot ? root : part.message;
  if (!msg) return EMPTY;
  const h = msg.header;
  if (text === 'HEADER') return buf.subarray(h.start, h.bodyStart);
  if (text === 'TEXT') return buf.subarray(h.bodyStart, msg.end);
  return selectFields(h, section.fields ?? [], text === 'HEADER.FIELDS.NOT');
}

/**
 * Part n of `part`: a multipart's nth child; inside a message/rfc822 part the
 * encapsulated message's part n; and for a part that is neither, only n = 1,
 * which is the part itself (RFC 3501 §6.4.5: a non-multipart message has a part 1).
 */
function child(part: MimePart, n: number, isRoot: boolean): MimePart | undefined {
  if (part.children) return part.children[n - 1];
  if (!isRoot && part.message) return child(part.message, n, true);
  return isRoot && n === 1 ? part : undefined;
}

/**
 * The fields named (or, with `not`, those not named) in header order with
 * their original folding. HEADER.FIELDS always ends with a blank line;
 * HEADER.FIELDS.NOT keeps the header's own blank line, if it has one.
 */
function selectFields(h: Header, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const chunks: Buffer[] = [];
  for (const f of h.fields) {
    if (wanted.has(f.name) !== not) chunks.push(h.buf.subarray(f.start, f.end));
  }
  if (not) chunks.push(h.buf.subarray(h.end, h.bodyStart));
  else chunks.push(CRLF);
  return Buffer.concat(chunks);
}
