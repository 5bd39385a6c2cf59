// sendmail run by an ordinary user (maildrop/ is 1733 — anyone may drop,
// nobody may list) and with the daemon down (the message waits in the
// spool). Uses setpriv to become "nobody"; the daemon runs as root and
// takes the submitting user from the drop file's owner, never from its content.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newQueueId } from '../../src/spool/queue-id.js';
import { BIN, maildropNames, readDrops, readQueued, run, sandbox, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';

const canDropPrivileges = process.getuid?.() === 0 && run('setpriv', ['--version']).then((r) => r.code === 0, () => false);
const skip = (await canDropPrivileges) ? false : 'needs root and setpriv (util-linux) to run sendmail as nobody';

let sb: Sandbox;
let daemon: DaemonProc | undefined;
let nobodyUid: number;
before(async () => {
  sb = sandbox('', { worldReadable: true });
  nobodyUid = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
  if (skip) return;
  // Start the daemon once so that it lays out the spool (root 0711, maildrop/ 1733), then stop it.
  const d = await startDaemon(sb);
  await d.stop();
});
after(async () => {
  await daemon?.stop();
  sb.cleanup();
});

test('the spool is laid out for unprivileged submission', { skip }, () => {
  assert.equal(statSync(join(sb.spool, 'maildrop')).mode & 0o7777, 0o1733);
  assert.equal(statSync(sb.config).mode & 0o004, 0o004, 'the config is world-readable');
});

test('nobody submits with the daemon down; the daemon picks it up when it starts, as user nobody', { skip }, async () => {
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, '-i', '-f', 'cron@x.example', 'ops@x.example'], 'Subject: from nobody\n\nhello\n', { asUser: 'nobody' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');

  const drops = readDrops(sb);
  assert.equal(drops.length, 1, 'the message waits in maildrop/');
  const drop = drops[0]!;
  assert.equal(drop.uid, nobodyUid, 'the drop file is owned by nobody');
  assert.equal(statSync(drop.path).mode & 0o777, 0o644, 'readable by the daemon, in a directory nobody can list');
  assert.equal(drop.env.user, 'nobody');
  assert.match(drop.content.toString('latin1'), new RegExp(`^Received: by test\\.example \\(mailroom, from userid ${nobodyUid}\\)`));

  // nobody can drop but cannot look: neither list maildrop/ nor read the queue.
  const ls = await run('ls', [join(sb.spool, 'maildrop')], '', { asUser: 'nobody' });
  assert.notEqual(ls.code, 0, 'nobody cannot list maildrop/');
  assert.match(ls.stderr, /Permission denied/);
  for (const [cmd, args] of [
    [join(BIN, 'mailq'), ['-C', sb.config]],
    [join(BIN, 'sendmail'), ['-C', sb.config, '-bp']],
  ] as const) {
    const q = await run(cmd, [...args], '', { asUser: 'nobody' });
    assert.equal(q.code, 77, `${cmd}: exit ${q.code}: ${q.stderr}`);
    assert.match(q.stderr, /^(mailq|sendmail): cannot read the queue in .*: permission denied\n$/);
    assert.equal(q.stdout, '');
  }

  daemon = await startDaemon(sb);
  await waitFor(() => readQueued(sb, drop.id) !== undefined && maildropNames(sb).length === 0, 10_000, 'pickup into the queue');
  const q = readQueued(sb, drop.id)!;
  assert.equal(q.env.user, 'nobody');
  assert.equal(q.env.uid, nobodyUid);
  assert.equal(q.env.sender, 'cron@x.example');
  assert.equal(q.env.source, 'sendmail');
  assert.deepEqual(q.env.recipients.map((x: { address: string }) => x.address), ['ops@x.example']);
  assert.ok(q.eml.equals(drop.content), 'the queued message is byte for byte the dropped one');
});

test('with the daemon up, nobody submits and the message is queued at once', { skip }, async () => {
  assert.ok(daemon, 'the daemon runs (started by the test before)');
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, '-t', '-i'], 'To: a@x.example\nSubject: live\n\nbody\n', { asUser: 'nobody' });
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => maildropNames(sb).length === 0, 10_000, 'pickup');
  const list = await run(join(BIN, 'mailroom'), ['queue', 'list', '--json', '--config', sb.config]);
  assert.equal(list.code, 0, list.stderr);
  const live = JSON.parse(list.stdout).find((e: { recipients: { address: string }[] }) => e.recipients.some((x) => x.address === 'a@x.example'));
  assert.ok(live, list.stdout);
  assert.equal(live.user, 'nobody');
  assert.equal(live.sender, 'nobody@test.example');
});

test('a drop file that claims to be from root is queued under its owner, nobody', { skip }, async () => {
  assert.ok(daemon, 'the daemon runs (started by the test before)');
  // maildrop/ is writable by anyone: a user can hand-write a drop file. What it claims about its sender's uid must not count.
  const id = newQueueId();
  const env = { v: 1, sender: 'root@test.example', recipients: [{ address: 'c@x.example' }], dsn: {}, body: '7BIT', smtputf8: false, uid: 0, user: 'root', createdAt: new Date().toISOString() };
  const file = join(sb.spool, 'maildrop', id);
  const r = await run('sh', ['-c', `cat > ${file}.tmp && mv ${file}.tmp ${file}`], JSON.stringify(env) + '\nSubject: forged\r\n\r\nbody\r\n', { asUser: 'nobody' });
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => readQueued(sb, id) !== undefined, 10_000, 'pickup of the hand-written drop file');
  const q = readQueued(sb, id)!;
  assert.equal(q.env.uid, nobodyUid);
  assert.equal(q.env.user, 'nobody');
});
