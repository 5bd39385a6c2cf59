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
  let part: MimePart | undefined = root;
  // Dovecot's reading of part numbers, which RFC 3501 §6.4.5 leaves open for
  // numbers past a leaf: a non-multipart part (the message itself included)
  // answers to one trailing ".1" as itself; a multipart's children, and the
  // parts of the message inside a message/rfc822 part, are numbered from 1.
  let canSelf = true;
  let isRoot = true;
  for (const n of section.part) {
    if (part.children) {
      part = part.children[n - 1];
      canSelf = true;
    } else if (!isRoot && part.message) {
      const inner: MimePart = part.message;
      part = inner.children ? inner.children[n - 1] : n === 1 ? inner : undefined;
      canSelf = inner.children !== undefined;
    } else if (!(canSelf && n === 1)) part = undefined;
    else canSelf = false;
    if (!part) return EMPTY;
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
