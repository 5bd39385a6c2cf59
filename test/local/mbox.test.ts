// mbox delivery for mail(1): From_ line, mboxrd quoting, dot-lock (busy ->
// deferred, stale -> removed), and s-nail reading the result.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { createLocalDelivery } from '../../src/local/deliver.js';
import { quoteFromLines } from '../../src/local/mbox.js';
import { createLogger } from '../../src/shared/log.js';
import { replyLine } from '../../src/shared/replies.js';
import type { Envelope } from '../../src/spool/envelope.js';

let dir: string;
const log = createLogger('error');
const env = { id: '01HZ8Q3M2K7T9V4X5Y', sender: 'alice@example.org' } as Envelope;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-mbox-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (sub: string) => validateConfig({ hostname: 'test.example', local: { mailboxes: join(dir, sub), format: 'mbox' } });

test('mboxrd quoting: every line matching /^>*From / gets one more >', () => {
  const q = quoteFromLines(Buffer.from('From a\n>From b\n>>From c\nFromage\n From d\nx From e\n'));
  assert.equal(q.toString(), '>From a\n>>From b\n>>>From c\nFromage\n From d\nx From e\n');
});

test('mbox: From_ line, trace headers, quoted From lines, blank line between messages; s-nail reads it', async () => {
  const ld = createLocalDelivery(cfg('var-mail'), log);
  const m1 = Buffer.from('Subject: first\r\n\r\nFrom the start of a line\r\n>From quoted already\r\nend\r\n');
  const m2 = Buffer.from('Subject: second\r\n\r\nno final newline');
  assert.equal((await ld.deliver({ kind: 'mailbox', user: 'root' }, env, 'root@test.example', m1)).status, 'delivered');
  const o = await ld.deliver({ kind: 'mailbox', user: 'root' }, { ...env, sender: '' }, 'root@test.example', m2);
  assert.deepEqual(o, { status: 'delivered', code: 250, enhanced: '2.0.0', text: 'delivered to mbox', relay: `mbox:${join(dir, 'var-mail', 'root')}` });
  const file = join(dir, 'var-mail', 'root');
  const text = readFileSync(file, 'latin1');
  assert.match(text, /^From alice@example\.org (Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\nReturn-Path: <alice@example\.org>\nDelivered-To: root@test\.example\nSubject: first\n\n>From the start of a line\n>>From quoted already\nend\n\nFrom MAILER-DAEMON /);
  assert.match(text, /\nReturn-Path: <>\nDelivered-To: root@test\.example\nSubject: second\n\nno final newline\n\n$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(existsSync(`${file}.lock`), false);
  const snail = spawnSync('s-nail', ['-N', '-#', '-f', file], { input: 'headers\np 1\nx\n', encoding: 'utf8', timeout: 10_000 });
  if (snail.error) return; // s-nail not installed here
  assert.equal(snail.status, 0, snail.stderr);
  assert.match(snail.stdout, /\b1 alice@example\.org .* first/);
  assert.match(snail.stdout, /\b2 MAILER-DAEMON .* second/);
  assert.doesNotMatch(snail.stdout, /\b3 /);
  assert.match(snail.stdout, /the start of a line/);
});

test('a busy dot-lock defers; a stale one is removed', async () => {
  const base = join(dir, 'locked');
  mkdirSync(base, { recursive: true });
  const file = join(base, 'root');
  writeFileSync(`${file}.lock`, '1\n');
  const ld = createLocalDelivery(cfg('locked'), log, { lockTimeoutMs: 200 });
  const busy = await ld.deliver({ kind: 'mailbox', user: 'root' }, env, 'root@test.example', Buffer.from('Subject: x\r\n\r\ny\r\n'));
  assert.equal(busy.status, 'deferred');
  assert.match(replyLine(busy), /^451 4\.2\.0 .*locked/);
  assert.equal(existsSync(file), false);
  const old = (Date.now() - 10 * 60_000) / 1000;
  utimesSync(`${file}.lock`, old, old);
  const ok = await ld.deliver({ kind: 'mailbox', user: 'root' }, env, 'root@test.example', Buffer.from('Subject: x\r\n\r\ny\r\n'));
  assert.equal(ok.status, 'delivered', replyLine(ok));
  assert.equal(existsSync(`${file}.lock`), false);
});
