// The MIME tree of a message (RFC 2045, RFC 2046 §5.1) as offsets into its
// Buffer: each part's header, body range, Content-Type, its children
// (multipart) or encapsulated message (message/rfc822). Boundaries are found
// with indexOf over the octets; nothing of a body becomes a string here.
import { type Header, firstValue, parseHeader } from './header.js';
import { type ContentType, paramValue, parseContentType } from './params.js';

export interface MimePart {
  readonly header: Header;
  /** End of the part's body (a multipart's body includes its boundaries). */
  readonly end: number;
  readonly contentType: ContentType;
  /** True when the part had no Content-Type and got its default (RFC 2045 §5.2, RFC 2046 §5.1.5). */
  readonly defaulted: boolean;
  /** Children of a multipart (empty when the boundary is missing or never found). */
  readonly children?: readonly MimePart[] | undefined;
  /** The message inside a message/rfc822 part. */
  readonly message?: MimePart | undefined;
}

/** Bounds for hostile input: nesting depth and parts per message. */
const MAX_DEPTH = 64;
const MAX_PARTS = 5000;

interface Budget {
  parts: number;
}

/** Parses the whole message in `buf` (or `buf[start, end)`). */
export function parseMessage(buf: Buffer, start = 0, end = buf.length): MimePart {
  return parsePart(buf, start, end, false, 0, { parts: 0 });
}

function parsePart(buf: Buffer, start: number, end: number, inDigest: boolean, depth: number, budget: Budget): MimePart {
  const header = parseHeader(buf, start, end);
  const ctValue = firstValue(header, 'content-type');
  const defaulted = ctValue === undefined;
  const contentType: ContentType = defaulted
    ? inDigest
      ? { type: 'message', subtype: 'rfc822', params: [] }
      : { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] }
    : parseContentType(ctValue);
  budget.parts++;
  const type = contentType.type.toLowerCase();
  const subtype = contentType.subtype.toLowerCase();
  if (type === 'multipart') {
    const boundary = paramValue(contentType.params, 'boundary');
    const children: MimePart[] = [];
    if (boundary && depth < MAX_DEPTH) {
      const digest = subtype === 'digest';
      const delim = Buffer.from(`--${boundary}`, header.utf8 ? 'utf8' : 'latin1');
      for (const [s, e] of splitParts(buf, header.bodyStart, end, delim)) {
        if (budget.parts >= MAX_PARTS) break;
        children.push(parsePart(buf, s, e, digest, depth + 1, budget));
      }
    }
    return { header, end, contentType, defaulted, children };
  }
  if (type === 'message' && subtype === 'rfc822' && depth < MAX_DEPTH && budget.parts < MAX_PARTS) {
    return { header, end, contentType, defaulted, message: parsePart(buf, header.bodyStart, end, false, depth + 1, budget) };
  }
  return { header, end, contentType, defaulted };
}

/**
 * The body parts between boundary delimiter lines (RFC 2046 §5.1.1): a
 * delimiter starts a line with "--boundary" (anything after it on the line
 * is ignored, as Dovecot does); the line ending before it belongs to it.
 * Without a close delimiter the last part runs to the end.
 */
function splitParts(buf: Buffer, start: number, end: number, delim: Buffer): [number, number][] {
  const ranges: [number, number][] = [];
  let partStart = -1;
  let pos = start;
  while (pos < end) {
    const d = buf.indexOf(delim, pos);
    if (d < 0 || d + delim.length > end) break;
    if (d !== start && buf[d - 1] !== 10) {
      pos = d + 1;
      continue;
    }
    if (partStart >= 0) {
      let pe = d;
      if (pe > partStart && buf[pe - 1] === 10) pe--;
      if (pe > partStart && buf[pe - 1] === 13) pe--;
      ranges.push([partStart, pe]);
    }
    const after = d + delim.length;
    if (after + 1 < end && buf[after] === 45 && buf[after + 1] === 45) return ranges;
    const nl = buf.indexOf(10, after);
    partStart = nl < 0 || nl >= end ? end : nl + 1;
    pos = partStart;
  }
  if (partStart >= 0) ranges.push([partStart, end]);
  return ranges;
}
