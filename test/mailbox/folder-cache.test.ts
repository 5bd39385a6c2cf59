// What makes SELECT cheap: a folder's core outlives its last session (and
// sees what changed meanwhile when it is taken again), users whose Maildirs
// are one directory share it, and a new process trusts an index whose
// stamp file matches the directories instead of listing them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FolderCore, STAMP_FILE } from '../../src/mailbox/folder.js';
import { INDEX_FILE } from '../../src/mailbox/folder-index.js';
import type { FolderHandle } from '../../src/mailbox/folder-handle.js';
import { openUserStore } from '../../src/mailbox/folder-store.js';
import { addMessage, message, writeMaildir } from './fixture.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-folder-cache-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const msg = (s: string) => ({ content: message(s, ['body']) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stamp as the store writes it (FORMAT.md): ino:mtime:ctime:size of new/, cur/ and the index, times in ms. */
function stampOf(folder: string): string {
  return ['new', 'cur', INDEX_FILE]
    .map((f) => {
      const st = statSync(join(folder, f));
      return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${st.size}`;
    })
    .join('|');
}

describe('folder cache', () => {
  it('keeps a folder after its last session lets go, and the next open sees a delivery made meanwhile', async () => {
    writeMaildir(dir, 'carol', [msg('one'), msg('two')]);
    const store = openUserStore(dir, 'carol');
    const first = (await store.open('INBOX')) as FolderHandle;
    assert.equal(first.current().messages.length, 2);
    const core = first.core;
    first.release();
    addMessage(join(dir, 'carol'), msg('three'));
    const again = (await store.open('INBOX')) as FolderHandle;
    try {
      assert.equal(again.core, core, 'the same core, not a reload');
      assert.deepEqual(
        again.current().messages.map((m) => m.uid),
        [1, 2, 3],
      );
    } finally {
      again.release();
    }
  });

  it('shares one core between users whose Maildirs are the same directory', async () => {
    writeMaildir(dir, 'dave', [msg('one')]);
    symlinkSync(join(dir, 'dave'), join(dir, 'dave2'));
    const a = (await openUserStore(dir, 'dave').open('INBOX')) as FolderHandle;
    const b = (await openUserStore(dir, 'dave2').open('INBOX')) as FolderHandle;
    try {
      assert.equal(a.core, b.core);
    } finally {
      a.release();
      b.release();
    }
  });

  it('a new process trusts the index when the stamp matches, and lists the folder when it does not', async () => {
    writeMaildir(dir, 'erin', [msg('one'), msg('two')]);
    const folder = join(dir, 'erin');
    const one = new FolderCore('INBOX', folder);
    assert.equal((await one.sync()).messages.length, 2); // builds the index (a write: no stamp yet)
    await sleep(1100); // past the second in which the directories last changed
    await one.sync(); // a clean listing, nothing written: the stamp is saved
    assert.ok(existsSync(join(folder, STAMP_FILE)));
    // A file the index does not know, with a stamp that vouches for the directories as they are now:
    // a process that trusts the stamp does not list them (and so does not see the file).
    addMessage(folder, msg('three'));
    writeFileSync(join(folder, STAMP_FILE), `${stampOf(folder)}\n`);
    const trusting = new FolderCore('INBOX', folder);
    assert.equal((await trusting.sync()).messages.length, 2);
    writeFileSync(join(folder, STAMP_FILE), 'garbage\n');
    const listing = new FolderCore('INBOX', folder);
    assert.equal((await listing.sync()).messages.length, 3);
  });

  it('saves the stamp on its own a little after a write, so the next process need not list the folder', async () => {
    writeMaildir(dir, 'grace', [msg('one'), msg('two')]);
    const folder = join(dir, 'grace');
    const core = new FolderCore('INBOX', folder);
    assert.equal((await core.sync()).messages.length, 2); // builds the index: a write, no stamp yet
    assert.equal(existsSync(join(folder, STAMP_FILE)), false);
    // Nobody syncs again: the core's own later sync saves it (bounded wait, a second past the write at most).
    for (let i = 0; i < 60 && !existsSync(join(folder, STAMP_FILE)); i++) await sleep(50);
    assert.ok(existsSync(join(folder, STAMP_FILE)));
    assert.equal(readFileSync(join(folder, STAMP_FILE), 'latin1').split('\n')[0], stampOf(folder));
  });
});
