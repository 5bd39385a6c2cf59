// The one place that writes the header fields mailroom adds itself (From for
// -F, Received, Message-ID, the DSN fields, Return-Path, Delivered-To): a
// display name as an RFC 5322 §3.2.5 phrase (atoms, a quoted-string, or RFC
// 2047 encoded words for non-ASCII), and lines folded at 78 characters
// (RFC 5322 §2.1.1) at whitespace, or between the clauses of a trace field.
// nodemailer's mime-funcs does the encoding and folding; loading it costs the
// sendmail fast path ~15 ms, so it is required only when a field needs it
// (short ASCII fields, the usual case, never load it).
import { createRequire } from 'node:module';
import type * as MimeFuncs from 'nodemailer/lib/mime-funcs';

/** RFC 5322 §2.1.1: a line SHOULD be at most 78 characters without its CRLF. */
export const FOLD_AT = 78;

/**
 * Longest encoded word we write. RFC 2047 §2 allows 75; nodemailer's 52
 * leaves room for "From: " in front of the first word on a 78-character line.
 */
const ENCODED_WORD_MAX = 52;

/** RFC 5322 §3.2.3 atext, one or more. */
const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;
const ENCODED_WORD = /^=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=$/;

let mimeFuncs: typeof MimeFuncs | undefined;
function mime(): typeof MimeFuncs {
  mimeFuncs ??= createRequire(import.meta.url)('nodemailer/lib/mime-funcs') as typeof MimeFuncs;
  return mimeFuncs;
}

/** Q for mostly Latin text (readable), B otherwise (shorter), as nodemailer chooses. */
function wordEncoding(text: string): 'Q' | 'B' {
  const nonLatin = text.match(/[\x00-\x08\x0b\x0c\x0e-\x1f\u0080-\uffff]/g)?.length ?? 0;
  const latin = text.match(/[a-z]/gi)?.length ?? 0;
  return nonLatin < latin ? 'Q' : 'B';
}

/**
 * A display name as a phrase: atoms as they are, other ASCII as a
 * quoted-string (RFC 5322 §3.2.4), non-ASCII as encoded words (RFC 2047 §5
 * (3)) covering only the words that need it, or the whole name when the
 * words left plain would not be atoms. A name holding "=?" is encoded whole:
 * readers would decode a literal encoded word even inside quotes.
 */
export function encodePhrase(name: string): string {
  const ascii = /^[\x20-\x7e]*$/.test(name);
  if (ascii && !name.includes('=?')) {
    return name.split(' ').every((w) => ATOM.test(w)) ? name : `"${name.replace(/(["\\])/g, '\\$1')}"`;
  }
  const m = mime();
  const enc = wordEncoding(name);
  if (!name.includes('=?')) {
    const some = m.encodeWords(name, enc, ENCODED_WORD_MAX);
    if (some.split(' ').every((w) => ATOM.test(w) || ENCODED_WORD.test(w))) return some;
  }
  return m.encodeWord(name, enc, ENCODED_WORD_MAX);
}

/** `phrase <addr>`, or the bare address without a name (RFC 5322 §3.4 mailbox). */
export function formatMailbox(name: string | undefined, addr: string): string {
  return name ? `${encodePhrase(name)} <${addr}>` : addr;
}

/**
 * A header field as its physical lines (no line ends), folded at whitespace
 * when longer than 78 characters. Never folded right after the colon: a
 * value that cannot be broken (one long address or message id) gains
 * nothing from it, and some readers mishandle an empty first line.
 */
export function foldField(name: string, value: string): string[] {
  return foldLine(`${name}: ${value}`, name);
}

function foldLine(line: string, name: string): string[] {
  if (line.length <= FOLD_AT) return [line];
  const lines = mime().foldLines(line, FOLD_AT).split('\r\n');
  if (lines.length > 1 && lines[0] === `${name}:`) lines.splice(0, 2, `${name}:${lines[1]}`);
  return lines;
}

/**
 * A structured field such as Received (RFC 5321 §4.4) built from clauses:
 * each group starts a new line, the clauses of a group share lines while
 * they fit, and a clause too long for a line of its own is folded inside.
 */
export function foldClauses(name: string, groups: string[][]): string[] {
  const out: string[] = [];
  for (const group of groups) {
    let cur = out.length === 0 ? `${name}:` : '';
    for (const clause of group) {
      const next = cur === '' ? `\t${clause}` : `${cur} ${clause}`;
      if (next.length <= FOLD_AT || cur === '' || cur === `${name}:`) cur = next;
      else {
        out.push(cur);
        cur = `\t${clause}`;
      }
      if (cur.length > FOLD_AT) {
        const lines = foldLine(cur, name);
        cur = lines.pop()!;
        out.push(...lines);
      }
    }
    out.push(cur);
  }
  return out;
}
