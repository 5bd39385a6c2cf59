// The selected mailbox as one session sees it (RFC 3501 §5.2, §7.4.1): the
// snapshot it has announced (shared by reference with the folder and every
// other session, never copied), sequence number <-> UID resolution, and
// announce(), which brings the session up to date with untagged EXPUNGE (or
// RFC 7162 VANISHED), EXISTS, RECENT and FETCH FLAGS responses.
import type { Folder, FolderSnapshot, MessageRecord } from '../mailbox/folders.js';
import { uidSetString } from './sequence.js';
import type { SelectedView, SequenceSet } from './types.js';

export interface AnnounceSink {
  readonly enabled: ReadonlySet<string>;
  send(line: string): void;
}

/** Index of the message with `uid`, or of the first one above it (binary search). */
export function lowerBound(messages: readonly MessageRecord[], uid: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (messages[mid]!.uid < uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((f, i) => f === b[i]);
}

export class Selected implements SelectedView {
  savedSearch: readonly number[] = [];
  recent: Set<number>;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    readonly folder: Folder,
    readonly readOnly: boolean,
    public snapshot: FolderSnapshot,
    recent: Iterable<number>,
  ) {
    this.recent = new Set(recent);
  }

  /** Message indexes (ascending, unique) named by a sequence set of sequence numbers or UIDs. */
  resolve(set: SequenceSet, uid: boolean): number[] {
    const msgs = this.snapshot.messages;
    if (msgs.length === 0) return [];
    const out = new Set<number>();
    if ('saved' in set) {
      for (const u of this.savedSearch) {
        const i = lowerBound(msgs, u);
        if (msgs[i]?.uid === u) out.add(i);
      }
    } else if (uid) {
      const max = msgs[msgs.length - 1]!.uid;
      for (const [a0, b0] of set.ranges) {
        const a = a0 === Infinity ? max : a0;
        const b = b0 === Infinity ? max : b0;
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        for (let i = lowerBound(msgs, lo); i < msgs.length && msgs[i]!.uid <= hi; i++) out.add(i);
      }
    } else {
      const n = msgs.length;
      for (const [a0, b0] of set.ranges) {
        const a = Math.min(a0, n);
        const b = Math.min(b0, n);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        for (let i = lo; i <= hi; i++) out.add(i - 1);
      }
    }
    return [...out].sort((x, y) => x - y);
  }

  /** FLAGS as this session shows them (\Recent added for its own recent messages). */
  flagsOf(m: MessageRecord): string[] {
    return this.recent.has(m.uid) ? [...m.flags, '\\Recent'] : [...m.flags];
  }

  /**
   * Serialised: an IDLE push and a command's announce never interleave.
   * `reported`: UIDs whose flags the command itself has just sent (STORE,
   * FETCH setting \Seen), not repeated as unsolicited FETCH.
   */
  announce(allowExpunge: boolean, sink: AnnounceSink, reported?: ReadonlySet<number>): Promise<void> {
    const run = this.busy.then(() => this.announceNow(allowExpunge, sink, reported));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async announceNow(allowExpunge: boolean, sink: AnnounceSink, reported: ReadonlySet<number> | undefined): Promise<void> {
    await this.folder.sync();
    const cur = this.folder.current();
    if (cur === this.snapshot) return;
    const old = this.snapshot.messages;
    const neu = cur.messages;
    const expunged: number[] = [];
    const changed: number[] = [];
    let added = 0;
    let i = 0;
    let j = 0;
    while (i < old.length || j < neu.length) {
      if (j >= neu.length || (i < old.length && old[i]!.uid < neu[j]!.uid)) expunged.push(i++);
      else if (i >= old.length || neu[j]!.uid < old[i]!.uid) {
        added++;
        j++;
      } else {
        const a = old[i++]!;
        const b = neu[j]!;
        if (a !== b && (a.modseq !== b.modseq || !sameFlags(a.flags, b.flags))) changed.push(j);
        j++;
      }
    }
    // RFC 3501 §7.4.1: no EXPUNGE during FETCH, STORE or SEARCH; everything waits with it.
    if (expunged.length > 0 && !allowExpunge) return;
    const qresync = sink.enabled.has('QRESYNC');
    const condstore = qresync || sink.enabled.has('CONDSTORE');
    if (expunged.length > 0) {
      if (qresync) sink.send(`* VANISHED ${uidSetString(expunged.map((k) => old[k]!.uid))}`);
      else for (let k = expunged.length - 1; k >= 0; k--) sink.send(`* ${expunged[k]! + 1} EXPUNGE`);
      for (const k of expunged) this.recent.delete(old[k]!.uid);
    }
    const oldKeywords = this.snapshot.keywords;
    this.snapshot = cur;
    if (cur.keywords && cur.keywords.join(' ') !== (oldKeywords ?? []).join(' ')) {
      // RFC 3501 §7.2.6: a new keyword changes the mailbox's FLAGS.
      sink.send(`* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft${cur.keywords.map((k) => ` ${k}`).join('')})`);
    }
    if (added > 0) {
      if (!this.readOnly) for (const u of await this.folder.claimRecent()) this.recent.add(u);
      sink.send(`* ${neu.length} EXISTS`);
      sink.send(`* ${this.recentCount()} RECENT`);
    }
    for (const k of changed) {
      const m = neu[k]!;
      if (reported?.has(m.uid)) continue;
      const extra = condstore ? ` UID ${m.uid} MODSEQ (${m.modseq})` : '';
      sink.send(`* ${k + 1} FETCH (FLAGS (${this.flagsOf(m).join(' ')})${extra})`);
    }
  }

  recentCount(): number {
    if (this.recent.size === 0) return 0; // without reading a deferred snapshot's messages
    let n = 0;
    const msgs = this.snapshot.messages;
    for (const u of this.recent) {
      const i = lowerBound(msgs, u);
      if (msgs[i]?.uid === u) n++;
    }
    return n;
  }
}
