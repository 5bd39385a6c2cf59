// A spool that cannot be written: the client gets a 4xx, never 250, and the
// queue holds no half-written message. We run as root, so permissions would
// not stop us: spool/tmp/ is replaced by a regular file instead.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sandbox, smtpDialog, startDaemon, type DaemonProc, type Sandbox, queuedIds } from '../helpers/env.js';

let sb: Sandbox;
let daemon: DaemonProc;
before(async () => {
  sb = sandbox();
  daemon = await startDaemon(sb);
});
after(async () => {
  await daemon.stop();
  sb.cleanup();
});

const send = (subject: string) =>
  smtpDialog(sb.socket, ['EHLO f.example\r\n', 'MAIL FROM:<a@example.org>\r\n', 'RCPT TO:<b@example.net>\r\n', 'DATA\r\n', `Subject: ${subject}\r\n\r\nbody\r\n.\r\n`, 'QUIT\r\n']);

test('an unwritable spool answers 451/452, leaves nothing behind, and recovers', async () => {
  const tmp = join(sb.spool, 'tmp');
  const ok = await send('before');
  assert.match(ok[5]!, /^250 /);
  // queued messages in any state (new mail goes straight to hold/ in this sandbox)
  const snapshot = () => ({ incoming: queuedIds(sb), data: readdirSync(join(sb.spool, 'data')).sort() });
  const before = snapshot();

  renameSync(tmp, `${tmp}.away`);
  writeFileSync(tmp, 'not a directory');
  try {
    for (let i = 0; i < 3; i++) {
      const r = await send(`during ${i}`);
      assert.match(r[5]!, /^45[12] 4\.3\.\d /, r.join(' | '));
      assert.match(r[6]!, /^221 /, 'the session survives the failure');
    }
    assert.deepEqual(snapshot(), before, 'no half-written files in incoming/ or data/');
  } finally {
    rmSync(tmp);
    renameSync(`${tmp}.away`, tmp);
  }
  await daemon.waitLog(/socket submission refused/);
  const again = await send('after');
  assert.match(again[5]!, /^250 /);
  assert.deepEqual(readdirSync(tmp), []);
});

// relay.mode is hold in this sandbox: new mail to a remote recipient goes straight to hold/.
test('a missing hold/ directory (where the message goes): 451, and the message data does not stay behind', async () => {
  const inc = join(sb.spool, 'hold');
  const dataBefore = readdirSync(join(sb.spool, 'data')).sort();
  renameSync(inc, `${inc}.away`);
  try {
    const r = await send('no hold');
    assert.match(r[5]!, /^45[12] /, r.join(' | '));
  } finally {
    renameSync(`${inc}.away`, inc);
  }
  assert.deepEqual(readdirSync(join(sb.spool, 'tmp')), []);
  // The .eml was written into data/ before the .env failed; without an envelope
  // it was never accepted, so the publisher removes it at once.
  assert.deepEqual(readdirSync(join(sb.spool, 'data')).sort(), dataBefore);
  await daemon.waitLog(/socket submission refused/);
  mkdirSync(inc, { recursive: true });
});
