// Maildir delivery: atomic appearance in new/ under a concurrent reader,
// owner and modes, trace headers, LF line ends, quota, loops, bad mailboxes.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { createLocalDelivery } from '../../src/local/deliver.js';
import { createLogger } from '../../src/shared/log.js';
import { replyLine } from '../../src/shared/replies.js';
import type { Envelope } from '../../src/spool/envelope.js';

let dir: string;
const log = createLogger('error');
const env = { id: '01HZ8Q3M2K7T9V4X5Y', sender: 'alice@example.org' } as Envelope;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-maildir-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const cfg = (sub: string, local: Record<string, unknown> = {}) => validateConfig({ hostname: 'test.example', local: { mailboxes: join(dir, sub), ...local } });

test('200 messages of 200 KB: a concurrent reader of new/ never sees a partial file', async () => {
  const ld = createLocalDelivery(cfg('atomic'), log);
  const root = join(dir, 'atomic', 'root');
  mkdirSync(join(root, 'new'), { recursive: true, mode: 0o700 });
  const stop = join(dir, 'atomic-stop');
  // The watcher is another process: it reads every file that appears in new/ and checks its end marker.
  const watcher = spawn(process.execPath, ['--input-type=module', '-e', `
    import { readdirSync, readFileSync, existsSync } from 'node:fs';
    const dir = ${JSON.stringify(join(root, 'new'))}; const seen = new Set(); let bad = 0; const until = Date.now() + 60000;
    for (;;) {
      const last = existsSync(${JSON.stringify(stop)});
      for (const n of readdirSync(dir)) {
        if (seen.has(n)) continue; seen.add(n);
        const b = readFileSync(dir + '/' + n); const s = Number(/,S=(\\d+)/.exec(n)[1]);
        if (b.length !== s || !b.toString('latin1').endsWith('END-OF-MESSAGE\\n')) bad++;
      }
      if (last || Date.now() > until) break;
    }
    process.stdout.write(JSON.stringify({ seen: seen.size, bad }));`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  watcher.stdout.on('data', (d) => (out += d));
  const done = new Promise((r) => watcher.on('close', r));
  const line = 'x'.repeat(998) + '\r\n';
  const msg = Buffer.from(`Subject: big\r\n\r\n${line.repeat(200)}END-OF-MESSAGE\r\n`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < 200) {
        next++;
        const o = await ld.deliver({ kind: 'mailbox', user: 'root' }, env, 'root@test.example', msg);
        assert.equal(o.status, 'delivered', replyLine(o));
      }
    }),
  );
  writeFileSync(stop, '');
  await done;
  const r = JSON.parse(out) as { seen: number; bad: number };
  assert.equal(r.bad, 0);
  assert.equal(r.seen, 200);
  assert.deepEqual(readdirSync(join(root, 'tmp')), []);
  await ld.close();
});

test('owned by the mailbox user, 0600 in 0700 directories, Return-Path and Delivered-To, LF line ends', async (t) => {
  const user = `mrtest${process.pid}`;
  execFileSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', user]);
  t.after(() => execFileSync('userdel', [user]));
  const uid = Number(execFileSync('id', ['-u', user]).toString());
  const gid = Number(execFileSync('id', ['-g', user]).toString());
  const ld = createLocalDelivery(cfg('owner'), log);
  const o = await ld.deliver({ kind: 'mailbox', user }, env, `${user}@test.example`, Buffer.from('Subject: hi\r\n\r\nline one\r\nline\rtwo\r\n'));
  assert.deepEqual(o, { status: 'delivered', code: 250, enhanced: '2.0.0', text: 'delivered to maildir', relay: `maildir:${join(dir, 'owner', user)}` });
  const root = join(dir, 'owner', user);
  for (const d of [root, join(root, 'tmp'), join(root, 'new'), join(root, 'cur')]) {
    const st = statSync(d);
    assert.equal(st.mode & 0o777, 0o700, d);
    assert.equal(st.uid, uid, d);
    assert.equal(st.gid, gid, d);
  }
  const [name] = readdirSync(join(root, 'new'));
  assert.match(name!, /^\d+\.M\d+P\d+Q\d+\.[^/:]+,S=\d+$/);
  const file = join(root, 'new', name!);
  const st = statSync(file);
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(st.uid, uid);
  assert.equal(st.size, Number(/,S=(\d+)/.exec(name!)![1]));
  assert.equal(readFileSync(file, 'latin1'), `Return-Path: <alice@example.org>\nDelivered-To: ${user}@test.example\nSubject: hi\n\nline one\nline\rtwo\n`);
  // A name with no system account: the daemon's own user owns it.
  await ld.deliver({ kind: 'mailbox', user: 'mailonly' }, env, 'mailonly@test.example', Buffer.from('Subject: x\r\n\r\ny\r\n'));
  assert.equal(statSync(join(dir, 'owner', 'mailonly', 'new')).uid, process.getuid!());
});

test('quota: a full Maildir defers with 452 4.2.2; a message bigger than the quota fails', async () => {
  const ld = createLocalDelivery(cfg('quota', { quota: 2000 }), log);
  const msg = Buffer.from(`Subject: q\r\n\r\n${'y'.repeat(700)}\r\n`);
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await ld.deliver({ kind: 'mailbox', user: 'root' }, env, 'root@test.example', msg));
  assert.deepEqual(results.map((r) => r.status), ['delivered', 'delivered', 'deferred', 'deferred']);
  assert.match(replyLine(results[2]!), /^452 4\.2\.2 mailbox full/);
  const big = await ld.deliver({ kind: 'mailbox', user: 'bob' }, env, 'bob@test.example', Buffer.alloc(3000, 0x61));
  assert.equal(big.status, 'failed');
  assert.match(replyLine(big), /^552 5\.2\.2 /);
});

test('a message that already went through this mailbox is a loop; a file where the Maildir should be fails', async () => {
  const ld = createLocalDelivery(cfg('errors'), log);
  const looped = await ld.deliver({ kind: 'mailbox', user: 'root' }, env, 'root@test.example', Buffer.from('Delivered-To: ROOT@test.example\r\nSubject: x\r\n\r\nbody\r\n'));
  assert.equal(looped.status, 'failed');
  assert.match(replyLine(looped), /^554 5\.4\.6 mail forwarding loop/);
  mkdirSync(join(dir, 'errors'), { recursive: true });
  writeFileSync(join(dir, 'errors', 'carol'), 'not a directory');
  const bad = await ld.deliver({ kind: 'mailbox', user: 'carol' }, env, 'carol@test.example', Buffer.from('Subject: x\r\n\r\nbody\r\n'));
  assert.equal(bad.status, 'failed');
  assert.match(replyLine(bad), /^550 5\.2\.0 /);
  const unknown = await ld.deliver({ kind: 'unknown', address: 'zed@test.example', reason: 'no such user: zed' }, env, 'zed@test.example', Buffer.from('x\r\n'));
  assert.deepEqual(unknown, { status: 'failed', code: 550, enhanced: '5.1.1', text: '<zed@test.example>: no such user: zed' });
  const evil = await ld.deliver({ kind: 'mailbox', user: '../etc' }, env, 'x@test.example', Buffer.from('x\r\n'));
  assert.equal(evil.status, 'failed');
  assert.equal(existsSync(join(dir, 'etc')), false);
});
