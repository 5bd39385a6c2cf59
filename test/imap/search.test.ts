// SEARCH evaluation over in-memory messages: every RFC 3501 key, MODSEQ,
// three-valued evaluation order (files read only when needed), ESEARCH/SAVE.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSearch } from '../../src/imap/commands/search.js';
import type { SearchKey } from '../../src/imap/types.js';
import { fresh, openFixture, removeFixtures, type Fixture } from './messages-fixture.js';

after(removeFixtures);
const setup = (opts: { recent?: number[] } = {}) => openFixture({ recent: opts.recent ?? [5, 6] });
let shared: Promise<Fixture> | undefined;

async function search(key: SearchKey, uid = false, given?: Fixture): Promise<string> {
  const s = given ?? (await (shared ??= setup()));
  s.ctx.clear();
  const done = await runSearch(s.ctx, { tag: 'A1', name: 'SEARCH', uid, key });
  assert.equal(done.status, 'OK', done.text);
  return s.ctx.text().trimEnd();
}

const flag = (f: string, set = true): SearchKey => ({ op: 'flag', flag: f, set });
const set = (...ranges: Array<[number, number]>) => ({ ranges });

test('flag keys, set and unset, system flags and keywords (case-insensitive)', async () => {
  assert.equal(await search({ op: 'all' }), '* SEARCH 1 2 3 4');
  assert.equal(await search(flag('\\Seen')), '* SEARCH 1');
  assert.equal(await search(flag('\\seen', false)), '* SEARCH 2 3 4');
  assert.equal(await search(flag('\\Answered')), '* SEARCH 2');
  assert.equal(await search(flag('\\Flagged')), '* SEARCH 2');
  assert.equal(await search(flag('\\Deleted')), '* SEARCH 3');
  assert.equal(await search(flag('\\Draft')), '* SEARCH 4');
  assert.equal(await search(flag('$work')), '* SEARCH 3');
  assert.equal(await search(flag('$Work', false)), '* SEARCH 1 2 4');
  assert.equal(await search(flag('\\Deleted', false), true), '* SEARCH 1 2 6');
});

test('RECENT, NEW, OLD use the session\'s \\Recent set', async () => {
  const s = await setup({ recent: [1, 5] });
  assert.equal(await search({ op: 'recent' }, false, s), '* SEARCH 1 3');
  assert.equal(await search({ op: 'new' }, false, s), '* SEARCH 3');
  assert.equal(await search({ op: 'old' }, false, s), '* SEARCH 2 4');
});

test('sequence sets, UID sets, * and the saved result', async () => {
  assert.equal(await search({ op: 'seq', set: set([2, Infinity]) }), '* SEARCH 2 3 4');
  assert.equal(await search({ op: 'seq', set: set([4, 2]) }), '* SEARCH 2 3 4');
  assert.equal(await search({ op: 'uid', set: set([2, 5]) }), '* SEARCH 2 3');
  assert.equal(await search({ op: 'uid', set: set([2, 5]) }, true), '* SEARCH 2 5');
  // RFC 3501: 100:* includes the highest UID even when 100 is beyond it.
  assert.equal(await search({ op: 'uid', set: set([100, Infinity]) }, true), '* SEARCH 6');
  const s = await setup();
  s.view.savedSearch = [2, 6];
  assert.equal(await search({ op: 'seq', set: { saved: true } }, true, s), '* SEARCH 2 6');
});

test('LARGER, SMALLER, BEFORE, ON, SINCE (internal date, server day), MODSEQ', async () => {
  const s = await setup();
  const sizes = (await fresh(s.inbox)).messages.map((m) => m.size);
  assert.equal(await search({ op: 'size', cmp: 'larger', n: sizes[0]! }, false, s), `* SEARCH ${sizes.map((n, i) => (n > sizes[0]! ? i + 1 : 0)).filter(Boolean).join(' ')}`);
  assert.equal(await search({ op: 'size', cmp: 'smaller', n: 1000 }, false, s), '* SEARCH 1 2 3');
  assert.equal(await search({ op: 'date', which: 'internal', cmp: 'before', day: '2023-11-15' }), '* SEARCH 1');
  assert.equal(await search({ op: 'date', which: 'internal', cmp: 'on', day: '2023-11-15' }), '* SEARCH 2');
  assert.equal(await search({ op: 'date', which: 'internal', cmp: 'since', day: '2023-11-16' }), '* SEARCH 3 4');
  await s.inbox.store([6], 'add', ['$Later']);
  await s.inbox.sync();
  const msgs = (await fresh(s.inbox)).messages;
  const mod = msgs[2]!.modseq;
  assert.ok(msgs[3]!.modseq > mod && msgs[1]!.modseq < mod);
  assert.equal(await search({ op: 'modseq', min: mod }, false, s), `* SEARCH 3 4 (MODSEQ ${msgs[3]!.modseq})`);
  assert.ok(s.ctx.enabled.has('CONDSTORE'), 'MODSEQ enables CONDSTORE');
  assert.equal(await search({ op: 'modseq', min: 10_000 }, false, s), '* SEARCH');
});

test('NOT, OR and AND combine', async () => {
  assert.equal(await search({ op: 'not', key: flag('\\Seen') }), '* SEARCH 2 3 4');
  assert.equal(await search({ op: 'or', a: flag('\\Seen'), b: flag('\\Draft') }), '* SEARCH 1 4');
  assert.equal(await search({ op: 'and', keys: [flag('\\Seen', false), { op: 'seq', set: set([1, 3]) }] }), '* SEARCH 2 3');
  assert.equal(await search({ op: 'and', keys: [] }), '* SEARCH 1 2 3 4');
});

test('index-only keys read no file; a decided AND skips the header key', async () => {
  const s = await setup();
  let reads = 0;
  const { read, readHeader } = s.inbox;
  s.inbox.read = (uid) => (reads++, read.call(s.inbox, uid));
  s.inbox.readHeader = (uid) => (reads++, readHeader.call(s.inbox, uid));
  await search({ op: 'and', keys: [flag('\\Seen'), flag('\\Flagged')] }, false, s);
  await search({ op: 'and', keys: [flag('\\Draft'), { op: 'not', key: { op: 'body', value: 'x' } }, { op: 'header', field: 'SUBJECT', value: 'x' }] }, false, s);
  // Only message 4 (\Draft) gets past the flag; its header settles it before the body.
  assert.equal(reads, 1);
});

test('CHARSET other than UTF-8/US-ASCII is NO [BADCHARSET]', async () => {
  const s = await setup();
  const done = await runSearch(s.ctx, { tag: 'A1', name: 'SEARCH', uid: false, charset: 'KOI8-R', key: { op: 'all' } });
  assert.equal(done.status, 'NO');
  assert.match(done.code ?? '', /^BADCHARSET/);
});

test('ESEARCH return options and SAVE', async () => {
  const s = await setup();
  const key = flag('\\Seen', false);
  let done = await runSearch(s.ctx, { tag: 'A7', name: 'SEARCH', uid: true, key, returnOpts: ['MIN', 'MAX', 'COUNT', 'ALL'] });
  assert.equal(done.status, 'OK');
  assert.equal(s.ctx.text(), '* ESEARCH (TAG "A7") UID MIN 2 MAX 6 COUNT 3 ALL 2,5:6\r\n');
  s.ctx.clear();
  done = await runSearch(s.ctx, { tag: 'A8', name: 'SEARCH', uid: false, key: flag('\\Draft'), returnOpts: ['SAVE'] });
  assert.equal(s.ctx.text(), '');
  assert.deepEqual(s.view.savedSearch, [6]);
});
