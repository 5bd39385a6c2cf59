// FETCH and SEARCH through the folder's message cache: ENVELOPE and
// BODYSTRUCTURE served from the cache equal what is computed from the file,
// a new store (a restarted daemon) serves them without reading the file, and
// SEARCH SUBJECT/FROM answers from cached header values as from the file.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runFetch } from '../../src/imap/commands/fetch.js';
import { CACHE_NAME } from '../../src/imap/fetch/cached.js';
import { bodyStructureOf, envelopeOf } from '../../src/imap/mime/index.js';
import { searchMessages } from '../../src/imap/search/run.js';
import type { Folder } from '../../src/mailbox/folders.js';
import { openUserStore } from '../../src/mailbox/folder-store.js';
import { forgetCores } from '../../src/mailbox/folder-cache.js';
import type { FetchAtt } from '../../src/imap/types.js';
import { fresh, openFixture, removeFixtures } from './messages-fixture.js';

after(removeFixtures);

const ATTS: FetchAtt[] = [{ kind: 'ENVELOPE' }, { kind: 'BODYSTRUCTURE' }, { kind: 'BODY' }];

test('cached ENVELOPE/BODYSTRUCTURE/BODY equal the freshly computed ones, also after a restart', async () => {
  const s = await openFixture();
  s.ctx.clear();
  await runFetch(s.ctx, { tag: 'A', name: 'FETCH', uid: false, set: { ranges: [[1, 4]] } as never, atts: ATTS });
  const first = s.ctx.text();
  const msgs = (await fresh(s.inbox)).messages;
  for (const m of msgs) {
    const file = s.inbox.read(m.uid)!;
    const header = s.inbox.readHeader(m.uid)!;
    assert.equal(s.inbox.cached!(m.uid, CACHE_NAME.ENVELOPE), envelopeOf(header));
    assert.equal(s.inbox.cached!(m.uid, CACHE_NAME.BODYSTRUCTURE), bodyStructureOf(file, true));
    assert.equal(s.inbox.cached!(m.uid, CACHE_NAME.BODY), bodyStructureOf(file, false));
  }
  // Same answer from the cache, without the file being read.
  const reads = countReads(s.inbox);
  s.ctx.clear();
  await runFetch(s.ctx, { tag: 'B', name: 'FETCH', uid: false, set: { ranges: [[1, 4]] } as never, atts: ATTS });
  assert.equal(s.ctx.text(), first);
  assert.equal(reads(), 0);
});

test('a restarted store serves the cache from the file', async () => {
  const s = await openFixture();
  s.ctx.clear();
  await runFetch(s.ctx, { tag: 'A', name: 'FETCH', uid: false, set: { ranges: [[1, 4]] } as never, atts: ATTS });
  const uid = (await fresh(s.inbox)).messages[0]!.uid;
  const want = s.inbox.cached!(uid, CACHE_NAME.ENVELOPE);
  // A new process (the folder's memory gone) reads the cache file.
  const coreOf = (f: Folder) => (f as unknown as { core: { cache: { flush(): Promise<void> } } }).core;
  await coreOf(s.inbox).cache.flush();
  const old = coreOf(s.inbox);
  s.inbox.release();
  s.archive.release();
  // Released folders stay in the process's folder cache for a while: forget it, as a restart would.
  forgetCores([(old as unknown as { dir: string }).dir]);
  const again = await openUserStore(s.dir, 'alice').open('INBOX');
  await again.sync();
  assert.notEqual(coreOf(again), old);
  assert.equal(again.cached!(uid, CACHE_NAME.ENVELOPE), want);
  again.release();
});

test('SEARCH SUBJECT/FROM/TO/CC from cached values matches the answers from the file', async () => {
  const s = await openFixture();
  const messages = (await fresh(s.inbox)).messages;
  const keys = [
    { op: 'header', field: 'SUBJECT', value: 'quarterly' },
    { op: 'header', field: 'subject', value: 'grüße' },
    { op: 'header', field: 'FROM', value: 'ALICE' },
    { op: 'header', field: 'CC', value: '' },
    { op: 'header', field: 'To', value: 'team' },
  ] as const;
  const run = (key: (typeof keys)[number], folder: Folder) => searchMessages({ folder, messages, recent: new Set(), saved: [], key: key as never });
  // A folder without a cache (the methods hidden) gives the reference answers.
  const plain = Object.create(s.inbox, { cached: { value: undefined }, remember: { value: undefined } }) as Folder;
  for (const key of keys) {
    const want = await run(key, plain);
    assert.deepEqual(await run(key, s.inbox), want, `${key.field} first`);
    const reads = countReads(s.inbox);
    assert.deepEqual(await run(key, s.inbox), want, `${key.field} cached`);
    assert.equal(reads(), 0, `${key.field} read no file`);
  }
  assert.deepEqual(await run(keys[0], s.inbox), [0, 3]);
});

/** Counts read()/readHeader() calls on a folder from now on. */
function countReads(folder: Folder): () => number {
  let n = 0;
  const core = (folder as unknown as { core: { read(u: number): unknown; readHeader(u: number): unknown } }).core;
  const r = core.read.bind(core);
  const h = core.readHeader.bind(core);
  core.read = (u) => (n++, r(u));
  core.readHeader = (u) => (n++, h(u));
  return () => n;
}
