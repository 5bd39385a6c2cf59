// The index summary in the stamp file: a process opening a folder whose
// stamp still matches takes the index up from the summary (counts for
// SELECT, no records read), and the records it reads later are exactly the
// ones the summary described, whatever other processes did meanwhile
// (a delivery recorded, the index compacted). A summary that does not fit
// is ignored and the index read as before.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FolderCore, STAMP_FILE } from '../../src/mailbox/folder.js';
import { countMessages, Snapshot } from '../../src/mailbox/folder-snapshot.js';
import { addMessage, message, writeMaildir } from './fixture.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-folder-summary-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msg = (s: string, flags?: string) => ({ content: message(s, ['body']), folder: flags === undefined ? ('new' as const) : ('cur' as const), flags });

/** A folder indexed by a first process, its stamp and summary saved (bounded wait). */
async function indexed(user: string): Promise<{ folder: string; first: FolderCore }> {
  writeMaildir(dir, user, [msg('one', 'S'), msg('two', ''), msg('three', 'FS'), msg('four')]);
  const folder = join(dir, user);
  const first = new FolderCore('INBOX', folder);
  await first.sync();
  for (let i = 0; i < 80 && !summaryLine(folder); i++) await sleep(50);
  assert.ok(summaryLine(folder), 'the stamp file carries a summary');
  return { folder, first };
}

function summaryLine(folder: string): string | undefined {
  if (!existsSync(join(folder, STAMP_FILE))) return undefined;
  return readFileSync(join(folder, STAMP_FILE), 'latin1').split('\n')[1] || undefined;
}

describe('index summary', () => {
  it('a new process answers from the summary without reading records, then reads exactly them', async () => {
    const { folder, first } = await indexed('ann');
    const expected = first.snapshot.messages.map((m) => [m.uid, m.flags.join(' ')]);
    const second = new FolderCore('INBOX', folder);
    const snap = (await second.sync()) as Snapshot;
    assert.equal(snap.deferred, true, 'no records read by the sync');
    assert.deepEqual(snap.counts, countMessages(first.snapshot.messages, first.snapshot.firstRecentUid));
    assert.equal(snap.counts.messages, 4);
    assert.equal(snap.counts.firstUnseen, 2);
    assert.equal(snap.uidNext, first.snapshot.uidNext);
    assert.equal(snap.uidValidity, first.snapshot.uidValidity);
    assert.deepEqual(
      snap.messages.map((m) => [m.uid, m.flags.join(' ')]),
      expected,
    );
    assert.equal(snap.deferred, false);
  });

  it('what another process records meanwhile is not in the deferred snapshot, and is in the next sync', async () => {
    const { folder, first } = await indexed('bea');
    const second = new FolderCore('INBOX', folder);
    const snap = (await second.sync()) as Snapshot;
    assert.equal(snap.deferred, true);
    addMessage(folder, msg('five'));
    const grown = await first.sync(); // records UID 5 in the index
    assert.equal(grown.messages.length, 5);
    // Compacted too: a new index file; the deferred one is read from the file it was taken up from.
    await first.index.compact();
    assert.deepEqual(
      snap.messages.map((m) => m.uid),
      [1, 2, 3, 4],
    );
    const next = await second.sync();
    assert.deepEqual(
      next.messages.map((m) => m.uid),
      [1, 2, 3, 4, 5],
    );
    assert.equal(next.counts.messages, 5);
  });

  it('a deferred index dropped from the cache lets its file go, and is read anew when taken up again', async () => {
    const { folder } = await indexed('eve');
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const core = new FolderCore('INBOX', folder);
    assert.equal(((await core.sync()) as Snapshot).deferred, true);
    assert.equal(fds(), before + 1, 'the index file is held open');
    core.index.dropDeferred();
    assert.equal(fds(), before);
    assert.equal(core.index.loaded, false);
    assert.equal(core.index.msgs.length, 0);
    assert.equal((await new FolderCore('INBOX', folder).sync()).messages.length, 4);
  });

  it('a garbled summary or a stamp that no longer matches means the index is read', async () => {
    const { folder } = await indexed('cat');
    const stamp = readFileSync(join(folder, STAMP_FILE), 'latin1').split('\n')[0];
    writeFileSync(join(folder, STAMP_FILE), `${stamp}\nS garbage\n`);
    const garbled = (await new FolderCore('INBOX', folder).sync()) as Snapshot;
    assert.equal(garbled.deferred, false);
    assert.equal(garbled.counts.messages, 4);
    // A delivery since the stamp: the directories' stat differs, the folder is listed and the message found.
    const { folder: other } = await indexed('dot');
    addMessage(other, msg('late'));
    const listed = (await new FolderCore('INBOX', other).sync()) as Snapshot;
    assert.equal(listed.deferred, false);
    assert.equal(listed.counts.messages, 5);
  });
});
