// BODYSTRUCTURE and BODY (RFC 3501 §7.4.2) of a parsed MIME tree. Written as
// Dovecot writes them: type, subtype and parameter names keep their case,
// text parts without a charset get ("charset" "us-ascii"), every extension
// field is present (NIL when empty), and a multipart with no parts is given
// one empty text/plain part so the result still parses.
import { list, str } from '../encode.js';
import { writeEnvelope } from './envelope.js';
import { type Header, firstValue, valueText } from './header.js';
import { type Param, parseDisposition, parseLanguage } from './params.js';
import type { MimePart } from './parse.js';
import { nstrNoLf } from './quote.js';

const EMPTY_BODY = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0)';
const EMPTY_BODYSTRUCTURE = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)';

export function writeBodyStructure(part: MimePart, extended: boolean): string {
  const { type, subtype, params } = part.contentType;
  const h = part.header;
  if (part.children !== undefined) {
    const kids = part.children.length === 0 ? (extended ? EMPTY_BODYSTRUCTURE : EMPTY_BODY) : part.children.map((c) => writeBodyStructure(c, extended)).join('');
    const ext = extended ? ` ${writeParams(params, false)} ${extension(h)}` : '';
    return `(${kids} ${str(subtype)}${ext})`;
  }
  const isText = type.toLowerCase() === 'text';
  const values = mimeFields(h);
  let s =
    `(${str(type)} ${str(subtype)} ${writeParams(params, isText)} ${nstrNoLf(values.id)} ${nstrNoLf(values.description)} ` +
    `${str(encoding(values.encoding))} ${part.end - h.bodyStart}`;
  if (part.message) s += ` ${writeEnvelope(part.message.header)} ${writeBodyStructure(part.message, extended)} ${countLines(h.buf, h.bodyStart, part.end)}`;
  else if (isText) s += ` ${countLines(h.buf, h.bodyStart, part.end)}`;
  if (extended) s += ` ${nstrNoLf(values.md5)} ${extension(h)}`;
  return `${s})`;
}

interface MimeFields {
  id?: string;
  description?: string;
  encoding?: string;
  md5?: string;
}

function mimeFields(h: Header): MimeFields {
  const out: MimeFields = {};
  for (const f of h.fields) {
    const key = f.name === 'content-id' ? 'id' : f.name === 'content-description' ? 'description' : f.name === 'content-transfer-encoding' ? 'encoding' : f.name === 'content-md5' ? 'md5' : undefined;
    if (key && out[key] === undefined) out[key] = valueText(h, f.valueStart, trimEol(h.buf, f.valueStart, f.end));
  }
  return out;
}

function trimEol(buf: Buffer, start: number, end: number): number {
  if (end > start && buf[end - 1] === 10) end--;
  if (end > start && buf[end - 1] === 13) end--;
  return end;
}

/** The transfer encoding's token as written; 7bit when absent or unreadable. */
function encoding(value: string | undefined): string {
  const m = value === undefined ? null : /^[\s]*([^\s()<>@,;:\\"/[\]?=]+)/.exec(value);
  return m ? m[1]! : '7bit';
}

/** body-fld-dsp, body-fld-lang and body-fld-loc (RFC 3501 §9). */
function extension(h: Header): string {
  const disp = firstValue(h, 'content-disposition');
  const d = disp === undefined ? undefined : parseDisposition(disp);
  const dsp = d ? `(${str(d.type)} ${writeParams(d.params, false)})` : 'NIL';
  const langValue = firstValue(h, 'content-language');
  const langs = langValue === undefined ? [] : parseLanguage(langValue);
  return `${dsp} ${list(langs.map(str), true)} ${nstrNoLf(firstValue(h, 'content-location'))}`;
}

function writeParams(params: readonly Param[], text: boolean): string {
  const items: string[] = [];
  let charset = !text;
  for (const [k, v] of params) {
    items.push(str(k), str(v));
    if (!charset && k.toLowerCase() === 'charset') charset = true;
  }
  if (!charset) items.push('"charset"', '"us-ascii"');
  return list(items, true);
}

/** body-fld-lines: the number of line feeds in the body. */
export function countLines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, start); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

