// A stand-in for the IMAP session around the message-command executors: it
// holds a selected view over a folder, collects what the executors write, and
// announces changes (EXPUNGE/VANISHED, EXISTS, FETCH FLAGS) by diffing snapshots.
import type { Folder, FolderSnapshot, UserStore } from '../../src/mailbox/folders.js';
import { setMatcher } from '../../src/imap/search/sets.js';
import type { CommandContext, SelectedView, SequenceSet } from '../../src/imap/types.js';

export interface FakeSession extends CommandContext {
  selected: FakeView | undefined;
  /** Everything written: lines (with CRLF) and literal octets, in order. */
  out: Array<string | Buffer>;
  /** The written output as one string. */
  text(): string;
  /** Forgets what was written. */
  clear(): void;
}

export interface FakeView extends SelectedView {
  snapshot: FolderSnapshot;
  recent: Set<number>;
}

const quietLog = { event() {}, info() {}, warn() {}, error() {}, debug() {} };

export function makeView(folder: Folder, opts: { readOnly?: boolean; recent?: number[] } = {}): FakeView {
  const view: FakeView = {
    folder,
    readOnly: opts.readOnly ?? false,
    snapshot: folder.current(),
    recent: new Set(opts.recent ?? []),
    savedSearch: [],
    resolve(set: SequenceSet, uid: boolean): number[] {
      const msgs = view.snapshot.messages;
      const max = uid ? (msgs.length ? msgs[msgs.length - 1]!.uid : 0) : msgs.length;
      const match = setMatcher(set, max, view.savedSearch);
      const out: number[] = [];
      msgs.forEach((m, i) => {
        if (match('saved' in set || uid ? m.uid : i + 1)) out.push(i);
      });
      return out;
    },
  };
  return view;
}

export function fakeSession(store: UserStore, view?: FakeView, enabled: string[] = []): FakeSession {
  const s: FakeSession = {
    user: store.user,
    store,
    log: quietLog,
    enabled: new Set(enabled),
    selected: view,
    out: [],
    text: () => Buffer.concat(s.out.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString(),
    clear: () => {
      s.out = [];
    },
    send(line: string) {
      s.out.push(line + '\r\n');
    },
    sendBytes(data: Buffer) {
      s.out.push(Buffer.from(data));
    },
    async announce(allowExpunge: boolean) {
      const v = s.selected;
      if (!v) return;
      const now = v.folder.current();
      const nowUids = new Set(now.messages.map((m) => m.uid));
      let msgs = [...v.snapshot.messages];
      if (allowExpunge) {
        const gone = msgs.filter((m) => !nowUids.has(m.uid)).map((m) => m.uid);
        if (s.enabled.has('QRESYNC') && gone.length) s.send(`* VANISHED ${gone.join(',')}`);
        for (const uid of gone) {
          const i = msgs.findIndex((m) => m.uid === uid);
          if (!s.enabled.has('QRESYNC')) s.send(`* ${i + 1} EXPUNGE`);
          msgs.splice(i, 1);
        }
      }
      const known = new Set(msgs.map((m) => m.uid));
      const added = now.messages.filter((m) => !known.has(m.uid));
      msgs = [...msgs, ...added];
      if (added.length) s.send(`* ${msgs.length} EXISTS`);
      v.snapshot = { ...now, messages: msgs.map((m) => now.messages.find((x) => x.uid === m.uid) ?? m) };
    },
  };
  return s;
}
