// STORE, COPY, MOVE, EXPUNGE and APPEND over the real folder store with a
// fake session: untagged responses, UIDPLUS codes, CONDSTORE, read-only.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runAppend } from '../../src/imap/commands/append.js';
import { runCopy } from '../../src/imap/commands/copy.js';
import { runExpunge } from '../../src/imap/commands/expunge.js';
import { runMove } from '../../src/imap/commands/move.js';
import { runStore } from '../../src/imap/commands/store.js';
import type { SequenceSet } from '../../src/imap/types.js';
import { fresh, openFixture, removeFixtures, type Fixture } from './messages-fixture.js';

after(removeFixtures);
const setup = openFixture;
const set = (...ranges: Array<[number, number]>): SequenceSet => ({ ranges });
const flagsOf = async (s: Fixture) => (await fresh(s.inbox)).messages.map((m) => m.flags.join(' '));

test('STORE +FLAGS / -FLAGS / FLAGS answer FETCH FLAGS; .SILENT answers nothing', async () => {
  const s = await setup();
  let done = await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: false, set: set([1, 2]), op: 'add', silent: false, flags: ['\\flagged', 'Work'] });
  assert.equal(done.status, 'OK');
  assert.equal(s.ctx.text(), '* 1 FETCH (FLAGS (\\Flagged \\Seen Work))\r\n* 2 FETCH (FLAGS (\\Flagged \\Answered Work))\r\n');
  s.ctx.clear();
  await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: true, set: set([6, 6]), op: 'replace', silent: false, flags: ['\\Seen'] });
  assert.equal(s.ctx.text(), '* 4 FETCH (UID 6 FLAGS (\\Seen \\Recent))\r\n');
  s.ctx.clear();
  await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: false, set: set([1, Infinity]), op: 'remove', silent: true, flags: ['Work'] });
  assert.equal(s.ctx.text(), '');
  assert.deepEqual(await flagsOf(s), ['\\Flagged \\Seen', '\\Flagged \\Answered', '\\Deleted $Work', '\\Seen']);
});

test('STORE refuses \\Recent (BAD) and read-only mailboxes (NO); bad sequence numbers are BAD', async () => {
  const s = await setup();
  assert.equal((await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: false, set: set([1, 1]), op: 'add', silent: false, flags: ['\\Recent'] })).status, 'BAD');
  assert.equal((await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: false, set: set([9, 9]), op: 'add', silent: false, flags: ['\\Seen'] })).status, 'BAD');
  const ro = await setup({ readOnly: true });
  assert.equal((await runStore(ro.ctx, { tag: 'S', name: 'STORE', uid: false, set: set([1, 1]), op: 'add', silent: false, flags: ['\\Seen'] })).status, 'NO');
});

test('STORE UNCHANGEDSINCE: conflicts in [MODIFIED], MODSEQ reported even when silent', async () => {
  const s = await setup();
  await s.inbox.store([6], 'add', ['$Later']);
  const msgs = (await fresh(s.inbox)).messages;
  const since = msgs[1]!.modseq; // messages 3 ($Work) and 4 ($Later) were changed after it
  assert.ok(msgs[2]!.modseq > since && msgs[3]!.modseq > since);
  const done = await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: false, set: set([1, 4]), op: 'add', silent: true, flags: ['\\Flagged'], unchangedSince: since });
  assert.equal(done.status, 'OK');
  assert.equal(done.code, 'MODIFIED 3:4');
  const m1 = (await fresh(s.inbox)).messages[0]!;
  assert.equal(s.ctx.text(), `* 1 FETCH (MODSEQ (${m1.modseq}))\r\n`);
  assert.ok(s.ctx.enabled.has('CONDSTORE'));
  s.ctx.clear();
  const uidDone = await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: true, set: set([1, 6]), op: 'add', silent: false, flags: ['\\Seen'], unchangedSince: since });
  assert.equal(uidDone.code, 'MODIFIED 1,5:6'); // message 1 changed in the STORE above
});

test('COPY answers COPYUID in compact form; a missing mailbox is NO [TRYCREATE]', async () => {
  const s = await setup();
  const done = await runCopy(s.ctx, { tag: 'C', name: 'COPY', uid: false, set: set([1, Infinity]), mailbox: 'Archive' });
  const validity = (await fresh(s.archive)).uidValidity;
  assert.deepEqual(done, { status: 'OK', code: `COPYUID ${validity} 1:2,5:6 1:4`, text: 'COPY completed' });
  assert.equal((await fresh(s.archive)).messages.length, 4);
  assert.equal((await fresh(s.inbox)).messages.length, 4);
  const missing = await runCopy(s.ctx, { tag: 'C', name: 'COPY', uid: true, set: set([1, 1]), mailbox: 'Nope' });
  assert.equal(missing.status, 'NO');
  assert.equal(missing.code, 'TRYCREATE');
  const none = await runCopy(s.ctx, { tag: 'C', name: 'COPY', uid: true, set: set([3, 4]), mailbox: 'Archive' });
  assert.equal(none.status, 'OK');
  assert.equal(none.code, undefined);
});

test('MOVE: untagged OK [COPYUID], then EXPUNGE each relative to the last; VANISHED with QRESYNC', async () => {
  const s = await setup();
  const done = await runMove(s.ctx, { tag: 'M', name: 'MOVE', uid: true, set: set([2, 5]), mailbox: 'Archive' });
  assert.equal(done.status, 'OK');
  // The higher sequence number first, so each stays valid after the one before.
  assert.equal(s.ctx.text(), `* OK [COPYUID ${(await fresh(s.archive)).uidValidity} 2,5 1:2] Moved\r\n* 3 EXPUNGE\r\n* 2 EXPUNGE\r\n`);
  assert.deepEqual((await fresh(s.inbox)).messages.map((m) => m.uid), [1, 6]);

  const q = await setup({ enabled: ['QRESYNC'] });
  await runMove(q.ctx, { tag: 'M', name: 'MOVE', uid: false, set: set([1, 1]), mailbox: 'Archive' });
  assert.equal(q.ctx.text(), `* OK [COPYUID ${(await fresh(q.archive)).uidValidity} 1 1] Moved\r\n* VANISHED 1\r\n`);
  const ro = await setup({ readOnly: true });
  assert.equal((await runMove(ro.ctx, { tag: 'M', name: 'MOVE', uid: false, set: set([1, 1]), mailbox: 'Archive' })).status, 'NO');
});

test('EXPUNGE removes \\Deleted messages once; UID EXPUNGE only those in its set', async () => {
  const s = await setup();
  await runStore(s.ctx, { tag: 'S', name: 'STORE', uid: false, set: set([1, 1]), op: 'add', silent: true, flags: ['\\Deleted'] });
  s.ctx.clear();
  let done = await runExpunge(s.ctx, { tag: 'E', name: 'EXPUNGE', uid: true, set: set([1, 4]) });
  assert.equal(done.status, 'OK');
  assert.equal(s.ctx.text(), '* 1 EXPUNGE\r\n');
  s.ctx.clear();
  done = await runExpunge(s.ctx, { tag: 'E', name: 'EXPUNGE', uid: false });
  assert.equal(s.ctx.text(), '* 2 EXPUNGE\r\n');
  s.ctx.clear();
  await runExpunge(s.ctx, { tag: 'E', name: 'EXPUNGE', uid: false });
  assert.equal(s.ctx.text(), '');
  assert.deepEqual((await fresh(s.inbox)).messages.map((m) => m.uid), [2, 6]);
  const ro = await setup({ readOnly: true });
  assert.equal((await runExpunge(ro.ctx, { tag: 'E', name: 'EXPUNGE', uid: false })).status, 'NO');
});

test('APPEND: APPENDUID, flags and date kept, EXISTS when it lands in the selected mailbox', async () => {
  const s = await setup();
  const date = Date.UTC(2020, 0, 2, 3, 4, 5);
  let done = await runAppend(s.ctx, { tag: 'A', name: 'APPEND', mailbox: 'Archive', flags: ['\\seen', 'Later'], date, message: Buffer.from('Subject: x\r\n\r\nhi\r\n') });
  assert.deepEqual(done, { status: 'OK', code: `APPENDUID ${(await fresh(s.archive)).uidValidity} 1`, text: 'APPEND completed' });
  const rec = (await fresh(s.archive)).messages[0]!;
  assert.deepEqual(rec.flags, ['\\Seen', 'Later']);
  assert.equal(rec.internalDate, date);
  assert.equal(s.ctx.text(), '');
  done = await runAppend(s.ctx, { tag: 'A', name: 'APPEND', mailbox: 'INBOX', flags: [], message: Buffer.from('Subject: y\r\n\r\nhi\r\n') });
  assert.equal(done.code, `APPENDUID ${(await fresh(s.inbox)).uidValidity} 7`);
  assert.match(s.ctx.text(), /^\* 5 EXISTS\r\n\* \d+ RECENT\r\n$/);
  assert.equal((await runAppend(s.ctx, { tag: 'A', name: 'APPEND', mailbox: 'Gone', flags: [], message: Buffer.from('x') })).code, 'TRYCREATE');
  assert.equal((await runAppend(s.ctx, { tag: 'A', name: 'APPEND', mailbox: 'INBOX', flags: ['\\Recent'], message: Buffer.from('x') })).status, 'BAD');
});
