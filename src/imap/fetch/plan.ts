// What a FETCH asks for, worked out once before the messages are visited: the
// items in response order (UID first for UID FETCH, FLAGS added when \Seen is
// set implicitly, MODSEQ when CONDSTORE requires it), whether the file is
// needed (and only its header or all of it), and whether \Seen gets set.
import type { FetchAtt, Section } from '../types.js';

export interface FetchPlan {
  /** The requested items without UID/FLAGS/MODSEQ duplicates, in request order. */
  readonly items: readonly FetchAtt[];
  readonly uid: boolean;
  readonly flags: boolean;
  readonly modseq: boolean;
  /** 'none': index only; 'header': Folder.readHeader; 'message': Folder.read. */
  readonly read: 'none' | 'header' | 'message';
  /** RFC 3501 §6.4.5: BODY[...] without .PEEK, RFC822 and RFC822.TEXT set \Seen. */
  readonly setsSeen: boolean;
}

/** A section that the header block alone can answer. */
function headerOnly(s: Section): boolean {
  return s.part.length === 0 && (s.text === 'HEADER' || s.text === 'HEADER.FIELDS' || s.text === 'HEADER.FIELDS.NOT');
}

/**
 * Plans a FETCH. `uidCommand` adds UID (RFC 3501 §6.4.8); `condstore` (enabled
 * or implied by CHANGEDSINCE) adds MODSEQ to every response that has FLAGS
 * (RFC 7162 §3.1.4.1), and CHANGEDSINCE adds it to every response (§3.1.4.2).
 */
export function planFetch(atts: readonly FetchAtt[], opts: { uidCommand: boolean; condstore: boolean; changedSince: boolean }): FetchPlan {
  const items: FetchAtt[] = [];
  let uid = opts.uidCommand;
  let flags = false;
  let modseq = opts.changedSince;
  let read: FetchPlan['read'] = 'none';
  let setsSeen = false;
  const need = (r: 'header' | 'message') => {
    if (read !== 'message') read = r;
  };
  for (const a of atts) {
    switch (a.kind) {
      case 'UID':
        uid = true;
        continue;
      case 'FLAGS':
        flags = true;
        continue;
      case 'MODSEQ':
        modseq = true;
        continue;
      case 'ENVELOPE':
      case 'RFC822.HEADER':
        need('header');
        break;
      case 'RFC822':
      case 'RFC822.TEXT':
        need('message');
        setsSeen = true;
        break;
      case 'BODY':
      case 'BODYSTRUCTURE':
        need('message');
        break;
      case 'BODY[]':
        need(headerOnly(a.section) ? 'header' : 'message');
        if (!a.peek) setsSeen = true;
        break;
      default:
        break;
    }
    items.push(a);
  }
  if (flags && opts.condstore) modseq = true;
  return { items, uid, flags, modseq, read, setsSeen };
}

/** The name of a section as the response repeats it: `1.2.HEADER.FIELDS (FROM TO)`. */
export function sectionName(s: Section): string {
  let name = s.part.join('.');
  if (s.text) {
    name += (name ? '.' : '') + s.text;
    if (s.fields) name += ` (${s.fields.join(' ')})`;
  }
  return name;
}
