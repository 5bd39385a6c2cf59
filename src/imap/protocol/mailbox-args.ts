// Arguments of the mailbox commands with extensions: SELECT/EXAMINE with
// (CONDSTORE) and (QRESYNC (...)) of RFC 7162, LIST with RFC 5258 selection
// and return options (SUBSCRIBED, SPECIAL-USE of RFC 6154, CHILDREN),
// STATUS items and APPEND's optional flags and date-time.
import type { Command } from '../types.js';
import { dateTime, decodeMailbox, flagList, mailbox, sequenceSet } from './args.js';
import { Cursor, ParseError } from './cursor.js';

type Select = Extract<Command, { name: 'SELECT' | 'EXAMINE' }>;
type Qresync = NonNullable<Select['qresync']>;

export function selectArgs(c: Cursor): { mailbox: string; condstore: boolean; qresync?: Qresync } {
  const name = mailbox(c);
  let condstore = false;
  let qresync: Qresync | undefined;
  if (!c.atEnd()) {
    c.sp();
    c.list(() => {
      const p = c.atom('a SELECT parameter').toUpperCase();
      if (p === 'CONDSTORE') condstore = true;
      else if (p === 'QRESYNC') {
        c.sp();
        const q: { uidValidity: number; modseq: number; knownUids?: Qresync['knownUids']; seqMatch?: Qresync['seqMatch'] } = { uidValidity: 0, modseq: 0 };
        c.expect('(');
        q.uidValidity = c.nzNumber('a UIDVALIDITY');
        c.sp();
        q.modseq = c.modseq();
        if (c.accept(' ') && c.peek() !== '(') q.knownUids = sequenceSet(c);
        if (c.accept(' ') || c.peek() === '(') {
          c.expect('(');
          const seqs = sequenceSet(c);
          c.sp();
          const uids = sequenceSet(c);
          c.expect(')');
          q.seqMatch = [seqs, uids];
        }
        c.expect(')');
        qresync = q;
      } else throw new ParseError(`Unknown SELECT parameter ${p}`);
    }, false);
  }
  return { mailbox: name, condstore, qresync };
}

/** list-mailbox: an atom that may hold % and * (and ']'), or a string. */
function listPattern(c: Cursor): string {
  const ch = c.peek();
  const wire = ch === '"' || ch === '{' ? c.string() : c.atom('a mailbox pattern', '%*');
  return decodeMailbox(wire);
}

export interface ListArgs {
  reference: string;
  pattern: string;
  selectSubscribed?: boolean;
  selectSpecialUse?: boolean;
  returnSubscribed?: boolean;
  returnSpecialUse?: boolean;
  returnChildren?: boolean;
}

export function listArgs(c: Cursor, lsub: boolean): ListArgs {
  const out: Partial<ListArgs> = {};
  if (!lsub && c.peek() === '(') {
    c.list(() => {
      const o = c.atom('a selection option').toUpperCase();
      if (o === 'SUBSCRIBED') out.selectSubscribed = true;
      else if (o === 'SPECIAL-USE') out.selectSpecialUse = true;
      else if (o !== 'REMOTE' && o !== 'RECURSIVEMATCH') throw new ParseError(`Unknown LIST selection option ${o}`);
    });
    c.sp();
  }
  out.reference = decodeMailbox(c.astring('a reference name'));
  c.sp();
  out.pattern = listPattern(c);
  if (!lsub && !c.atEnd()) {
    c.sp();
    c.expect('RETURN ');
    c.list(() => {
      const o = c.atom('a return option').toUpperCase();
      if (o === 'SUBSCRIBED') out.returnSubscribed = true;
      else if (o === 'SPECIAL-USE') out.returnSpecialUse = true;
      else if (o === 'CHILDREN') out.returnChildren = true;
      else throw new ParseError(`Unknown LIST return option ${o}`);
    });
  }
  return out as ListArgs;
}

export const STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ', 'SIZE'];

export function statusArgs(c: Cursor): { mailbox: string; items: string[] } {
  const name = mailbox(c);
  c.sp();
  const items: string[] = [];
  c.list(() => {
    const item = c.atom('a STATUS item').toUpperCase();
    if (!STATUS_ITEMS.includes(item)) throw new ParseError(`Unknown STATUS item ${item}`);
    items.push(item);
  }, false);
  return { mailbox: name, items };
}

export function appendArgs(c: Cursor): { mailbox: string; flags: string[]; date?: number; message: Buffer } {
  const name = mailbox(c);
  c.sp();
  let flags: string[] = [];
  let date: number | undefined;
  if (c.peek() === '(') {
    flags = flagList(c);
    c.sp();
  }
  if (c.peek() === '"') {
    date = dateTime(c);
    c.sp();
  }
  if (!c.atLiteral()) throw new ParseError('Expected the message as a literal');
  return { mailbox: name, flags, date, message: c.literalBytes() };
}
