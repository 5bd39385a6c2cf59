// The session's view of a selected folder: sequence numbers and UIDs
// resolved by binary search (with * and $), compact UID sets, the QRESYNC
// report of vanished and changed messages, and announce() against a fake
// folder (EXPUNGE highest first, or VANISHED; held back when not allowed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Folder, FolderSnapshot, MessageRecord } from '../../src/mailbox/folders.js';
import { qresyncReport } from '../../src/imap/qresync.js';
import { Selected } from '../../src/imap/selected.js';
import { countMessages } from '../../src/mailbox/folder-snapshot.js';
import { uidSetString } from '../../src/imap/sequence.js';

const rec = (uid: number, flags: string[] = [], modseq = 1): MessageRecord => ({ uid, base: `m${uid}`, flags, modseq, size: 10, internalDate: 0 });
const snap = (messages: MessageRecord[], highestModseq = 5): FolderSnapshot => ({ uidValidity: 7, uidNext: (messages.at(-1)?.uid ?? 0) + 1, highestModseq, messages, firstRecentUid: 1, counts: countMessages(messages, 1) });

function fakeFolder(states: FolderSnapshot[]): Folder & { next(): void } {
  let i = 0;
  return {
    name: 'INBOX',
    current: () => states[i]!,
    next: () => void i++,
    sync: async () => ({ snapshot: states[i]!, expunged: [], added: [], flagsChanged: [] }),
    claimRecent: async () => [],
  } as unknown as Folder & { next(): void };
}

describe('IMAP selected view', () => {
  const msgs = [2, 4, 5, 9, 30].map((u) => rec(u));
  const sel = new Selected(fakeFolder([snap(msgs)]), false, snap(msgs), []);

  it('resolves sequence numbers, UIDs, * and $', () => {
    assert.deepEqual(sel.resolve({ ranges: [[1, 2], [5, 5]] }, false), [0, 1, 4]);
    assert.deepEqual(sel.resolve({ ranges: [[4, Infinity]] }, false), [3, 4]);
    assert.deepEqual(sel.resolve({ ranges: [[Infinity, 3]] }, false), [2, 3, 4]);
    assert.deepEqual(sel.resolve({ ranges: [[3, 9]] }, true), [1, 2, 3]);
    assert.deepEqual(sel.resolve({ ranges: [[100, Infinity]] }, true), [4]); // RFC 3501: n:* includes the highest UID
    assert.deepEqual(sel.resolve({ ranges: [[6, 8], [31, 40]] }, true), []);
    sel.savedSearch = [9, 2, 77];
    assert.deepEqual(sel.resolve({ saved: true }, true), [0, 3]);
    const empty = new Selected(fakeFolder([snap([])]), false, snap([]), []);
    assert.deepEqual(empty.resolve({ ranges: [[1, Infinity]] }, false), []);
  });

  it('writes UID sets compactly', () => {
    assert.equal(uidSetString([7, 1, 2, 3, 9, 10, 2]), '1:3,7,9:10');
    assert.equal(uidSetString([]), '');
  });

  it('reports vanished ranges and changed messages for QRESYNC', () => {
    const lines: string[] = [];
    const s2 = new Selected(fakeFolder([]), false, snap([rec(2, [], 3), rec(5, ['\\Seen'], 9), rec(9, [], 2)], 9), []);
    qresyncReport(s2, { modseq: 4, knownUids: { ranges: [[1, Infinity]] } }, (l) => lines.push(l));
    assert.deepEqual(lines, ['* VANISHED (EARLIER) 1,3:4,6:8', '* 2 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (9))']);
  });

  it('announces expunges highest first, new messages and flag changes; holds expunges when asked', async () => {
    const a = snap([rec(1), rec(2), rec(3), rec(4)]);
    const b = snap([rec(1), rec(3, ['\\Seen'], 2), rec(5)]);
    const folder = fakeFolder([a, b]);
    const view = new Selected(folder, false, a, []);
    folder.next();
    const out: string[] = [];
    const sink = { enabled: new Set<string>(), send: (l: string) => void out.push(l) };
    await view.announce(false, sink);
    assert.deepEqual(out, []);
    assert.equal(view.snapshot, a);
    await view.announce(true, sink);
    assert.deepEqual(out, ['* 4 EXPUNGE', '* 2 EXPUNGE', '* 3 EXISTS', '* 0 RECENT', '* 2 FETCH (FLAGS (\\Seen))']);
    assert.equal(view.snapshot, b);

    const q = new Selected(fakeFolder([a, b]), true, a, []);
    (q.folder as unknown as { next(): void }).next();
    const out2: string[] = [];
    await q.announce(true, { enabled: new Set(['CONDSTORE', 'QRESYNC']), send: (l) => void out2.push(l) });
    assert.deepEqual(out2, ['* VANISHED 2,4', '* 3 EXISTS', '* 0 RECENT', '* 2 FETCH (FLAGS (\\Seen) UID 3 MODSEQ (2))']);

    // A STORE's own FETCH responses are not repeated by the announce after it.
    const r = new Selected(fakeFolder([a, b]), false, a, []);
    (r.folder as unknown as { next(): void }).next();
    const out3: string[] = [];
    await r.announce(true, { enabled: new Set(), send: (l) => void out3.push(l) }, new Set([3]));
    assert.ok(!out3.some((l) => l.includes('FETCH')), out3.join('\n'));
  });
});
