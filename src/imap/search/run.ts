// Runs a SEARCH key over the messages of a session's view: index-only keys
// first, then the header when a header key still decides, the whole message
// only for BODY/TEXT. Yields to the event loop now and then so a search over a
// large folder does not stall the other sessions.
import type { Folder, MessageRecord } from '../../mailbox/folders.js';
import { load } from '../fetch/source.js';
import type { SearchKey } from '../types.js';
import { evaluate, keysOf, needsOf, type SearchEnv, type SearchSubject } from './evaluate.js';
import { setMatcher } from './sets.js';

/** How many messages are looked at between two turns of the event loop. */
const BATCH = 500;

export interface SearchInput {
  readonly folder: Folder;
  /** The session's messages (index i is sequence number i + 1), with their latest flags. */
  readonly messages: readonly MessageRecord[];
  readonly recent: ReadonlySet<number>;
  readonly saved: readonly number[];
  readonly key: SearchKey;
}

/** The indexes (ascending) of the messages that match. */
export async function searchMessages(input: SearchInput): Promise<number[]> {
  const { folder, messages, key } = input;
  const maxUid = messages.length > 0 ? messages[messages.length - 1]!.uid : 0;
  const env: SearchEnv = { seqMatch: new Map() };
  for (const k of keysOf(key)) {
    if (k.op === 'seq') env.seqMatch.set(k, setMatcher(k.set, messages.length, input.saved));
    if (k.op === 'uid') env.seqMatch.set(k, setMatcher(k.set, maxUid, input.saved));
  }
  const needs = needsOf(key);
  const out: number[] = [];
  for (let i = 0; i < messages.length; i++) {
    if (i > 0 && i % BATCH === 0) await new Promise((r) => setImmediate(r));
    const record = messages[i]!;
    const m: SearchSubject = { seq: i + 1, record, recent: input.recent.has(record.uid), folder };
    let v = evaluate(key, m, env);
    if (v === undefined && needs.header && !needs.message) {
      if (load(folder, record.uid, 'header', m)) v = evaluate(key, m, env);
    } else if (v === undefined && needs.header) {
      // Both kinds of key: the header may settle it before the body is read.
      if (load(folder, record.uid, 'header', m)) v = evaluate(key, m, env);
      if (v === undefined && load(folder, record.uid, 'message', m)) v = evaluate(key, m, env);
    } else if (v === undefined) {
      if (load(folder, record.uid, 'message', m)) v = evaluate(key, m, env);
    }
    // A message that vanished meanwhile matches nothing that needed its file.
    if (v === true) out.push(i);
  }
  return out;
}
