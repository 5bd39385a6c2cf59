// maildrop/ is hostile input: the daemon queues what is well formed and sets
// aside (corrupt/drop-<name>, logged) what is not, never following links.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newQueueId } from '../../src/spool/queue-id.js';
import { sandbox, startDaemon, waitFor, type Sandbox, queuedIds, queuedEnvPath } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
});
after(() => sb.cleanup());

test('bad drop files are set aside, links are not followed, good ones are queued', async () => {
  const first = await startDaemon(sb);
  assert.equal(await first.stop(), 0);
  const md = join(sb.spool, 'maildrop');
  const drop = (env: object, body: string) => JSON.stringify(env) + '\n' + body;
  const good = newQueueId();
  writeFileSync(join(md, good), drop({ v: 1, sender: 'a@example.org', recipients: [{ address: 'b@example.net' }], dsn: {}, body: '7BIT', smtputf8: false, uid: 0, user: 'root', createdAt: new Date().toISOString() }, 'Subject: ok\r\n\r\nok\r\n'));
  const garbage = newQueueId();
  writeFileSync(join(md, garbage), 'this is not a drop file');
  const future = newQueueId();
  writeFileSync(join(md, future), drop({ v: 7, sender: 'a@example.org', recipients: [{ address: 'b@example.net' }] }, 'x'));
  const injected = newQueueId();
  writeFileSync(join(md, injected), drop({ v: 1, sender: 'a@example.org', recipients: [{ address: 'b@example.net\r\nBcc: victim@example.com' }], dsn: {}, body: '7BIT', smtputf8: false, uid: 0, user: 'root', createdAt: new Date().toISOString() }, 'x'));
  const link = newQueueId();
  symlinkSync('/etc/passwd', join(md, link));
  writeFileSync(join(md, 'not-an-id'), 'x');

  const d = await startDaemon(sb);
  try {
    await waitFor(() => readdirSync(md).length === 0, 10_000, 'maildrop emptied');
    assert.ok(queuedEnvPath(sb, good), 'the good drop file is queued');
    const corrupt = readdirSync(join(sb.spool, 'corrupt')).sort();
    assert.deepEqual(corrupt, [garbage, future, injected, link, 'not-an-id'].map((n) => `drop-${n}`).sort());
    assert.equal(queuedIds(sb).length, 1);
    // log lines are written at the end of the daemon's event-loop turn
    await waitFor(() => [garbage, future, injected, link].every((n) => d.log().includes(`maildrop file moved to corrupt/ file=${n}`)), 5000, 'log lines');
    assert.ok(!readFileSync(join(sb.spool, 'data', `${good}.eml`), 'utf8').includes('root:x:0'), 'the link was not followed');
  } finally {
    assert.equal(await d.stop(), 0);
  }
});
