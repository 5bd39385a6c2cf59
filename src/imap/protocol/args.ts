// Arguments several commands share (RFC 3501 §9): mailbox names (modified
// UTF-7 on the wire, Unicode inside; INBOX in any case), sequence sets with
// `*` and `$`, flags and flag lists, search dates and APPEND date-times.
import { decodeMutf7 } from '../../mailbox/mutf7.js';
import type { SeqRange, SequenceSet } from '../types.js';
import { Cursor, ParseError } from './cursor.js';

/** A wire mailbox name (or LIST pattern) to Unicode; "INBOX" in any case is INBOX (RFC 3501 §5.1). */
export function decodeMailbox(wire: string): string {
  const name = decodeMutf7(wire);
  if (name === undefined) throw new ParseError('Mailbox name is not valid modified UTF-7');
  if (/^inbox$/i.test(name)) return 'INBOX';
  if (/^inbox\./i.test(name)) return `INBOX${name.slice(5)}`;
  return name;
}

export function mailbox(c: Cursor): string {
  return decodeMailbox(c.astring('a mailbox name'));
}

/** sequence-set: comma-separated numbers and ranges, `*` as Infinity; `$` alone (RFC 5182). */
export function sequenceSet(c: Cursor): SequenceSet {
  if (c.accept('$')) return { saved: true };
  const ranges: SeqRange[] = [];
  const num = () => (c.accept('*') ? Infinity : c.nzNumber('a sequence number'));
  for (;;) {
    const a = num();
    const b = c.accept(':') ? num() : a;
    ranges.push([a, b]);
    if (!c.accept(',')) break;
  }
  if (ranges.length > 10_000) throw new ParseError('Sequence set too long');
  return { ranges };
}

/** True when a sequence set comes next (a digit, `*` or `$`). */
export function atSequenceSet(c: Cursor): boolean {
  return /^[0-9*$]$/.test(c.peek());
}

const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];

/** flag: a system flag (canonical case) or a keyword atom; \Recent may not be set (RFC 3501 §2.3.2). */
export function flag(c: Cursor): string {
  if (c.accept('\\')) {
    const name = `\\${c.atom('a flag name')}`;
    const sys = SYSTEM_FLAGS.find((f) => f.toLowerCase() === name.toLowerCase());
    if (!sys) throw new ParseError(`Unknown system flag ${name}`);
    return sys;
  }
  return c.atom('a flag', '', ']');
}

export function flagList(c: Cursor): string[] {
  const flags: string[] = [];
  c.list(() => void flags.push(flag(c)));
  return flags;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

function month(s: string): number {
  const i = MONTHS.indexOf(s.toUpperCase());
  if (i < 0) throw new ParseError(`Bad month ${s}`);
  return i + 1;
}

/** date (RFC 3501 §9): 1-Jan-2026, optionally quoted; returned as YYYY-MM-DD. */
export function searchDate(c: Cursor): string {
  const quoted = c.accept('"');
  const s = c.atom('a date');
  if (quoted) c.expect('"');
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s);
  if (!m) throw new ParseError(`Bad date ${s} (expected e.g. 1-Jan-2026)`);
  const day = Number(m[1]);
  if (day < 1 || day > 31) throw new ParseError(`Bad date ${s}`);
  return `${m[3]}-${String(month(m[2]!)).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** date-time (RFC 3501 §9): "17-Jul-1996 02:44:25 -0700" -> ms since the epoch. */
export function dateTime(c: Cursor): number {
  const s = c.stringBytes('a date-time').toString('latin1');
  const m = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(s);
  if (!m) throw new ParseError(`Bad date-time "${s}"`);
  const [d, h, mi, se, zh, zm] = [m[1], m[4], m[5], m[6], m[8], m[9]].map((x) => Number(x!.trim()));
  if (d! < 1 || d! > 31 || h! > 23 || mi! > 59 || se! > 60) throw new ParseError(`Bad date-time "${s}"`);
  const zone = (m[7] === '-' ? -1 : 1) * (zh! * 60 + zm!);
  return Date.UTC(Number(m[3]), month(m[2]!) - 1, d, h, mi, se) - zone * 60_000;
}
