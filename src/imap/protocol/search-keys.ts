// SEARCH criteria (RFC 3501 §6.4.4): every search key, nested parentheses,
// OR and NOT, sequence sets as keys, dates as YYYY-MM-DD, RFC 7162 MODSEQ,
// CHARSET (UTF-8 and US-ASCII; others are NO [BADCHARSET]) and RFC 4731 /
// RFC 5182 RETURN options.
import type { SearchKey } from '../types.js';
import { atSequenceSet, flag, searchDate, sequenceSet } from './args.js';
import { Cursor, ParseError } from './cursor.js';

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS: Record<string, string> = { FROM: 'FROM', TO: 'TO', CC: 'CC', BCC: 'BCC', SUBJECT: 'SUBJECT' };
const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};
/** Nesting of parentheses, NOT and OR (each level is a stack frame). */
const MAX_DEPTH = 50;

function key(c: Cursor, depth: number): SearchKey {
  if (depth > MAX_DEPTH) throw new ParseError('Search criteria nested too deeply');
  if (c.peek() === '(') {
    const keys: SearchKey[] = [];
    c.list(() => void keys.push(key(c, depth + 1)), false);
    return keys.length === 1 ? keys[0]! : { op: 'and', keys };
  }
  if (atSequenceSet(c)) return { op: 'seq', set: sequenceSet(c) };
  const name = c.atom('a search key').toUpperCase();
  const arg = () => (c.sp(), c.astring());
  if (name === 'ALL') return { op: 'all' };
  if (name === 'NEW' || name === 'OLD' || name === 'RECENT') return { op: name.toLowerCase() as 'new' | 'old' | 'recent' };
  const fk = FLAG_KEYS[name];
  if (fk) return { op: 'flag', flag: fk[0], set: fk[1] };
  if (name === 'KEYWORD' || name === 'UNKEYWORD') {
    c.sp();
    return { op: 'flag', flag: flag(c), set: name === 'KEYWORD' };
  }
  const hk = HEADER_KEYS[name];
  if (hk) return { op: 'header', field: hk, value: arg() };
  if (name === 'HEADER') {
    const field = arg().toUpperCase();
    return { op: 'header', field, value: arg() };
  }
  if (name === 'BODY' || name === 'TEXT') return { op: name === 'BODY' ? 'body' : 'text', value: arg() };
  const dk = DATE_KEYS[name];
  if (dk) {
    c.sp();
    return { op: 'date', which: dk[0], cmp: dk[1], day: searchDate(c) };
  }
  if (name === 'LARGER' || name === 'SMALLER') {
    c.sp();
    return { op: 'size', cmp: name === 'LARGER' ? 'larger' : 'smaller', n: c.number('a size') };
  }
  if (name === 'UID') {
    c.sp();
    return { op: 'uid', set: sequenceSet(c) };
  }
  if (name === 'NOT') {
    c.sp();
    return { op: 'not', key: key(c, depth + 1) };
  }
  if (name === 'OR') {
    c.sp();
    const a = key(c, depth + 1);
    c.sp();
    return { op: 'or', a, b: key(c, depth + 1) };
  }
  if (name === 'MODSEQ') {
    // MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162 §3.1.5)
    c.sp();
    if (c.peek() === '"') {
      c.string();
      c.sp();
      const type = c.atom('an entry type').toLowerCase();
      if (!['priv', 'shared', 'all'].includes(type)) throw new ParseError('Bad MODSEQ entry type');
      c.sp();
    }
    return { op: 'modseq', min: c.modseq() };
  }
  throw new ParseError(`Unknown search key ${name}`);
}

export interface SearchArgs {
  charset?: string;
  key: SearchKey;
  returnOpts?: string[];
}

/** Everything after `SEARCH `. */
export function searchArgs(c: Cursor): SearchArgs {
  const out: Partial<SearchArgs> = {};
  if (c.accept('RETURN ')) {
    const opts: string[] = [];
    c.list(() => void opts.push(c.atom('a RETURN option').toUpperCase()));
    out.returnOpts = opts;
    c.sp();
  }
  if (c.accept('CHARSET ')) {
    const cs = c.astring('a charset').toUpperCase();
    if (cs !== 'UTF-8' && cs !== 'US-ASCII') throw new ParseError(`Unsupported charset ${cs}`, 'NO', 'BADCHARSET (UTF-8 US-ASCII)');
    out.charset = cs;
    c.sp();
  }
  const keys: SearchKey[] = [];
  for (;;) {
    keys.push(key(c, 0));
    if (c.atEnd()) break;
    c.sp();
  }
  out.key = keys.length === 1 ? keys[0]! : { op: 'and', keys };
  return out as SearchArgs;
}
