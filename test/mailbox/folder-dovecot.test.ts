// An independent check of the on-disk layout: Debian's Dovecot IMAP server is
// started on the Maildir the folder store wrote, and Python's imaplib asks it
// for the folders, subscriptions, flags and keywords; then Dovecot changes
// flags and makes a folder, and the folder store must read them the same way.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openUserStore } from '../../src/mailbox/folder-store.js';
import { PYTHON } from './fixture.js';

const haveDovecot = spawnSync('dovecot', ['--version']).status === 0;
let dir: string;
let port: number;
let dovecot: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitForPort(p: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = connect(p, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error('dovecot did not start listening');
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-folder-dovecot-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'mail'));
});

after(async () => {
  if (dovecot?.pid && dovecot.exitCode === null) {
    const exited = new Promise((r) => dovecot!.once('exit', r));
    process.kill(dovecot.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  rmSync(dir, { recursive: true, force: true });
});

async function startDovecot(): Promise<void> {
  port = await freePort();
  writeFileSync(join(dir, 'users'), 'alice:{PLAIN}secret::::::\n');
  // Dovecot refuses to run mail processes as root: the Maildir is handed to nobody.
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
default_internal_user = root
default_login_user = nobody
mail_location = maildir:${dir}/mail/%Ln
namespace inbox {
  inbox = yes
  separator = .
}
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
  default_fields = uid=65534 gid=65534 home=${dir}/mail/%Ln
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
}
`,
  );
  spawnSync('chown', ['-R', '65534:65534', join(dir, 'mail')]);
  dovecot = spawn('dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  await waitForPort(port, 15_000);
}

/** Runs Python imaplib against Dovecot: the folders, subscriptions and INBOX flags it sees, after its own changes. */
interface DovecotView {
  list: string[];
  lsub: string[];
  flags: string[];
  /** INTERNALDATE, seconds since the epoch. */
  dates: number[];
  sizes: number[];
}

function askDovecot(): DovecotView {
  const script = `
import imaplib, json, re, time
m = imaplib.IMAP4('127.0.0.1', ${port})
m.login('alice', 'secret')
list_ = sorted(l.decode() for l in m.list()[1])
lsub = sorted(l.decode() for l in m.lsub()[1])
m.select('INBOX')
typ, data = m.fetch('1:*', '(UID FLAGS INTERNALDATE RFC822.SIZE)')
flags = [re.search(rb'FLAGS \\(([^)]*)\\)', d).group(1).decode() for d in data]
dates = [int(time.mktime(imaplib.Internaldate2tuple(d))) for d in data]
sizes = [int(re.search(rb'RFC822.SIZE (\\d+)', d).group(1)) for d in data]
m.store('2', '+FLAGS', '($Label1)')
m.store('1', '-FLAGS', '(Junk)')
m.create('Dove.cot')
m.logout()
print(json.dumps({'list': list_, 'lsub': lsub, 'flags': flags, 'dates': dates, 'sizes': sizes}))
`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as DovecotView;
}

it('Dovecot reads the folders, subscriptions, flags and keywords the folder store wrote, and the other way round', { skip: !haveDovecot && 'dovecot not installed' }, async () => {
  const store = openUserStore(join(dir, 'mail'), 'alice', { specialUse: true });
  await store.create('Entwürfe');
  await store.create('a.b');
  await store.subscribe('a.b', true);
  const inbox = await store.open('INBOX');
  const date = Date.UTC(2024, 0, 2, 3, 4, 5);
  await inbox.append(Buffer.from('Subject: one\r\n\r\n1\r\n'), ['\\Seen', '$Forwarded', 'Junk'], date);
  await inbox.append(Buffer.from('Subject: two\r\n\r\nline\nwith LF only\r\n'), ['\\Flagged', '\\Answered'], date + 60_000);
  const ours = (await inbox.sync()).snapshot.messages;
  inbox.release();

  await startDovecot();
  const seen = askDovecot();
  assert.deepEqual(seen.list, [
    '(\\Noselect \\HasChildren) "." a',
    '(\\HasNoChildren) "." Drafts',
    '(\\HasNoChildren) "." Entw&APw-rfe',
    '(\\HasNoChildren) "." INBOX',
    '(\\HasNoChildren) "." Junk',
    '(\\HasNoChildren) "." Sent',
    '(\\HasNoChildren) "." Trash',
    '(\\HasNoChildren) "." a.b',
  ].sort());
  assert.deepEqual(seen.lsub.map((l) => l.replace(/^\([^)]*\) "\." /, '')).sort(), ['Drafts', 'Junk', 'Sent', 'Trash', 'a.b']);
  const clean = (f: string) => f.split(' ').filter((x) => x && x !== '\\Recent').sort();
  assert.deepEqual(seen.flags.map(clean), [
    ['$Forwarded', 'Junk', '\\Seen'],
    ['\\Answered', '\\Flagged'],
  ]);

  assert.deepEqual(seen.dates, [date / 1000, date / 1000 + 60]);
  assert.deepEqual(seen.sizes, ours.map((m) => m.size));

  // Dovecot's changes, read back by a fresh store.
  const again = await openUserStore(join(dir, 'mail'), 'alice', { specialUse: true }).open('INBOX');
  const msgs = (await again.sync()).snapshot.messages;
  assert.deepEqual(msgs.map((m) => [...m.flags].sort()), [
    ['$Forwarded', '\\Seen'],
    ['$Label1', '\\Answered', '\\Flagged'],
  ]);
  again.release();
  assert.ok((await store.list()).some((f) => f.name === 'Dove.cot' && !f.noselect));
});
