// Text for SEARCH (RFC 3501 §6.4.4): header values unfolded and RFC 2047
// decoded (libmime), the text/* parts' bodies with their transfer encoding
// undone (RFC 2045 §6) and converted from their charset (iconv-lite), and the
// Date: field read leniently (RFC 5322 §3.3 plus the obsolete forms).
import { createRequire } from 'node:module';
import { type Header, rawValue, unfold } from './header.js';
import { paramValue } from './params.js';
import type { MimePart } from './parse.js';

const require = createRequire(import.meta.url);
const libmime = require('libmime') as { decodeWords(s: string): string };
const iconv = require('iconv-lite') as { encodingExists(c: string): boolean; decode(b: Buffer, c: string): string };

/** At most this much decoded text per message, so one huge part cannot exhaust memory. */
const MAX_TEXT = 8 * 1024 * 1024;

export function decodedHeaderValues(h: Header, field: string): string[] {
  const name = field.toLowerCase();
  const out: string[] = [];
  for (const f of h.fields) if (f.name === name) out.push(decodeWords(unfold(rawValue(h, f)).trim()));
  return out;
}

function decodeWords(s: string): string {
  if (s.indexOf('=?') < 0) return s;
  try {
    return libmime.decodeWords(s);
  } catch {
    return s;
  }
}

export function messageSearchText(root: MimePart, which: 'body' | 'text'): string {
  const out: string[] = [];
  const budget = { left: MAX_TEXT };
  if (which === 'text') out.push(headerText(root.header));
  collect(root, out, budget);
  return out.join('\n');
}

function headerText(h: Header): string {
  return h.fields.map((f) => `${f.name}: ${decodeWords(unfold(rawValue(h, f)))}`).join('\n');
}

function collect(part: MimePart, out: string[], budget: { left: number }): void {
  if (budget.left <= 0) return;
  if (part.children) {
    for (const c of part.children) collect(c, out, budget);
    return;
  }
  if (part.message) {
    out.push(headerText(part.message.header));
    collect(part.message, out, budget);
    return;
  }
  if (part.contentType.type.toLowerCase() !== 'text') return;
  const h = part.header;
  const raw = h.buf.subarray(h.bodyStart, Math.min(part.end, h.bodyStart + budget.left));
  const text = decodeCharset(decodeTransfer(raw, transferEncoding(h)), paramValue(part.contentType.params, 'charset'));
  budget.left -= raw.length;
  out.push(text);
}

function transferEncoding(h: Header): string {
  for (const f of h.fields) if (f.name === 'content-transfer-encoding') return rawValue(h, f).trim().toLowerCase();
  return '7bit';
}

function decodeTransfer(raw: Buffer, enc: string): Buffer {
  if (enc === 'base64') return Buffer.from(raw.toString('latin1'), 'base64');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(raw);
  return raw;
}

/** RFC 2045 §6.7: "=XX" octets and soft line breaks ("=" at the end of a line). */
function decodeQuotedPrintable(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== 61) {
      out[n++] = c;
      continue;
    }
    if (raw[i + 1] === 13 && raw[i + 2] === 10) {
      i += 2;
      continue;
    }
    if (raw[i + 1] === 10) {
      i += 1;
      continue;
    }
    const hex = parseInt(raw.toString('latin1', i + 1, i + 3), 16);
    if (i + 2 < raw.length && !Number.isNaN(hex) && /^[0-9a-fA-F]{2}$/.test(raw.toString('latin1', i + 1, i + 3))) {
      out[n++] = hex;
      i += 2;
    } else out[n++] = c;
  }
  return out.subarray(0, n);
}

function decodeCharset(data: Buffer, charset: string | undefined): string {
  const cs = (charset ?? 'us-ascii').trim().toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii' || cs === 'ascii') return data.toString('utf8');
  try {
    if (iconv.encodingExists(cs)) return iconv.decode(data, cs);
  } catch {
    /* an unknown or broken charset falls back to UTF-8 below */
  }
  return data.toString('utf8');
}

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
const DATE = /(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,5})?/i;
const ZONES: Record<string, number> = { ut: 0, gmt: 0, z: 0, est: -500, edt: -400, cst: -600, cdt: -500, mst: -700, mdt: -600, pst: -800, pdt: -700 };

/** The first Date: field as ms since the epoch; undefined when absent or unreadable. */
export function parseSentDate(h: Header): number | undefined {
  let value: string | undefined;
  for (const f of h.fields) if (f.name === 'date') {
    value = unfold(rawValue(h, f));
    break;
  }
  if (value === undefined) return undefined;
  const m = DATE.exec(value);
  if (!m) {
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  const month = MONTHS[m[2]!.toLowerCase()];
  if (month === undefined) return undefined;
  let year = Number(m[3]);
  if (m[3]!.length <= 2) year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3
  else if (m[3]!.length === 3) year += 1900;
  const zone = m[7] ?? '+0000';
  let off = /^[+-]\d{4}$/.test(zone) ? Number(zone) : (ZONES[zone.toLowerCase()] ?? 0);
  const offMin = Math.sign(off) * (Math.floor(Math.abs(off) / 100) * 60 + (Math.abs(off) % 100));
  off = offMin;
  const t = Date.UTC(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)) - off * 60_000;
  return Number.isNaN(t) ? undefined : t;
}
