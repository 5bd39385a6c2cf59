// Issue 4 end to end through the real daemon: cron mail to root, aliased to a
// users-file user, lands in that user's Maildir with trace headers, leaves the
// queue, is logged with its original recipient, and reads with `mailroom mail`.
// Also: an alias to a remote address goes to the relay, alias chains, unknown
// local users refused at submission, and the mbox format read by s-nail.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, queuedIds, readQueued, run, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';

/** A sandbox with local delivery on (no `relay: hold` from sandbox(); each test writes its own relay block). */
function localSandbox(yaml: (dir: string) => string): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-e2e-'));
  const config = join(dir, 'mailroom.yaml');
  writeFileSync(config, `hostname: test.example\nspool: ${dir}/spool\nsocket: ${dir}/run/submit.sock\nusers: ${dir}/users\n${yaml(dir)}`);
  return { dir, config, spool: join(dir, 'spool'), socket: join(dir, 'run/submit.sock'), control: join(dir, 'run/control.sock'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const mailroomCli = (sb: Sandbox, args: string[], input = '') => run(join(BIN, 'mailroom'), [...args, '--config', sb.config], input);

/** Files in <mailboxes>/<user>/new (none when the Maildir does not exist yet). */
function newMail(sb: Sandbox, user: string): string[] {
  const d = join(sb.dir, 'mail', user, 'new');
  return existsSync(d) ? readdirSync(d).map((n) => join(d, n)) : [];
}

/** Empties a Maildir's new/ and cur/ so a test starts from a known state. */
function clearMailbox(sb: Sandbox, user: string): void {
  for (const sub of ['new', 'cur']) {
    const d = join(sb.dir, 'mail', user, sub);
    if (existsSync(d)) for (const n of readdirSync(d)) rmSync(join(d, n));
  }
}

/** The message's header lines (LF, as delivered), unfolded. */
function headerLines(msg: string): string[] {
  return msg.slice(0, msg.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ').split('\n');
}

describe('cron mail to root through the daemon into a Maildir', () => {
  let sb: Sandbox;
  let daemon: DaemonProc | undefined;

  before(async () => {
    sb = localSandbox((dir) => `aliases: ${dir}/aliases\nlocal:\n  mailboxes: ${dir}/mail\n  domains: [test.example, localhost]\n  systemUsers: false\nrelay:\n  mode: hold\n`);
    writeFileSync(join(sb.dir, 'aliases'), '# cron output goes to alice\nroot: alice\npostmaster: root\nstaff: ops\nops: alice, bob\nbob: alice\nfaraway: admin@example.net\n');
    const add = await mailroomCli(sb, ['user', 'add', 'alice', '--password-stdin'], 'alicepw\n');
    assert.equal(add.code, 0, add.stderr);
    daemon = await startDaemon(sb);
  });

  after(async () => {
    await daemon?.stop();
    sb.cleanup();
  });

  it('root -> alice: new/ file with Delivered-To and Return-Path, queue empty, log line, mailroom mail', async () => {
    const r = await sendmail(sb, ['root'], 'Subject: cron\n\nout\n');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => newMail(sb, 'alice').length === 1, 15_000, 'delivery into alice/new');
    const [file] = newMail(sb, 'alice');
    const st = statSync(file!);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(statSync(join(sb.dir, 'mail', 'alice')).mode & 0o777, 0o700);
    // A standard Maildir name with its size, and nothing left in tmp/.
    assert.match(file!, /\/new\/\d+\.M\d+P\d+Q\d+\.[^/]+,S=\d+$/);
    assert.equal(Number(/,S=(\d+)$/.exec(file!)![1]), st.size);
    // The tmp/ name is removed just after the link into new/ (which a reader may see first).
    await waitFor(() => readdirSync(join(sb.dir, 'mail', 'alice', 'tmp')).length === 0, 5000, 'tmp/ emptied');
    const msg = readFileSync(file!, 'utf8');
    const head = headerLines(msg);
    assert.equal(head[0], 'Return-Path: <root@test.example>');
    assert.equal(head[1], 'Delivered-To: alice@test.example');
    assert.ok(head.includes('Subject: cron'), msg);
    assert.ok(head.some((l) => /^Received: /.test(l)), msg);
    assert.ok(head.some((l) => /^Message-ID: </i.test(l)), msg);
    assert.ok(!msg.includes('\r'), 'Maildir holds LF line ends');
    assert.ok(msg.endsWith('\n\nout\n'), JSON.stringify(msg.slice(-40)));

    await waitFor(() => queuedIds(sb).length === 0, 10_000, 'empty queue');
    await waitFor(() => /: removed/.test(daemon!.log()), 5_000, 'removed log line');
    const log = daemon!.log();
    const sent = log.split('\n').find((l) => / sent to=<alice@test\.example>/.test(l));
    assert.ok(sent, log);
    assert.match(sent!, / orig_to=<root@test\.example> relay=maildir:\S+\/mail\/alice /);
    assert.match(sent!, /reply="250 2\.0\.0 delivered to maildir"/);
    const id = /: ([^:\s]+): sent /.exec(sent!)![1]!;
    assert.match(log, new RegExp(`${id}: removed`));

    const list = await mailroomCli(sb, ['mail', 'alice']);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n');
    assert.equal(rows.length, 2, list.stdout);
    assert.match(rows[1]!, /^\s+1\s.*\bcron\b.*\sN$/);
    assert.match(rows[1]!, /\s1\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+root\s/);

    const read = await mailroomCli(sb, ['mail', 'read', '1', '--user', 'alice']);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /^Subject: cron$/m);
    assert.match(read.stdout, /\n\nout\n$/);
    // Reading marks it seen: it moves to cur/ with :2,S and the listing says so.
    assert.equal(newMail(sb, 'alice').length, 0);
    const cur = readdirSync(join(sb.dir, 'mail', 'alice', 'cur'));
    assert.equal(cur.length, 1);
    assert.match(cur[0]!, /:2,S$/);
    const again = await mailroomCli(sb, ['mail', 'alice']);
    assert.match(again.stdout.trim().split('\n')[1]!, /\sS$/);
  });

  it('an alias chain with a shared member delivers once, to the last name', async () => {
    clearMailbox(sb, 'alice');
    const r = await sendmail(sb, ['-f', 'monitor@example.org', 'staff'], 'Subject: chain\n\nvia staff -> ops -> alice, bob -> alice\n');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => newMail(sb, 'alice').length >= 1 && queuedIds(sb).length === 0, 15_000, 'chain delivery');
    // Give a duplicate a moment to show up if the expansion were wrong.
    await new Promise((res) => setTimeout(res, 300));
    const files = newMail(sb, 'alice');
    assert.equal(files.length, 1, files.join('\n'));
    assert.deepEqual(readdirSync(join(sb.dir, 'mail', 'alice', 'cur')), []);
    const head = headerLines(readFileSync(files[0]!, 'utf8'));
    assert.equal(head[0], 'Return-Path: <monitor@example.org>');
    assert.equal(head[1], 'Delivered-To: alice@test.example');
    assert.ok(!existsSync(join(sb.dir, 'mail', 'bob')), 'bob is an alias, not a mailbox');
    await daemon!.waitLog(/ sent to=<alice@test\.example> orig_to=<staff@test\.example> /);
  });

  it('an alias to a remote address goes to the relay (held with the remote recipient)', async () => {
    clearMailbox(sb, 'alice');
    const r = await sendmail(sb, ['faraway', 'root'], 'Subject: both\n\nto admin and alice\n');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => /: held /.test(daemon!.log()), 15_000, 'held log line');
    const ids = queuedIds(sb);
    assert.equal(ids.length, 1);
    const q = readQueued(sb, ids[0]!)!;
    assert.equal(q.state, 'hold');
    const rcpts = q.env.recipients.map((x: any) => [x.address, x.status, x.parent ?? null]);
    assert.deepEqual(rcpts.sort(), [
      ['admin@example.net', 'pending', 'faraway@test.example'],
      ['alice@test.example', 'delivered', 'root@test.example'],
    ]);
    // The local part was delivered already, once.
    assert.equal(newMail(sb, 'alice').length, 1);
    assert.match(daemon!.log(), new RegExp(`${ids[0]}: held reason="relay.mode is hold" nrcpt=1`));
    const del = await mailroomCli(sb, ['queue', 'delete', ids[0]!]);
    assert.equal(del.code, 0, del.stderr);
  });

  it('an unknown local user is refused at submission with 67 and nothing is queued', async () => {
    await waitFor(() => queuedIds(sb).length === 0, 10_000, 'an empty queue to start from');
    const r = await sendmail(sb, ['nosuchuser'], 'Subject: x\n\nbody\n');
    assert.equal(r.code, 67, r.stderr);
    assert.match(r.stderr, /nosuchuser@test\.example.*no such/);
    const t = await sendmail(sb, ['-t'], 'To: ghost@localhost\nSubject: x\n\nbody\n');
    assert.equal(t.code, 67, t.stderr);
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(queuedIds(sb), []);
    assert.deepEqual(readdirSync(join(sb.spool, 'maildrop')).filter((n) => !n.startsWith('.')), []);
  });
});

describe('an alias to a remote address reaches a smart host (aiosmtpd)', () => {
  let sb: Sandbox;
  let daemon: DaemonProc | undefined;
  let host: Awaited<ReturnType<typeof import('../relay/peers.js').startSmartHost>> | undefined;

  before(async () => {
    const { startSmartHost } = await import('../relay/peers.js');
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-e2e-host-'));
    host = await startSmartHost(dir, 'smarthost');
    const port = host.port;
    sb = localSandbox((d) => `aliases:\n  root: admin@example.net\nlocal:\n  mailboxes: ${d}/mail\n  domains: [test.example, localhost]\n  systemUsers: false\nrelay:\n  mode: smarthost\n  smarthosts:\n    - { host: 127.0.0.1, port: ${port}, tls: none }\n`);
    const oldCleanup = sb.cleanup;
    sb.cleanup = () => {
      oldCleanup();
      rmSync(dir, { recursive: true, force: true });
    };
    daemon = await startDaemon(sb);
  });

  after(async () => {
    await daemon?.stop();
    await host?.stop();
    sb?.cleanup();
  });

  it('root -> admin@example.net is relayed with the remote envelope recipient', async () => {
    const r = await sendmail(sb, ['-i', '-f', 'cron@test.example', '--', 'root'], 'Subject: nightly\n\nall good\n');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => host!.received().length === 1 && queuedIds(sb).length === 0, 20_000, 'relay to the smart host');
    const [m] = host!.received();
    assert.equal(m!.mail_from, 'cron@test.example');
    assert.deepEqual(m!.rcpt_tos, ['admin@example.net']);
    assert.match(m!.data, /^Subject: nightly\r?$/m);
    assert.ok(!/^Delivered-To:/im.test(m!.data), 'no local trace header on relayed mail');
    assert.ok(!existsSync(join(sb.dir, 'mail')), 'nothing local');
    await daemon!.waitLog(/ sent to=<admin@example\.net> orig_to=<root@test\.example> relay=127\.0\.0\.1/);
  });
});

describe('mbox format read by s-nail', { skip: !existsSync('/usr/bin/s-nail') && 's-nail is not installed' }, () => {
  let sb: Sandbox;
  let daemon: DaemonProc | undefined;

  before(async () => {
    sb = localSandbox((dir) => `aliases:\n  root: alice\nlocal:\n  mailboxes: ${dir}/mail\n  domains: [test.example, localhost]\n  format: mbox\n  systemUsers: false\nrelay:\n  mode: hold\n`);
    const add = await mailroomCli(sb, ['user', 'add', 'alice', '--password-stdin'], 'alicepw\n');
    assert.equal(add.code, 0, add.stderr);
    daemon = await startDaemon(sb);
  });

  after(async () => {
    await daemon?.stop();
    sb?.cleanup();
  });

  it('two messages, one with a "From " body line, are two messages to s-nail with the line intact', async () => {
    const box = join(sb.dir, 'mail', 'alice');
    assert.equal((await sendmail(sb, ['root'], 'Subject: first\n\nFrom the start\n>From quoted already\n')).code, 0);
    await waitFor(() => existsSync(box) && queuedIds(sb).length === 0, 15_000, 'first mbox delivery');
    assert.equal((await sendmail(sb, ['root'], 'Subject: second\n\nline two\n')).code, 0);
    await waitFor(() => queuedIds(sb).length === 0 && (readFileSync(box, 'utf8').match(/^From /gm) ?? []).length === 2, 15_000, 'second mbox delivery');
    const raw = readFileSync(box, 'utf8');
    assert.match(raw, /^From root@test\.example /);
    assert.match(raw, /^>From the start$/m);
    assert.match(raw, /^>>From quoted already$/m);
    // s-nail in batch mode, read-only, no rc files: headers, then both bodies.
    const env = { HOME: sb.dir, MAILRC: '/dev/null', LC_ALL: 'C' };
    const headers = await run('s-nail', ['-#', '-n', '-R', '-N', '-S', 'headline=%s', '-f', box], 'headers\nquit\n', { env });
    assert.equal(headers.code, 0, headers.stderr);
    const subjects = headers.stdout.trim().split('\n').map((l) => l.trim());
    assert.deepEqual(subjects, ['first', 'second'], headers.stdout);
    const p1 = await run('s-nail', ['-#', '-n', '-R', '-N', '-f', box], 'set ignore\nPrint 1\nquit\n', { env });
    assert.equal(p1.code, 0, p1.stderr);
    assert.match(p1.stdout, /^Delivered-To: alice@test\.example$/m);
    // s-nail shows the body as stored (mboxrd quoting kept): the "From " line
    // did not start a message of its own.
    assert.match(p1.stdout, /^Subject: first$/m);
    assert.match(p1.stdout, /^>From the start$/m);
    assert.match(p1.stdout, /^>>From quoted already$/m);
    const p2 = await run('s-nail', ['-#', '-n', '-R', '-N', '-f', box], 'Print 2\nquit\n', { env });
    assert.match(p2.stdout, /^line two$/m);
  });
});
