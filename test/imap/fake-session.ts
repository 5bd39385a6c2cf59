// A stand-in for the IMAP session around the message-command executors: the
// session's real selected view (src/imap/selected.ts, which announces EXPUNGE/
// VANISHED, EXISTS and FETCH FLAGS), with what the executors write collected.
import type { Folder, UserStore } from '../../src/mailbox/folders.js';
import { Selected } from '../../src/imap/selected.js';
import type { CommandContext } from '../../src/imap/types.js';

export type FakeView = Selected;

export interface FakeSession extends CommandContext {
  selected: FakeView | undefined;
  /** Everything written: lines (with CRLF) and literal octets, in order. */
  out: Array<string | Buffer>;
  /** The written output as one string. */
  text(): string;
  /** Forgets what was written. */
  clear(): void;
}

const quietLog = { event() {}, info() {}, warn() {}, error() {}, debug() {} };

export function makeView(folder: Folder, opts: { readOnly?: boolean; recent?: number[] } = {}): FakeView {
  return new Selected(folder, opts.readOnly ?? false, folder.current(), opts.recent ?? []);
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
    announce(allowExpunge: boolean) {
      return s.selected ? s.selected.announce(allowExpunge, s) : Promise.resolve();
    },
  };
  return s;
}
