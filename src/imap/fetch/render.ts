// One message's FETCH response (RFC 3501 §7.4.2) as pieces: response text and
// literal contents kept apart, so the octets of BODY[] go to the socket as the
// Buffers they were read into, never copied into one big string.
import type { Folder, MessageRecord } from '../../mailbox/folders.js';
import { list } from '../encode.js';
import { sectionOf } from '../mime/index.js';
import type { FetchAtt, Section } from '../types.js';
import { cachedItem } from './cached.js';
import { formatInternalDate } from './date.js';
import { sectionName, type FetchPlan } from './plan.js';
import type { Loaded } from './source.js';

/** A response piece: text, or the octets of a literal (its `{n}` header is written before it). */
export type Piece = string | Buffer;

/** The FLAGS of a message for one session: its stored flags plus \Recent when the session holds it. */
export function flagList(record: MessageRecord, recent: boolean): string {
  return list(recent ? [...record.flags, '\\Recent'] : [...record.flags]);
}

const HEADER: Section = { part: [], text: 'HEADER' };
const TEXT: Section = { part: [], text: 'TEXT' };

function literal(out: Piece[], name: string, data: Buffer): void {
  // An empty literal is fine too, but "" is what most servers send.
  if (data.length === 0) out.push(`${name} ""`);
  else out.push(`${name} {${data.length}}`, data);
}

function renderItem(a: FetchAtt, folder: Folder, record: MessageRecord, src: Loaded, out: Piece[]): void {
  switch (a.kind) {
    case 'INTERNALDATE':
      out.push(`INTERNALDATE "${formatInternalDate(record.internalDate)}"`);
      return;
    case 'RFC822.SIZE':
      out.push(`RFC822.SIZE ${record.size}`);
      return;
    case 'ENVELOPE':
      out.push(`ENVELOPE ${cachedItem(folder, record.uid, 'ENVELOPE', src)}`);
      return;
    case 'BODYSTRUCTURE':
      out.push(`BODYSTRUCTURE ${cachedItem(folder, record.uid, 'BODYSTRUCTURE', src)}`);
      return;
    case 'BODY':
      out.push(`BODY ${cachedItem(folder, record.uid, 'BODY', src)}`);
      return;
    case 'RFC822':
      literal(out, 'RFC822', src.message!);
      return;
    case 'RFC822.HEADER':
      literal(out, 'RFC822.HEADER', sectionOf(src.header!, HEADER));
      return;
    case 'RFC822.TEXT':
      literal(out, 'RFC822.TEXT', sectionOf(src.message!, TEXT));
      return;
    case 'BODY[]': {
      const s = a.section;
      const whole = s.part.length === 0 && s.text === undefined;
      let data = whole ? src.message! : sectionOf(src.message ?? src.header!, s);
      let name = `BODY[${sectionName(s)}]`;
      if (a.partial) {
        // RFC 3501 §6.4.5: the response names only the origin octet; past the end is "".
        name += `<${a.partial.start}>`;
        data = data.subarray(Math.min(a.partial.start, data.length), Math.min(a.partial.start + a.partial.length, data.length));
      }
      literal(out, name, data);
      return;
    }
    default:
      return;
  }
}

/**
 * The pieces of `* <seq> FETCH (...)` for one message. `showFlags` is true when
 * FLAGS were asked or \Seen was just set (RFC 3501 §6.4.5 then reports them).
 */
export function renderMessage(plan: FetchPlan, folder: Folder, seq: number, record: MessageRecord, recent: boolean, src: Loaded, showFlags: boolean): Piece[] {
  const out: Piece[] = [];
  if (plan.uid) out.push(`UID ${record.uid}`);
  if (showFlags) out.push(`FLAGS ${flagList(record, recent)}`);
  for (const a of plan.items) renderItem(a, folder, record, src, out);
  if (plan.modseq) out.push(`MODSEQ (${record.modseq})`);
  // Join the text between literals: `* 3 FETCH (UID 9 BODY[] {n}` + octets + `)`.
  const pieces: Piece[] = [];
  let text = `* ${seq} FETCH (`;
  let first = true;
  for (const p of out) {
    if (typeof p === 'string') {
      text += (first ? '' : ' ') + p;
      first = false;
    } else {
      pieces.push(text, p);
      text = '';
    }
  }
  pieces.push(text + ')');
  return pieces;
}
