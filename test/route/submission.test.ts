// Unknown local recipients refused at submission (sendmail exit 67 with
// nothing in maildrop/, socket 550 5.1.1 at RCPT TO), newaliases with line
// numbers, -bv through the router, and masquerading of a submitted message.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { headerValues, maildropNames, readDrops, run, BIN, sandbox, sendmail, smtpDialog, startDaemon, type DaemonProc, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
  writeFileSync(join(sb.dir, 'users'), 'alice:$scrypt$x\n');
  writeFileSync(join(sb.dir, 'aliases'), 'ops: alice, admin@example.com\n');
  writeFileSync(sb.config, `users: ${sb.dir}/users\naliases: ${sb.dir}/aliases\nmasquerade: example.com\nlocal:\n  mailboxes: ${sb.dir}/mail\n`, { flag: 'a' });
});
after(() => sb.cleanup());

test('sendmail to an unknown local user exits 67 with one line and writes nothing', async () => {
  const r = await sendmail(sb, ['-i', '--', 'alice', 'nosuchuser'], 'Subject: x\n\nbody\n');
  assert.equal(r.code, 67, r.stderr);
  assert.match(r.stderr, /^sendmail: <nosuchuser@test\.example>: no such local user[^\n]*\n$/);
  assert.deepEqual(maildropNames(sb), []);
  const t = await sendmail(sb, ['-t', '-i'], 'To: Ghost <ghost@localhost>\nSubject: x\n\nbody\n');
  assert.equal(t.code, 67, t.stderr);
  assert.deepEqual(maildropNames(sb), []);
});

test('aliases, users, system accounts, postmaster and remote addresses are accepted', async () => {
  const r = await sendmail(sb, ['-i', '--', 'ops', 'alice@localhost', 'root', 'postmaster', 'someone@example.net'], 'Subject: x\n\nbody\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readDrops(sb).length, 1);
});

test('masquerade: envelope sender and From/Sender with the exact host name', async () => {
  for (const d of readDrops(sb)) (await import('node:fs')).unlinkSync(d.path);
  const r = await sendmail(sb, ['-i', '-f', 'cron@test.example', '--', 'someone@example.net'], 'From: Cron <cron@test.example>\nSender: web@test.example\nTo: x@sub.test.example\nSubject: x\n\nbody\n');
  assert.equal(r.code, 0, r.stderr);
  const [d] = readDrops(sb);
  assert.equal(d!.env.sender, 'cron@example.com');
  assert.deepEqual(headerValues(d!.content, 'From'), ['Cron <cron@example.com>']);
  assert.deepEqual(headerValues(d!.content, 'Sender'), ['web@example.com']);
  assert.deepEqual(headerValues(d!.content, 'To'), ['x@sub.test.example']);
});

test('newaliases reports syntax errors, loops and unreadable :include: files with line numbers', async () => {
  const bad = join(sb.dir, 'aliases-bad');
  writeFileSync(bad, `# aliases\nroot: alice\nno colon here\nloop1: loop2\nloop2: loop1\nlist: :include:${sb.dir}/missing-list\n`);
  const cfg = join(sb.dir, 'bad.yaml');
  writeFileSync(cfg, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nusers: ${sb.dir}/users\naliases: ${bad}\n`);
  const r = await run(join(BIN, 'sendmail'), ['-C', cfg, '-bi']);
  assert.equal(r.code, 65);
  const lines = r.stderr.trim().split('\n');
  assert.deepEqual(lines, [
    `newaliases: ${bad}:3: expected "name: target, ..." but found "no colon here"`,
    `newaliases: ${bad}:4: alias loop1: alias loop: loop1 -> loop2 -> loop1`,
    `newaliases: ${bad}:6: alias list: cannot read :include: file ${sb.dir}/missing-list: ENOENT`,
  ]);
  const ok = await sendmail(sb, ['-bi']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /1 aliases/);
});

test('sendmail -bv shows how local recipients expand', async () => {
  const r = await sendmail(sb, ['-bv', 'ops', 'nosuchuser']);
  assert.equal(r.code, 67);
  assert.match(r.stdout, /^ops@test\.example\.\.\. deliverable: local mailbox alice; admin@example\.com -> held in the queue/m);
  assert.match(r.stdout, /^nosuchuser@test\.example\.\.\. undeliverable: .*no such user: nosuchuser/m);
});

test('the local socket refuses an unknown local recipient at RCPT TO with 550 5.1.1', async () => {
  const daemon: DaemonProc = await startDaemon(sb);
  try {
    const replies = await smtpDialog(sb.socket, ['EHLO client\r\n', 'MAIL FROM:<a@example.org>\r\n', 'RCPT TO:<nosuchuser@test.example>\r\n', 'RCPT TO:<ghost@LOCALHOST>\r\n', 'RCPT TO:<ops@localhost>\r\n', 'RCPT TO:<far@example.net>\r\n', 'QUIT\r\n']);
    assert.match(replies[3]!, /^550 5\.1\.1 /);
    assert.match(replies[4]!, /^550 5\.1\.1 /);
    assert.match(replies[5]!, /^250 /);
    assert.match(replies[6]!, /^250 /);
  } finally {
    await daemon.stop();
  }
});
