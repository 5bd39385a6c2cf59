// An unprivileged user submits through maildrop/ (1733): the message is queued
// under the user's name, and the user can neither read the queue nor list
// maildrop/. The daemon (root here) creates the spool with its modes.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, run, sandbox, startDaemon, waitFor, type DaemonProc, type Sandbox, queuedIds, queuedEnvelope } from '../helpers/env.js';

let sb: Sandbox;
let daemon: DaemonProc;
before(async () => {
  sb = sandbox('', { worldReadable: true });
  daemon = await startDaemon(sb);
});
after(async () => {
  await daemon.stop();
  sb.cleanup();
});

test('the daemon creates the spool with its modes', () => {
  const mode = (p: string) => statSync(join(sb.spool, p)).mode & 0o7777;
  assert.equal(mode(''), 0o711);
  assert.equal(mode('maildrop'), 0o1733);
  for (const d of ['incoming', 'deferred', 'hold', 'tmp', 'data', 'locks', 'corrupt']) assert.equal(mode(d), 0o700, d);
  assert.equal(statSync(sb.socket).mode & 0o777, 0o666);
});

test('nobody submits with sendmail; the message is queued as user "nobody"', async () => {
  const before = queuedIds(sb);
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, 'x@example.com'], 'Subject: from nobody\n\nhi\n', { asUser: 'nobody' });
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => queuedIds(sb).length === before.length + 1, 10_000, 'pickup');
  const id = queuedIds(sb).find((f) => !before.includes(f))!;
  const env = queuedEnvelope(sb, id);
  assert.equal(env.user, 'nobody');
  assert.equal(env.uid, Number((await run('id', ['-u', 'nobody'])).stdout.trim()));
  assert.equal(env.source, 'sendmail');
  assert.deepEqual(env.recipients.map((x: { address: string }) => x.address), ['x@example.com']);
  assert.match(env.sender, /^nobody@/);
  await waitFor(() => readdirSync(join(sb.spool, 'maildrop')).length === 0, 5000, 'drop file removed');
});

test('nobody can list neither incoming/ nor maildrop/, nor read the queue', async () => {
  for (const d of ['incoming', 'maildrop', 'data', '']) {
    const r = await run('ls', [join(sb.spool, d)], '', { asUser: 'nobody' });
    assert.notEqual(r.code, 0, `ls ${d}: ${r.stdout}`);
    assert.match(r.stderr, /Permission denied/, d);
  }
  const q = await run(join(BIN, 'mailroom'), ['queue', 'list', '--config', sb.config], '', { asUser: 'nobody' });
  assert.equal(q.code, 77, q.stderr); // EX_NOPERM
  const show = await run(join(BIN, 'mailroom'), ['queue', 'show', queuedIds(sb)[0]!, '--config', sb.config], '', { asUser: 'nobody' });
  assert.equal(show.code, 77, show.stderr);
  assert.match(show.stderr, /permission denied/);
});
