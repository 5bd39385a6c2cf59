import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sandbox, sendmail, startDaemon, mailroom, waitFor, type Sandbox, type DaemonProc, queuedIds } from '../helpers/env.js';

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

test('a message given to sendmail is in the queue with its envelope', async () => {
  const r = await sendmail(sb, ['-i', '-f', 'alice@example.org', '--', 'bob@example.net'], 'Subject: hi\n\nhello\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => queuedIds(sb).length === 1, 5000, 'pickup');
  const list = await mailroom(sb, ['queue', 'list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  const q = JSON.parse(list.stdout);
  assert.equal(q.length, 1);
  assert.equal(q[0].sender, 'alice@example.org');
  assert.deepEqual(q[0].recipients, [{ address: 'bob@example.net', status: 'pending', attempts: 0, lastError: null }]);
  const eml = readFileSync(join(sb.spool, 'data', `${q[0].id}.eml`), 'latin1');
  assert.match(eml, /^Received: by test\.example \(mailroom, from userid 0\)\r\n\tid /);
  assert.match(eml, /\r\nSubject: hi\r\n/);
  assert.match(eml, /\r\n\r\nhello\r\n$/);
});
