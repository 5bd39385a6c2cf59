// Turns submitted bytes into a clean RFC 5322 message with CRLF line endings.
// Input may use LF, CRLF or a mix (PHP 8 mail(): CRLF headers, LF body); each
// line loses at most one CR before its LF, so CRs are never doubled, and a
// lone CR inside a line is kept as data (as Postfix's sendmail does). Refused (EX_DATAERR / 554):
// NUL bytes, header lines over 998 octets or with a bare CR, headers that
// are not UTF-8.
// Repaired: body lines over 998 octets in a single-part message are re-encoded
// as quoted-printable (RFC 2045 §6.7), which keeps the content exact.
import { isUtf8 } from 'node:buffer';
import { MailroomError, type ErrorCode } from '../shared/errors.js';
import { findFields, fieldValue, isContinuation, isFieldLine, fieldName, type HeaderField } from './headers.js';
import { encodeQuotedPrintable } from './quoted-printable.js';

export const MAX_LINE = 998;

export interface ParsedMessage {
  fields: HeaderField[];
  /** Body lines without their line endings. */
  body: Buffer[];
  /** True when any octet is >= 0x80 (BODY=8BITMIME). */
  eightBit: boolean;
}

const dataError = (code: ErrorCode, msg: string) => new MailroomError(code, msg);

/** Cuts the input at a line holding a single "." (sendmail without -i). */
export function cutAtDot(input: Buffer): Buffer {
  if (input.length >= 2 && input[0] === 0x2e && (input[1] === 0x0a || (input[1] === 0x0d && input[2] === 0x0a))) return input.subarray(0, 0);
  let from = 0;
  for (;;) {
    const i = input.indexOf('\n.', from);
    if (i < 0) return input;
    const after = input[i + 2];
    if (after === 0x0a || after === undefined || (after === 0x0d && (input[i + 3] === 0x0a || input[i + 3] === undefined))) {
      return input.subarray(0, i + 1);
    }
    from = i + 2;
  }
}

export function parseMessage(input: Buffer): ParsedMessage {
  const nul = input.indexOf(0);
  if (nul >= 0) throw dataError('MESSAGE_NUL', `message contains a NUL byte (line ${lineNumberAt(input, nul)}); NUL is not allowed in mail`);
  const fields: HeaderField[] = [];
  const body: Buffer[] = [];
  let inHeader = true;
  let lineNo = 0;
  let pos = 0;
  let eightBit = false;
  while (pos < input.length) {
    const lf = input.indexOf(0x0a, pos);
    let end = lf < 0 ? input.length : lf;
    const next = lf < 0 ? input.length : lf + 1;
    // A CR before LF is the line ending; so is a CR that is the very last byte
    // (input cut off after CR), else it would be stored as "\r\r\n".
    if (end > pos && input[end - 1] === 0x0d) end--;
    const line = input.subarray(pos, end);
    pos = next;
    lineNo++;
    if (inHeader) {
      if (line.length === 0) {
        inHeader = false;
        continue;
      }
      if (!isUtf8(line)) throw dataError('HEADER_NOT_UTF8', `header line ${lineNo} is not valid UTF-8 (encode non-ASCII header text per RFC 2047)`);
      const text = line.toString('utf8');
      if (text.includes('\r')) throw dataError('HEADER_BARE_CR', `header line ${lineNo} contains a bare CR; a CR is only allowed before LF`);
      if (lineNo === 1 && text.startsWith('From ')) continue; // mbox "From " line, as Postfix drops it
      if (isFieldLine(text) || (isContinuation(text) && fields.length > 0)) {
        if (line.length > MAX_LINE) throw dataError('HEADER_LINE_TOO_LONG', `header line ${lineNo} is ${line.length} octets; RFC 5322 allows 998 (fold it)`);
        if (/[^\x00-\x7f]/.test(text)) eightBit = true;
        if (isFieldLine(text) && !isContinuation(text)) fields.push({ name: fieldName(text), lines: [text] });
        else fields[fields.length - 1]!.lines.push(text);
        continue;
      }
      // Not a header line: the header section ended without its empty line.
      inHeader = false;
    }
    if (!eightBit && hasHighBit(line)) eightBit = true;
    body.push(line);
  }
  const msg: ParsedMessage = { fields, body, eightBit };
  if (body.some((l) => l.length > MAX_LINE)) repairLongLines(msg);
  return msg;
}

function hasHighBit(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return true;
  return false;
}

function lineNumberAt(buf: Buffer, offset: number): number {
  let n = 1;
  for (let i = buf.indexOf(0x0a); i >= 0 && i < offset; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Re-encodes a single-part body with over-long lines as quoted-printable. */
function repairLongLines(msg: ParsedMessage): void {
  const ct = findFields(msg.fields, 'Content-Type').map(fieldValue)[0] ?? 'text/plain';
  const cte = (findFields(msg.fields, 'Content-Transfer-Encoding').map(fieldValue)[0] ?? '7bit').toLowerCase();
  if (/^\s*(multipart|message)\//i.test(ct) || !['7bit', '8bit', 'binary'].includes(cte)) {
    const n = msg.body.findIndex((l) => l.length > MAX_LINE);
    throw dataError('BODY_LINE_TOO_LONG', `body line ${n + 1} is ${msg.body[n]!.length} octets; RFC 5322 allows 998 and this MIME structure cannot be re-encoded safely`);
  }
  msg.body = encodeQuotedPrintable(msg.body);
  msg.fields = msg.fields.filter((f) => f.name.toLowerCase() !== 'content-transfer-encoding');
  if (findFields(msg.fields, 'MIME-Version').length === 0) msg.fields.push({ name: 'MIME-Version', lines: ['MIME-Version: 1.0'] });
  msg.fields.push({ name: 'Content-Transfer-Encoding', lines: ['Content-Transfer-Encoding: quoted-printable'] });
  msg.eightBit = msg.fields.some((f) => f.lines.some((l) => /[^\x00-\x7f]/.test(l)));
}

/** The message as bytes with CRLF line endings. */
export function serializeMessage(fields: HeaderField[], body: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const crlf = Buffer.from('\r\n');
  const head = fields.map((f) => f.lines.join('\r\n')).join('\r\n');
  parts.push(Buffer.from(head + '\r\n\r\n', 'utf8'));
  for (const l of body) {
    parts.push(l, crlf);
  }
  return Buffer.concat(parts);
}
