// Evaluation of one SEARCH key tree against one message (RFC 3501 §6.4.4) in
// three-valued logic: a key whose data is not loaded yet is "unknown", so the
// cheap keys (flags, UIDs, sizes, INTERNALDATE from the index) decide first and
// a file is read only when the answer still depends on it.
import type { Folder, MessageRecord } from '../../mailbox/folders.js';
import { searchTextOf } from '../mime/index.js';
import type { SearchKey } from '../types.js';
import { cachedFieldValues, fieldValues, fold } from './cached.js';
import { compareDay, localDay, sentDay } from './dates.js';

/** true / false, or undefined while the data that decides it is not loaded. */
export type Tri = boolean | undefined;

/** One message as the evaluation sees it; header and message are filled by the runner as needed. */
export interface SearchSubject {
  readonly seq: number;
  readonly record: MessageRecord;
  readonly recent: boolean;
  /** The folder whose message cache answers common header keys (search/cached.ts). */
  readonly folder?: Folder | undefined;
  header?: Buffer | undefined;
  message?: Buffer | undefined;
  /** Per-message caches of decoded text. */
  text?: Map<string, string>;
}

/** What a key needs beyond the index: resolved set matchers keyed by the key object. */
export interface SearchEnv {
  readonly seqMatch: Map<SearchKey, (n: number) => boolean>;
}

export { fold };

function hasFlag(flags: readonly string[], flag: string): boolean {
  const f = fold(flag);
  return flags.some((x) => fold(x) === f);
}

function textOf(m: SearchSubject, which: 'body' | 'text'): string | undefined {
  if (!m.message) return undefined;
  m.text ??= new Map();
  let t = m.text.get(which);
  if (t === undefined) {
    t = fold(searchTextOf(m.message, which));
    m.text.set(which, t);
  }
  return t;
}

/** Evaluates `key` for `m` with what is loaded so far. */
export function evaluate(key: SearchKey, m: SearchSubject, env: SearchEnv): Tri {
  const r = m.record;
  switch (key.op) {
    case 'all':
      return true;
    case 'flag':
      return hasFlag(r.flags, key.flag) === key.set;
    case 'recent':
      return m.recent;
    case 'new':
      return m.recent && !hasFlag(r.flags, '\\Seen');
    case 'old':
      return !m.recent;
    case 'size':
      return key.cmp === 'larger' ? r.size > key.n : r.size < key.n;
    case 'modseq':
      return r.modseq >= key.min;
    case 'seq':
    case 'uid': {
      const match = env.seqMatch.get(key);
      // '$' (RFC 5182) always holds UIDs, whichever key carries it.
      const n = key.op === 'uid' || 'saved' in key.set ? r.uid : m.seq;
      return match ? match(n) : false;
    }
    case 'date': {
      if (key.which === 'internal') return compareDay(localDay(r.internalDate), key.cmp, key.day);
      if (!m.header) return undefined;
      const day = sentDay(m.header);
      return day === undefined ? false : compareDay(day, key.cmp, key.day);
    }
    case 'header': {
      const values = cachedFieldValues(m.folder, r.uid, key.field) ?? (m.header ? fieldValues(m.folder, r.uid, m.header, key.field) : undefined);
      if (values === undefined) return undefined;
      // An empty string matches every message that has the field (RFC 3501 HEADER).
      if (key.value === '') return values.length > 0;
      // A NUL in the search string could match across two values: nothing matches it.
      const want = fold(key.value);
      return !want.includes('\0') && values.includes(want);
    }
    case 'body':
    case 'text': {
      const t = textOf(m, key.op);
      return t === undefined ? undefined : t.includes(fold(key.value));
    }
    case 'not': {
      const v = evaluate(key.key, m, env);
      return v === undefined ? undefined : !v;
    }
    case 'or': {
      const a = evaluate(key.a, m, env);
      if (a === true) return true;
      const b = evaluate(key.b, m, env);
      if (b === true) return true;
      return a === undefined || b === undefined ? undefined : false;
    }
    case 'and': {
      let unknown = false;
      for (const k of key.keys) {
        const v = evaluate(k, m, env);
        if (v === false) return false;
        if (v === undefined) unknown = true;
      }
      return unknown ? undefined : true;
    }
  }
}

/** What of the file a key tree may need: 'header' for header fields and sent dates, 'message' for BODY/TEXT. */
export function needsOf(key: SearchKey): { header: boolean; message: boolean } {
  const out = { header: false, message: false };
  const walk = (k: SearchKey): void => {
    if (k.op === 'header' || (k.op === 'date' && k.which === 'sent')) out.header = true;
    else if (k.op === 'body' || k.op === 'text') out.message = true;
    else if (k.op === 'not') walk(k.key);
    else if (k.op === 'or') {
      walk(k.a);
      walk(k.b);
    } else if (k.op === 'and') k.keys.forEach(walk);
  };
  walk(key);
  return out;
}

/** Every key of a tree, depth first (to find the set keys and MODSEQ). */
export function keysOf(key: SearchKey): SearchKey[] {
  const out: SearchKey[] = [key];
  if (key.op === 'not') out.push(...keysOf(key.key));
  else if (key.op === 'or') out.push(...keysOf(key.a), ...keysOf(key.b));
  else if (key.op === 'and') for (const k of key.keys) out.push(...keysOf(k));
  return out;
}
