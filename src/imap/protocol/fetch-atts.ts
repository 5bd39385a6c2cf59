// FETCH items (RFC 3501 §6.4.5): the macros ALL, FAST and FULL, single
// attributes or a parenthesised list, BODY[section]<partial> and BODY.PEEK,
// HEADER.FIELDS (.NOT) lists, and RFC 7162's MODSEQ attribute and the
// CHANGEDSINCE / VANISHED modifiers.
import type { FetchAtt, Section } from '../types.js';
import { Cursor, ParseError } from './cursor.js';

const SIMPLE = ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'UID', 'MODSEQ', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'BODYSTRUCTURE'] as const;
const FAST: FetchAtt[] = [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }];
const ALL: FetchAtt[] = [...FAST, { kind: 'ENVELOPE' }];
const FULL: FetchAtt[] = [...ALL, { kind: 'BODY' }];

function section(c: Cursor): Section {
  c.expect('[');
  const part: number[] = [];
  let text: Section['text'];
  let fields: string[] | undefined;
  while (/[0-9]/.test(c.peek())) {
    part.push(c.nzNumber('a part number'));
    if (!c.accept('.')) break;
  }
  const tail = /[0-9]/.test(c.peek()) || c.peek() === ']' ? '' : c.atom('a section', '', ']').toUpperCase();
  if (tail === 'HEADER' || tail === 'TEXT') text = tail;
  else if (tail === 'MIME') {
    if (part.length === 0) throw new ParseError('MIME needs a part number');
    text = 'MIME';
  } else if (tail === 'HEADER.FIELDS' || tail === 'HEADER.FIELDS.NOT') {
    text = tail;
    c.sp();
    fields = [];
    c.list(() => void fields!.push(c.astring('a header field name').toUpperCase()), false);
  } else if (tail !== '') throw new ParseError(`Unknown section ${tail}`);
  else if (part.length > 0 && !c.lookUpper(1).startsWith(']')) throw new ParseError('Bad section');
  c.expect(']');
  return { part, text, fields };
}

function bodySection(c: Cursor, peek: boolean): FetchAtt {
  const sec = section(c);
  let partial: { start: number; length: number } | undefined;
  if (c.accept('<')) {
    const start = c.number('a partial start');
    c.expect('.');
    const length = c.nzNumber('a partial length');
    c.expect('>');
    partial = { start, length };
  }
  return { kind: 'BODY[]', section: sec, peek, partial };
}

function att(c: Cursor): FetchAtt {
  if (c.accept('BODY.PEEK')) return bodySection(c, true);
  const name = c.atom('a FETCH item', '', '[').toUpperCase();
  if (name === 'BODY') return c.peek() === '[' ? bodySection(c, false) : { kind: 'BODY' };
  const simple = SIMPLE.find((s) => s === name);
  if (!simple) throw new ParseError(`Unknown FETCH item ${name}`);
  return { kind: simple } as FetchAtt;
}

/** The FETCH items after the sequence set. */
export function fetchAtts(c: Cursor): FetchAtt[] {
  if (c.peek() === '(') {
    const atts: FetchAtt[] = [];
    c.list(() => void atts.push(att(c)), false);
    return atts;
  }
  const macro = c.lookUpper(4);
  if (c.accept('ALL') && /^[ ]?$/.test(c.peek())) return ALL;
  if (macro === 'FAST' && c.accept('FAST')) return FAST;
  if (macro === 'FULL' && c.accept('FULL')) return FULL;
  return [att(c)];
}

/** RFC 7162 §3.1.4 / §3.2.6: ` (CHANGEDSINCE n [VANISHED])` after the items. */
export function fetchModifiers(c: Cursor): { changedSince?: number; vanished?: boolean } {
  const out: { changedSince?: number; vanished?: boolean } = {};
  if (c.atEnd()) return out;
  c.sp();
  c.list(() => {
    const m = c.atom('a FETCH modifier').toUpperCase();
    if (m === 'CHANGEDSINCE') {
      c.sp();
      out.changedSince = c.modseq();
    } else if (m === 'VANISHED') out.vanished = true;
    else throw new ParseError(`Unknown FETCH modifier ${m}`);
  }, false);
  if (out.vanished && out.changedSince === undefined) throw new ParseError('VANISHED needs CHANGEDSINCE');
  return out;
}
