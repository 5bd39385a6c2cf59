// Privilege separation, for real (root only; the CI machine is a throwaway):
// with `user` set, the daemon that parses SMTP, POP3 and drop files runs as
// that account, a port below 1024 is handed down by root, mail for a system
// user lands in a Maildir owned by that user (written as that user), and
// nobody but the owner and the daemon can read it; IMAP, served by the
// unprivileged daemon, reads and changes that Maildir.
import assert from 'node:assert/strict';
import { TcpSmtp } from '../listener/client.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, run, sandboxWith, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';

const DAEMON_USER = 'mailroom-t';
const MAIL_USER = 'mailroom-t-alice';
const isRoot = process.getuid?.() === 0;
/** The daemon's account loads this package's code: a checkout under a private directory cannot be tested this way. */
const codeReadable = isRoot && spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', 'test', '-r', join(ROOT, 'dist/src/cli/main.js')]).status === 0;
const skip = !isRoot ? 'needs root (it creates system accounts)' : !codeReadable ? `${ROOT} cannot be read by other users` : false;

function ensureAccount(name: string): number {
  try {
    return Number(execFileSync('id', ['-u', name]).toString().trim());
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
    return Number(execFileSync('id', ['-u', name]).toString().trim());
  }
}

/** A free TCP port below 1024 on 127.0.0.1 (root may bind it; the daemon's user may not). */
async function freeLowPort(): Promise<number> {
  for (let port = 700 + Math.floor(Math.random() * 200), n = 0; n < 100; n++, port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port below 1024');
}

const uidOf = (pid: number): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

let sb: Sandbox;
let daemon: DaemonProc;
let daemonUid = 0;
let aliceUid = 0;
let pop3Port = 0;
let imapPort = 0;
let smtpPort = 0;
before(async () => {
  if (skip) return;
  daemonUid = ensureAccount(DAEMON_USER);
  aliceUid = ensureAccount(MAIL_USER);
  pop3Port = await freeLowPort();
  imapPort = await freeLowPort();
  smtpPort = await freeLowPort();
  sb = sandboxWith(
    (dir) =>
      `user: ${DAEMON_USER}\nusers: ${dir}/users\nlocal:\n  mailboxes: ${dir}/mail\naliases:\n  postmaster: root\npop3:\n  listen: 127.0.0.1:${pop3Port}\n  tls: none\nimap:\n  listen: 127.0.0.1:${imapPort}\n  tls: none\nlisten:\n  - { address: "127.0.0.1:${smtpPort}", tls: none, auth: off }\nrelay:\n  mode: hold\n  smarthosts:\n    - { host: 127.0.0.1, port: 2, auth: { user: relay, passwordFile: ${dir}/secret } }\n`,
    { worldReadable: true, prefix: 'mailroom-privsep-' },
  );
  // A smart-host password left root's alone: the daemon's account cannot read it, and says so.
  writeFileSync(join(sb.dir, 'secret'), 'hunter2\n', { mode: 0o600 });
  // A POP3 account, added by root before the daemon starts: the daemon takes the file over.
  const add = await run(join(BIN, 'mailroom'), ['user', 'add', 'bob', '--config', sb.config], 'a-long-password\n');
  assert.equal(add.code, 0, add.stderr);
  // The system user's IMAP login (the users file holds the password, the Maildir is the account's own).
  const addAlice = await run(join(BIN, 'mailroom'), ['user', 'add', MAIL_USER, '--config', sb.config], 'another-long-password\n');
  assert.equal(addAlice.code, 0, addAlice.stderr);
  daemon = await startDaemon(sb);
});
after(async () => {
  if (skip) return;
  await daemon?.stop();
  sb?.cleanup();
});

test('the daemon process runs as the configured user; root keeps only the delivery side', { skip }, () => {
  const m = /daemon started pid=(\d+)/.exec(daemon.log());
  assert.ok(m, daemon.log());
  const pid = Number(m[1]);
  assert.notEqual(pid, daemon.proc.pid, 'the service is a child of the root process');
  assert.equal(uidOf(pid), daemonUid, 'the service runs as the daemon user');
  assert.equal(uidOf(daemon.proc.pid!), 0, 'the root process stays root');
  for (const p of ['spool', 'spool/incoming', 'spool/maildrop', 'run', 'run/submit.sock', 'users']) assert.equal(statSync(join(sb.dir, p)).uid, daemonUid, p);
  assert.equal(statSync(join(sb.dir, 'users')).mode & 0o777, 0o600, 'the users file is the daemon user\'s alone');
  assert.match(daemon.log(), /warn: the daemon cannot read a secret key=relay\.smarthosts\[0\]\.auth\.passwordFile .*fix="chown mailroom-t /);
  assert.doesNotMatch(daemon.log(), /hunter2/);
});

test('a cron-style submission by an unprivileged user reaches its Maildir, written as that user', { skip }, async () => {
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, '-i', MAIL_USER], 'Subject: nightly\n\nbackup done\n', { asUser: MAIL_USER });
  assert.equal(r.code, 0, r.stderr);
  const newDir = join(sb.dir, 'mail', MAIL_USER, 'new');
  const delivered = () => {
    try {
      return readdirSync(newDir).length > 0;
    } catch {
      return false; // not made yet
    }
  };
  await waitFor(delivered, 15_000, 'delivery').catch(() => assert.fail(daemon.log()));
  const file = join(newDir, readdirSync(newDir)[0]!);
  const st = statSync(file);
  assert.equal(st.uid, aliceUid, 'the message file belongs to the recipient');
  assert.equal(st.mode & 0o777, 0o640, 'the owner writes, the daemon\'s group reads (POP3)');
  assert.equal(statSync(join(sb.dir, 'mail', MAIL_USER)).uid, aliceUid);
  assert.match(readFileSync(file, 'utf8'), /backup done/);
  // The owner reads it; another user can neither list nor read it.
  const own = await run('cat', [file], '', { asUser: MAIL_USER });
  assert.equal(own.code, 0, own.stderr);
  for (const cmd of [['ls', newDir], ['cat', file]]) {
    const other = await run(cmd[0]!, [cmd[1]!], '', { asUser: 'nobody' });
    assert.notEqual(other.code, 0, `${cmd.join(' ')} as nobody`);
  }
});

test('an unprivileged user can read neither the queue nor the users file', { skip }, async () => {
  for (const p of [join(sb.spool, 'incoming'), join(sb.spool, 'maildrop'), join(sb.dir, 'users')]) {
    const r = await run(statSync(p).isDirectory() ? 'ls' : 'cat', [p], '', { asUser: MAIL_USER });
    assert.notEqual(r.code, 0, p);
    assert.match(r.stderr, /Permission denied/, p);
  }
});

test('POP3 on a port below 1024, served by the unprivileged daemon, reads a mailbox user\'s mail', { skip }, async () => {
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, '-i', 'bob'], 'Subject: for bob\n\nhello bob\n', { asUser: 'nobody' });
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => /sent to=<bob@test\.example>/.test(daemon.log()), 15_000, 'delivery to bob').catch(() => assert.fail(daemon.log()));
  const got = await run('curl', ['-s', '--max-time', '10', `pop3://bob:a-long-password@127.0.0.1:${pop3Port}/1`]);
  assert.equal(got.code, 0, got.stderr + daemon.log());
  assert.match(got.stdout, /hello bob/);
  // bob has no system account: his Maildir belongs to the daemon's user.
  assert.equal(statSync(join(sb.dir, 'mail', 'bob')).uid, daemonUid);
});

test('IMAP, served by the unprivileged daemon, reads and changes a system user\'s Maildir', { skip }, async () => {
  const deliveries = () => (daemon.log().match(new RegExp(`sent to=<${MAIL_USER}@`, 'g')) ?? []).length;
  const before = deliveries();
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, '-i', MAIL_USER], 'Subject: over imap\n\nread me over IMAP\n', { asUser: MAIL_USER });
  assert.equal(r.code, 0, r.stderr);
  const maildir = join(sb.dir, 'mail', MAIL_USER);
  await waitFor(() => deliveries() > before, 15_000, 'delivery').catch(() => assert.fail(daemon.log()));
  const url = `imap://${MAIL_USER}:another-long-password@127.0.0.1:${imapPort}`;
  const search = await run('curl', ['-s', '--max-time', '10', `${url}/INBOX?SUBJECT%20imap`]);
  assert.equal(search.code, 0, search.stderr + daemon.log());
  const uid = /\* SEARCH (\d+)/.exec(search.stdout)?.[1];
  assert.ok(uid, search.stdout);
  const got = await run('curl', ['-s', '--max-time', '10', `${url}/INBOX;UID=${uid}`]);
  assert.equal(got.code, 0, got.stderr + daemon.log());
  assert.match(got.stdout, /read me over IMAP/);
  // The fetch set \Seen: a rename within the owner's Maildir, done by the daemon's group.
  const cur = readdirSync(join(maildir, 'cur'));
  assert.ok(cur.some((n) => /:2,[A-Z]*S/.test(n)), cur.join(' '));
  // The special-use folders were made at the first login, inside the account's Maildir.
  const list = await run('curl', ['-s', '--max-time', '10', `${url}/`]);
  assert.match(list.stdout, /\\Sent\) "\." Sent/, list.stdout);
  assert.equal(statSync(join(maildir, '.Sent', 'cur')).mode & 0o7777, 0o2770, 'shared with the daemon\'s group as the Maildir is');
  // APPEND (curl's upload) into Sent: a message file the daemon's group reads, nobody else.
  const msgFile = join(sb.dir, 'sent.eml');
  writeFileSync(msgFile, 'Subject: sent copy\r\n\r\nkept in Sent\r\n');
  const put = await run('curl', ['-s', '--max-time', '10', '-T', msgFile, `${url}/Sent`]);
  assert.equal(put.code, 0, put.stderr + daemon.log());
  const sent = readdirSync(join(maildir, '.Sent', 'cur'));
  assert.equal(sent.length, 1, sent.join(' '));
  assert.equal(statSync(join(maildir, '.Sent', 'cur', sent[0]!)).mode & 0o777, 0o640);
  // The Maildir itself still belongs to its owner.
  assert.equal(statSync(maildir).uid, aliceUid);
});

// After the POP3 test: its message lands in bob's mailbox, which that test reads.
test('the SMTP listener on a port below 1024 is bound by root and served by the daemon', { skip }, async () => {
  const c = await TcpSmtp.open(smtpPort, '127.0.0.1');
  assert.match(await c.hello(), /^250/);
  assert.match(await c.cmd('MAIL FROM:<someone@remote.example>'), /^250/);
  assert.match(await c.cmd('RCPT TO:<bob@test.example>'), /^250/);
  assert.match(await c.data('Subject: over the network\r\n\r\nhi bob'), /^250 2\.0\.0 Ok: queued as/);
  c.close();
});

test('SIGTERM to the root process stops both processes', { skip }, async () => {
  const pid = Number(/daemon started pid=(\d+)/.exec(daemon.log())![1]);
  const code = await daemon.stop();
  assert.equal(code, 0, daemon.log());
  await waitFor(() => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 10_000, 'the daemon process to exit');
  assert.match(daemon.log(), /daemon stopped/);
});
