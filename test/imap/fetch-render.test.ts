// FETCH responses over in-memory messages: item syntax, literals written as
// separate octets, partials, implicit \Seen, CONDSTORE MODSEQ, CHANGEDSINCE,
// VANISHED (EARLIER), and what happens to messages that vanished meanwhile.
import { unlinkSync } from 'node:fs';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runFetch } from '../../src/imap/commands/fetch.js';
import { formatInternalDate } from '../../src/imap/fetch/date.js';
import type { FetchAtt, SequenceSet } from '../../src/imap/types.js';
import { FIXTURES, fresh, openFixture, removeFixtures, type Fixture } from './messages-fixture.js';

after(removeFixtures);
const setup = openFixture;

const set = (...ranges: Array<[number, number]>): SequenceSet => ({ ranges });
const body = (partial?: { start: number; length: number }, peek = true): FetchAtt => ({ kind: 'BODY[]', section: { part: [] }, peek, partial });

async function fetch(s: Fixture, seqs: SequenceSet, atts: FetchAtt[], more: { uid?: boolean; changedSince?: number; vanished?: boolean } = {}) {
  s.ctx.clear();
  const done = await runFetch(s.ctx, { tag: 'F1', name: 'FETCH', uid: more.uid ?? false, set: seqs, atts, changedSince: more.changedSince, vanished: more.vanished });
  return { done, text: s.ctx.text() };
}

test('index items: FLAGS with \\Recent, INTERNALDATE, RFC822.SIZE, UID', async () => {
  const s = await setup();
  const { done, text } = await fetch(s, set([3, 4]), [{ kind: 'FLAGS' }, { kind: 'INTERNALDATE' }, { kind: 'RFC822.SIZE' }, { kind: 'UID' }]);
  assert.equal(done.status, 'OK');
  const [m3, m4] = (await fresh(s.inbox)).messages.slice(2);
  assert.equal(
    text,
    `* 3 FETCH (UID 5 FLAGS (\\Deleted $Work) INTERNALDATE "${formatInternalDate(m3!.internalDate)}" RFC822.SIZE ${m3!.size})\r\n` +
      `* 4 FETCH (UID 6 FLAGS (\\Draft \\Recent) INTERNALDATE "${formatInternalDate(m4!.internalDate)}" RFC822.SIZE ${m4!.size})\r\n`,
  );
});

test('INTERNALDATE has the RFC 3501 date-time form', () => {
  assert.match(formatInternalDate(Date.UTC(1996, 6, 17, 9, 44, 25)), /^\d\d-Jul-1996 \d\d:\d\d:25 [+-]\d{4}$/);
});

test('BODY.PEEK[] is a literal of the whole message; partials name their origin', async () => {
  const s = await setup();
  let r = await fetch(s, set([1, 1]), [body()]);
  assert.equal(r.text, `* 1 FETCH (BODY[] {${FIXTURES[0]!.length}}\r\n${FIXTURES[0]})\r\n`);
  // The response goes out as octets (one chunk per batch), never through a string.
  assert.ok(s.ctx.out.some((p) => Buffer.isBuffer(p) && p.length > FIXTURES[0]!.length));
  r = await fetch(s, set([1, 1]), [body({ start: 6, length: 5 })]);
  assert.equal(r.text, `* 1 FETCH (BODY[]<6> {5}\r\n${FIXTURES[0]!.slice(6, 11)})\r\n`);
  r = await fetch(s, set([1, 1]), [body({ start: 100_000, length: 5 })]);
  assert.equal(r.text, '* 1 FETCH (BODY[]<100000> "")\r\n');
  assert.deepEqual((await fresh(s.inbox)).messages[0]!.flags, ['\\Seen']);
});

test('UID FETCH adds UID; two literals in one response', async () => {
  const s = await setup();
  const r = await fetch(s, set([2, 2]), [body({ start: 0, length: 4 }), { kind: 'RFC822' }], { uid: true });
  assert.ok(r.text.startsWith('* 2 FETCH (UID 2 FLAGS (\\Flagged \\Answered \\Seen) BODY[]<0> {4}\r\nFrom RFC822 {'), r.text);
  assert.ok(r.text.endsWith(`${FIXTURES[1]})\r\n`));
});

test('BODY[] without PEEK sets \\Seen and reports FLAGS; read-only does not', async () => {
  const s = await setup();
  const r = await fetch(s, set([4, 4]), [body(undefined, false)]);
  assert.ok(r.text.startsWith('* 4 FETCH (FLAGS (\\Draft \\Seen \\Recent) BODY[] {'), r.text);
  assert.ok((await fresh(s.inbox)).messages[3]!.flags.includes('\\Seen'));
  // Already \Seen: no FLAGS added.
  const again = await fetch(s, set([4, 4]), [body({ start: 0, length: 1 })]);
  assert.equal(again.text, '* 4 FETCH (BODY[]<0> {1}\r\nF)\r\n');

  const ro = await setup({ readOnly: true });
  const r2 = await fetch(ro, set([2, 2]), [{ kind: 'RFC822' }]);
  assert.ok(r2.text.startsWith('* 2 FETCH (RFC822 {'), r2.text);
  assert.ok(!(await fresh(ro.inbox)).messages[1]!.flags.includes('\\Seen'));
});

test('sequence numbers beyond the mailbox are BAD; an empty UID match is OK and silent', async () => {
  const s = await setup();
  assert.equal((await fetch(s, set([5, 5]), [{ kind: 'FLAGS' }])).done.status, 'BAD');
  const r = await fetch(s, set([3, 4]), [{ kind: 'FLAGS' }], { uid: true });
  assert.equal(r.done.status, 'OK');
  assert.equal(r.text, '');
});

test('CONDSTORE: MODSEQ with FLAGS, CHANGEDSINCE filters and enables', async () => {
  const s = await setup({ enabled: ['CONDSTORE'] });
  const msgs = (await fresh(s.inbox)).messages;
  let r = await fetch(s, set([1, 1]), [{ kind: 'FLAGS' }]);
  assert.equal(r.text, `* 1 FETCH (FLAGS (\\Seen) MODSEQ (${msgs[0]!.modseq}))\r\n`);
  const plain = await setup();
  // Only message 3 ($Work set after the scan) changed since the others.
  r = await fetch(plain, set([1, Infinity]), [{ kind: 'UID' }], { changedSince: msgs[3]!.modseq });
  assert.ok(msgs[2]!.modseq > msgs[3]!.modseq);
  assert.equal(r.text, `* 3 FETCH (UID 5 MODSEQ (${msgs[2]!.modseq}))\r\n`);
  assert.ok(plain.ctx.enabled.has('CONDSTORE'));
});

test('VANISHED (EARLIER) lists UIDs of the set below UIDNEXT that are gone; needs QRESYNC', async () => {
  const s = await setup({ enabled: ['QRESYNC'] });
  let r = await fetch(s, set([1, Infinity]), [{ kind: 'FLAGS' }], { uid: true, changedSince: 1_000, vanished: true });
  assert.equal(r.text, '* VANISHED (EARLIER) 3:4\r\n');
  unlinkSync(s.fileOf(2));
  await s.inbox.sync();
  r = await fetch(s, set([2, 5]), [{ kind: 'FLAGS' }], { uid: true, changedSince: 1_000, vanished: true });
  assert.equal(r.text, '* VANISHED (EARLIER) 2:4\r\n');
  const no = await setup();
  assert.equal((await fetch(no, set([1, 2]), [{ kind: 'FLAGS' }], { uid: true, changedSince: 1, vanished: true })).done.status, 'BAD');
});

test('a message whose file vanished gets no response; the others do', async () => {
  const s = await setup();
  unlinkSync(s.fileOf(2));
  const r = await fetch(s, set([1, 3]), [{ kind: 'RFC822.SIZE' }, body({ start: 0, length: 4 })]);
  assert.equal(r.done.status, 'OK');
  assert.equal(r.done.code, 'EXPUNGEISSUED');
  assert.match(r.text, /^\* 1 FETCH .*\r\n\* 3 FETCH /s);
  assert.doesNotMatch(r.text, /\* 2 FETCH/);
});

test('FETCH 1:* over many messages yields and answers each once, in order', async () => {
  const { ctx } = await openFixture({ bulk: 1200 });
  let turns = 0;
  const timer = setInterval(() => turns++, 0);
  const done = await runFetch(ctx, { tag: 'F', name: 'FETCH', uid: false, set: set([1, Infinity]), atts: [{ kind: 'UID' }, body()] });
  clearInterval(timer);
  assert.equal(done.status, 'OK');
  const lines = ctx.text().match(/^\* \d+ FETCH .*$/gm) ?? [];
  assert.equal(lines.length, 1200);
  lines.forEach((l, i) => assert.ok(l.startsWith(`* ${i + 1} FETCH (UID ${i + 1} BODY[] {`), l));
  assert.equal(lines[1199], `* 1200 FETCH (UID 1200 BODY[] {${'Subject: 1199\r\n\r\nbody 1199\r\n'.length}}`);
  // Batched: a few writes for 1,200 responses, not one per line and literal.
  assert.ok(ctx.out.length < 20, `${ctx.out.length} writes`);
  assert.ok(turns > 0, 'other work ran while FETCH was answering');
});
