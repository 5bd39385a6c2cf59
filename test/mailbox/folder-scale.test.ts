// A 10,000-message folder written directly: the first index build, a cold
// open with an index (a restart), a warm sync with nothing changed, one
// delivery, one STORE (one log line, not a rewrite), 1,000 sessions sharing
// one folder, and the log compacted once it grows. Timings are printed as
// diagnostics, never asserted.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openUserStore } from '../../src/mailbox/folder-store.js';
import type { Folder } from '../../src/mailbox/folders.js';
import { addMessage } from './fixture.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-folder-scale-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const COUNT = 10_000;

/** A start mark: wall clock and this process's CPU time (the CPU figure holds up on a busy machine). */
function mark(): { wall: bigint; cpu: NodeJS.CpuUsage } {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

function ms(since: { wall: bigint; cpu: NodeJS.CpuUsage }): string {
  const cpu = process.cpuUsage(since.cpu);
  return `${(Number(process.hrtime.bigint() - since.wall) / 1e6).toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU`;
}

it('10,000 messages: index build, cold and warm sync, one delivery, one STORE, shared by 1,000 sessions', async (t) => {
  const box = join(dir, 'big');
  for (const d of ['tmp', 'new', 'cur']) mkdirSync(join(box, d), { recursive: true });
  const body = 'From: a@example.com\nSubject: filler\n\nline\n';
  for (let i = 0; i < COUNT; i++) {
    const name = `${1_700_000_000 + i}.M${i}P1Q1.scale.example,S=${body.length}`;
    writeFileSync(i % 2 ? join(box, 'cur', `${name}:2,S`) : join(box, 'new', name), body);
  }
  const store = openUserStore(dir, 'big');

  let t0 = mark();
  let inbox = await store.open('INBOX');
  t.diagnostic(`first open, index built (one stat and one read per file): ${ms(t0)}`);
  assert.equal(inbox.current().messages.length, COUNT);
  assert.equal(inbox.current().messages[COUNT - 1]!.uid, COUNT);
  assert.equal(inbox.current().messages[5]!.size, body.length + 4);
  inbox.release();

  t0 = mark();
  inbox = await store.open('INBOX');
  t.diagnostic(`cold open with the index (a restart): ${ms(t0)}`);
  assert.equal(inbox.current().messages.length, COUNT);

  await new Promise((r) => setTimeout(r, 1100)); // past the one-second window where a directory mtime is not trusted
  await inbox.sync();
  t0 = mark();
  const warm = await inbox.sync();
  t.diagnostic(`warm sync, nothing changed: ${ms(t0)}`);
  assert.deepEqual([warm.added, warm.expunged, warm.flagsChanged], [[], [], []]);

  addMessage(box, { content: body });
  t0 = mark();
  const one = await inbox.sync();
  t.diagnostic(`sync after one delivery: ${ms(t0)}`);
  assert.deepEqual(one.added, [COUNT + 1]);

  const indexFile = join(box, 'mailroom-uidlist');
  const sizeBefore = statSync(indexFile).size;
  t0 = mark();
  await inbox.store([5000], 'add', ['\\Flagged']);
  t.diagnostic(`STORE on one message: ${ms(t0)}, index grew by ${statSync(indexFile).size - sizeBefore} bytes`);
  assert.ok(statSync(indexFile).size - sizeBefore < 200, 'a STORE must append, not rewrite');

  // 1,000 sessions: one shared folder, a few fields each.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const sessions: Folder[] = [];
  for (let i = 0; i < 1000; i++) {
    const f = await store.open('INBOX');
    await f.sync();
    f.watch(() => undefined);
    sessions.push(f);
  }
  gc();
  const perSession = (process.memoryUsage().heapUsed - heap0) / 1000;
  t.diagnostic(`1,000 sessions on the folder: about ${(perSession / 1024).toFixed(1)} KiB of heap each`);
  assert.ok(sessions.every((f) => f.current().messages === sessions[0]!.current().messages), 'sessions share one message list');
  for (const f of sessions) f.release();
  inbox.release();
});

it('compacts the log once it outgrows the index; UIDs, flags and MODSEQs survive', async (t) => {
  const store = openUserStore(dir, 'compact');
  const inbox = await store.open('INBOX');
  for (let i = 0; i < 4; i++) await inbox.append(Buffer.from(`Subject: ${i}\r\n\r\n`), []);
  const t0 = mark();
  for (let i = 0; i < 520; i++) await inbox.store([1, 2], i % 2 ? 'remove' : 'add', ['\\Flagged']);
  t.diagnostic(`520 STOREs: ${ms(t0)}`);
  const before = (await inbox.sync()).snapshot;
  inbox.release();
  const lines = readFileSync(join(dir, 'compact/mailroom-uidlist'), 'utf8').split('\n').length;
  assert.ok(lines < 600, `the log was not compacted: ${lines} lines`);
  const again = await openUserStore(dir, 'compact').open('INBOX');
  const s = again.current();
  assert.equal(s.uidValidity, before.uidValidity);
  assert.equal(s.highestModseq, before.highestModseq);
  assert.deepEqual(
    s.messages.map((m) => [m.uid, m.flags, m.modseq]),
    before.messages.map((m) => [m.uid, m.flags, m.modseq]),
  );
  again.release();
});
