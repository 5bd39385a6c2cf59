// The daemon's life: a graceful stop on SIGTERM, mail submitted while it was
// down picked up at start, one daemon per spool, and an immediate restart
// after kill -9 (its claim on the spool dies with it).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, run, sandbox, sendmail, smtpDialog, startDaemon, waitFor, type Sandbox, queuedIds, queuedEnvPath, queuedEnvelope } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
});
after(() => sb.cleanup());

test('SIGTERM stops the daemon gracefully: exit 0, sockets and its claim removed', async () => {
  const d = await startDaemon(sb);
  assert.ok(existsSync(sb.socket) && existsSync(sb.control));
  assert.ok(existsSync(join(sb.spool, 'locks/daemon.pid')));
  const t0 = Date.now();
  assert.equal(await d.stop(), 0, d.log());
  assert.ok(Date.now() - t0 < 10_000);
  assert.ok(!existsSync(sb.socket), 'submit.sock removed');
  assert.ok(!existsSync(sb.control), 'control.sock removed');
  assert.ok(!existsSync(join(sb.spool, 'locks/daemon.pid')));
  await d.waitLog(/daemon stopped/);
});

test('mail submitted while the daemon is down waits in maildrop/ and is queued at start', async () => {
  const r = await sendmail(sb, ['-i', '-f', 'down@example.org', '--', 'x@example.net'], 'Subject: while down\n\nwaiting\n');
  assert.equal(r.code, 0, r.stderr);
  const drops = readdirSync(join(sb.spool, 'maildrop'));
  assert.equal(drops.length, 1);
  assert.deepEqual(readdirSync(join(sb.spool, 'incoming')), []);
  const d = await startDaemon(sb);
  try {
    await waitFor(() => queuedIds(sb).length === 1, 5000, 'pickup at start');
    const id = queuedIds(sb)[0]!;
    assert.equal(id, drops[0], 'queued under the id it was dropped with');
    // the drop file is removed just after the message is queued
    await waitFor(() => readdirSync(join(sb.spool, 'maildrop')).length === 0, 5000, 'drop file removed');
    const env = queuedEnvelope(sb, id);
    assert.equal(env.sender, 'down@example.org');
    assert.equal(env.source, 'sendmail');
    assert.equal(env.user, 'root');
    await waitFor(() => new RegExp(`${id}: queued from=<down@example.org>`).test(d.log()), 5000, 'queued log line');
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('a second daemon on the same spool refuses to start and leaves the first alone', async () => {
  const d = await startDaemon(sb);
  try {
    const second = await run(join(BIN, 'mailroom'), ['daemon', '--foreground', '--config', sb.config], '', { timeoutMs: 15_000 });
    assert.equal(second.code, 75, second.stderr);
    assert.match(second.stderr, /another mailroom daemon \(pid \d+\) is running/);
    assert.ok(existsSync(sb.socket), 'the first daemon keeps its socket');
    const greet = await smtpDialog(sb.socket, ['QUIT\r\n']);
    assert.match(greet[0]!, /^220 /);
    assert.equal(d.proc.exitCode, null);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('after kill -9 the daemon restarts at once (no stale claim to wait out)', async () => {
  const d = await startDaemon(sb);
  await d.kill();
  assert.ok(existsSync(join(sb.spool, 'locks/daemon.pid')), 'the killed daemon could not clean up');
  const t0 = Date.now();
  const d2 = await startDaemon(sb);
  assert.ok(Date.now() - t0 < 10_000, 'not blocked by the dead daemon\'s claim');
  const greet = await smtpDialog(sb.socket, ['QUIT\r\n']);
  assert.match(greet[0]!, /^220 /);
  assert.equal(await d2.stop(), 0);
});

test('a claim naming a recycled pid (live process, other start time) is taken over', async () => {
  // a recycled pid: our own test process, with a start time that is not its own
  writeFileSync(join(sb.spool, 'locks/daemon.pid'), `${process.pid} 1\n`);
  const d = await startDaemon(sb);
  assert.equal(await d.stop(), 0);
});

test('an idle client does not keep the daemon from stopping', async () => {
  const d = await startDaemon(sb);
  const { connect } = await import('node:net');
  const sock = connect(sb.socket);
  sock.on('error', () => undefined);
  await new Promise((r) => sock.once('data', r));
  const t0 = Date.now();
  assert.equal(await d.stop(), 0, d.log());
  // smtp-server's closeTimeout (5 s) bounds the wait for open sessions
  assert.ok(Date.now() - t0 < 15_000, `stopped in ${Date.now() - t0} ms`);
  sock.destroy();
});

test('SIGTERM during a transaction: the client may finish it, gets its 250, and the message is queued', async () => {
  const { rawClient } = await import('../helpers/smtp-client.js');
  const d = await startDaemon(sb);
  const c = await rawClient(sb.socket);
  try {
    await c.replies(1);
    c.write('EHLO late.example\r\nMAIL FROM:<late@example.org>\r\nRCPT TO:<x@example.net>\r\nDATA\r\n');
    await c.replies(4);
    c.write('Subject: in flight\r\n\r\nhalf of it\r\n');
    d.proc.kill('SIGTERM');
    await waitFor(() => d.log().includes('stopping'), 5000, 'stopping');
    assert.ok(!existsSync(sb.socket) || (await smtpDialog(sb.socket, []).then(() => false, () => true)), 'no new connections');
    c.write('the rest\r\n.\r\n');
    const [done] = await c.replies(1);
    assert.match(done!, /^250 .*queued as/);
    const id = /queued as ([0-9A-Z]{18})/.exec(done!)![1]!;
    assert.ok(queuedEnvPath(sb, id), 'queued');
  } finally {
    c.close();
  }
  assert.equal(await d.exited(), 0, d.log());
});
