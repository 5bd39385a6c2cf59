// STORE and UID STORE (RFC 3501 §6.4.6) with CONDSTORE UNCHANGEDSINCE
// (RFC 7162 §3.1.3): flags change through the folder store, which keeps them in
// the Maildir file names; each message of the set then gets its FETCH FLAGS
// unless .SILENT, and messages changed since the given MODSEQ are left alone.
import type { MessageRecord } from '../../mailbox/folders.js';
import { flagList } from '../fetch/render.js';
import { compactSet, indexOfUid, latestRecord, seqSetInRange } from '../search/sets.js';
import type { Executor } from '../types.js';

const SYSTEM = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];
/** Atom characters a keyword may use (RFC 3501 §9 flag-keyword). */
const KEYWORD = /^[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

/** System flags in their canonical case; undefined for \Recent, unknown system flags or a bad keyword. */
export function normalizeFlags(flags: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (const f of flags) {
    if (f.startsWith('\\')) {
      const sys = SYSTEM.find((s) => s.toLowerCase() === f.toLowerCase());
      if (!sys) return undefined;
      if (!out.includes(sys)) out.push(sys);
    } else {
      if (!KEYWORD.test(f)) return undefined;
      if (!out.some((o) => o.toLowerCase() === f.toLowerCase())) out.push(f);
    }
  }
  return out;
}

export const runStore: Executor<'STORE'> = async (ctx, cmd) => {
  const view = ctx.selected;
  if (!view) return { status: 'BAD', text: 'No mailbox selected' };
  const name = cmd.uid ? 'UID STORE' : 'STORE';
  if (!cmd.uid && !seqSetInRange(cmd.set, view.snapshot.messages.length)) return { status: 'BAD', text: 'Invalid message sequence number' };
  // \Recent is the server's alone (RFC 3501 §2.3.2); unknown system flags are errors.
  const flags = normalizeFlags(cmd.flags);
  if (!flags) return { status: 'BAD', text: 'Invalid flag (\\Recent and unknown system flags cannot be stored)' };
  if (view.readOnly) return { status: 'NO', text: 'Mailbox is read-only' };
  if (cmd.unchangedSince !== undefined) ctx.enabled.add('CONDSTORE');
  const condstore = ctx.enabled.has('CONDSTORE') || ctx.enabled.has('QRESYNC');

  const snapshot = view.snapshot;
  const indexes = view.resolve(cmd.set, cmd.uid);
  const uids = indexes.map((i) => snapshot.messages[i]!.uid);
  const result = uids.length > 0 ? await view.folder.store(uids, cmd.op, flags, cmd.unchangedSince) : { changed: [], conflicts: [] };
  // The store may return records it left as they were: a change is a new MODSEQ.
  const before = new Map(indexes.map((i) => [snapshot.messages[i]!.uid, snapshot.messages[i]!.modseq]));
  const changed = new Map(result.changed.filter((r) => r.modseq > (before.get(r.uid) ?? 0)).map((r) => [r.uid, r]));
  const records = new Map(result.changed.map((r) => [r.uid, r]));
  const conflicts = new Set(result.conflicts);

  const current = view.folder.current();
  for (const i of indexes) {
    const uid = snapshot.messages[i]!.uid;
    if (conflicts.has(uid)) continue;
    const now: MessageRecord | undefined = records.get(uid) ?? latestRecord(current, uid);
    if (!now) continue; // expunged meanwhile
    const parts: string[] = [];
    if (cmd.uid) parts.push(`UID ${uid}`);
    if (!cmd.silent) parts.push(`FLAGS ${flagList(now, view.recent.has(uid))}`);
    // RFC 7162 §3.1.3: with CONDSTORE the new MODSEQ is reported even for .SILENT,
    // but only for messages whose flags did change.
    if (condstore && (!cmd.silent || changed.has(uid))) parts.push(`MODSEQ (${now.modseq})`);
    if (cmd.silent && !(condstore && changed.has(uid))) continue;
    ctx.send(`* ${i + 1} FETCH (${parts.join(' ')})`);
  }

  if (conflicts.size > 0) {
    // MODIFIED lists UIDs for UID STORE, sequence numbers for STORE (RFC 7162 §3.1.3).
    const nums = result.conflicts
      .map((uid) => (cmd.uid ? uid : indexOfUid(snapshot.messages, uid) + 1))
      .filter((n) => n > 0)
      .sort((a, b) => a - b);
    return { status: 'OK', code: `MODIFIED ${compactSet(nums)}`, text: `Conditional ${name} failed for some messages` };
  }
  return { status: 'OK', text: `${name} completed` };
};
