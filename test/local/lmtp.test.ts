// LMTP hand-off (local.lmtp) against Debian's Dovecot LMTP, started here with
// its own base_dir, a passwd-file userdb and Maildirs under the temp dir:
// the message lands in the Maildir Dovecot writes, an unknown user gets its
// own per-recipient failure, and a server that is down defers.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { createLocalDelivery } from '../../src/local/deliver.js';
import { deliverLmtp, parseLmtpUrl } from '../../src/local/lmtp.js';
import { createLogger } from '../../src/shared/log.js';
import { replyLine } from '../../src/shared/replies.js';
import type { Envelope } from '../../src/spool/envelope.js';

const haveDovecot = spawnSync('dovecot', ['--version']).status === 0;
let dir: string;
let port: number;
let dovecot: ChildProcess | undefined;
const log = createLogger('error');
const env = { id: '01HZ8Q3M2K7T9V4X5Y', sender: 'alice@example.org' } as Envelope;

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

before(async () => {
  if (!haveDovecot) return;
  dir = mkdtempSync(join(tmpdir(), 'mailroom-lmtp-'));
  chmodSync(dir, 0o755); // Dovecot writes the Maildirs as the mail user (nobody)
  mkdirSync(join(dir, 'dmail'));
  chownSync(join(dir, 'dmail'), 65534, 65534);
  writeFileSync(join(dir, 'users'), 'alice:{PLAIN}secret::::::\ncarol:{PLAIN}secret::::::\n');
  port = await freePort();
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
mail_location = maildir:${dir}/dmail/%Ln
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
  default_fields = uid=65534 gid=65534 home=${dir}/dmail/%Ln
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${port}
  }
  unix_listener lmtp {
    mode = 0600
  }
}
`,
  );
  dovecot = spawn('dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: 'ignore' });
  await waitForPort(port, 15_000);
});

after(async () => {
  if (dovecot?.pid && dovecot.exitCode === null) {
    const exited = new Promise((r) => dovecot!.once('exit', r));
    process.kill(dovecot.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cfg = (lmtp: string) => validateConfig({ hostname: 'test.example', local: { mailboxes: join(dir, 'unused'), lmtp } });
const newFiles = (user: string) => {
  const d = join(dir, 'dmail', user, 'new');
  return existsSync(d) ? readdirSync(d).map((n) => readFileSync(join(d, n), 'utf8')) : [];
};

test('a local mailbox handed to Dovecot LMTP lands in the Maildir Dovecot writes', { skip: !haveDovecot && 'dovecot not installed' }, async () => {
  const ld = createLocalDelivery(cfg(`lmtp://127.0.0.1:${port}`), log);
  const o = await ld.deliver({ kind: 'mailbox', user: 'alice' }, env, 'alice@test.example', Buffer.from('Subject: via lmtp\r\n\r\n.leading dot\r\nhello dovecot\r\n'));
  assert.equal(o.status, 'delivered', replyLine(o));
  assert.equal(o.relay, `lmtp:127.0.0.1:${port}`);
  const files = newFiles('alice');
  assert.equal(files.length, 1);
  assert.match(files[0]!, /Return-Path: <alice@example\.org>/);
  assert.match(files[0]!, /Subject: via lmtp\r?\n\r?\n\.leading dot\r?\nhello dovecot\r?\n$/);
  assert.equal(existsSync(join(dir, 'unused')), false);
});

test('LMTP: an unknown user fails on its own, a known one in the same transaction is delivered', { skip: !haveDovecot && 'dovecot not installed' }, async () => {
  const ld = createLocalDelivery(cfg(`lmtp://127.0.0.1:${port}`), log);
  const o = await ld.deliver({ kind: 'mailbox', user: 'nosuch' }, env, 'nosuch@test.example', Buffer.from('Subject: x\r\n\r\ny\r\n'));
  assert.equal(o.status, 'failed');
  assert.match(replyLine(o), /^550 5\.1\.1 /);
  const both = await deliverLmtp(parseLmtpUrl(`lmtp://127.0.0.1:${port}`), { name: 'test.example', timeoutMs: 10_000 }, 'alice@example.org', ['carol', 'nosuch', 'alice'], Buffer.from('Subject: several\r\n\r\nbody\r\n'));
  assert.deepEqual(both.map((b) => b.status), ['delivered', 'failed', 'delivered']);
  assert.match(replyLine(both[1]!), /^550 5\.1\.1 .*nosuch/);
  assert.equal(newFiles('carol').length, 1);
  assert.equal(newFiles('alice').length, 2);
});

test('LMTP over a Unix socket, and a server that is down defers', { skip: !haveDovecot && 'dovecot not installed' }, async () => {
  const sock = join(dir, 'run', 'lmtp');
  const ld = createLocalDelivery(cfg(`unix:${sock}`), log);
  const o = await ld.deliver({ kind: 'mailbox', user: 'carol' }, env, 'carol@test.example', Buffer.from('Subject: unix\r\n\r\nz\r\n'));
  assert.equal(o.status, 'delivered', replyLine(o));
  assert.equal(newFiles('carol').length, 2);
  const down = createLocalDelivery(cfg(`lmtp://127.0.0.1:${await freePort()}`), log);
  const d = await down.deliver({ kind: 'mailbox', user: 'alice' }, env, 'alice@test.example', Buffer.from('Subject: x\r\n\r\ny\r\n'));
  assert.equal(d.status, 'deferred');
  assert.match(replyLine(d), /^451 4\.4\.1 .*ECONNREFUSED/);
});
