// A folder's snapshot (the FolderSnapshot contract of folders.ts): header
// values, the message list, and the counts SELECT and STATUS announce. The
// list may be given as a loader: a process opening a folder whose index was
// summed up on disk (the stamp file) answers SELECT from the counts and reads
// the index's records only when a command needs the messages, as Dovecot
// maps its index instead of reading it.
import type { IndexHeader } from './folder-index.js';
import type { FolderCounts, FolderSnapshot, MessageRecord } from './folders.js';

export class Snapshot implements FolderSnapshot {
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly highestModseq: number;
  readonly firstRecentUid: number;
  private list: readonly MessageRecord[] | undefined;
  private sums: FolderCounts | undefined;

  constructor(
    header: Readonly<IndexHeader>,
    readonly keywords: readonly string[],
    messages: readonly MessageRecord[] | (() => readonly MessageRecord[]),
    /** Known without the messages (from the on-disk summary); else counted from them on first use. */
    counts?: FolderCounts,
  ) {
    this.uidValidity = header.uidValidity;
    this.uidNext = header.uidNext;
    this.highestModseq = header.highestModseq;
    this.firstRecentUid = header.firstRecentUid;
    if (typeof messages === 'function') this.load = messages;
    else this.list = messages;
    this.sums = counts;
  }

  private load: (() => readonly MessageRecord[]) | undefined;

  /** True while the messages have not been read (the counts are still known). */
  get deferred(): boolean {
    return this.list === undefined;
  }

  get messages(): readonly MessageRecord[] {
    if (this.list === undefined) {
      this.list = this.load!();
      this.load = undefined;
    }
    return this.list;
  }

  get counts(): FolderCounts {
    return (this.sums ??= countMessages(this.messages, this.firstRecentUid));
  }
}

/** The counts of a message list (one pass). */
export function countMessages(msgs: readonly MessageRecord[], firstRecentUid: number): FolderCounts {
  let unseen = 0;
  let firstUnseen = 0;
  let recent = 0;
  let size = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (!m.flags.includes('\\Seen')) {
      unseen++;
      if (!firstUnseen) firstUnseen = i + 1;
    }
    if (m.uid >= firstRecentUid) recent++;
    size += m.size;
  }
  return { messages: msgs.length, unseen, firstUnseen, recent, size, lastUid: msgs.length ? msgs[msgs.length - 1]!.uid : 0 };
}
