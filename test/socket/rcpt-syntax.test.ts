// Malformed recipient paths on the local socket get 553 5.1.3 with a reason
// naming the address — also those smtp-server cannot parse at all (it would
// answer a bare 501) — and never reach the queue; the good recipients of the
// same transaction are queued alone.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { queuedEnvelope, queuedIds, sandbox, startDaemon, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { rawClient } from '../helpers/smtp-client.js';

const BAD_ADDRESSES = ['user@@example.net', 'user@-bad-.example', '<unbalanced@example.net', 'user@', '@example.net', 'a b@example.net', 'user@exa mple.net'];
const rcptLine = (a: string) => (a.startsWith('<') ? `RCPT TO:${a}\r\n` : `RCPT TO:<${a}>\r\n`);

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

test('each malformed RCPT TO gets 553 5.1.3 naming the address; only the good recipient is queued', async () => {
  const c = await rawClient(sb.socket);
  try {
    assert.match((await c.replies(1))[0]!, /^220 /);
    c.write('EHLO c.example\r\nMAIL FROM:<s@example.org>\r\n');
    await c.replies(2);
    for (const a of BAD_ADDRESSES) {
      c.write(rcptLine(a));
      const [reply] = await c.replies(1);
      assert.match(reply!, /^553 5\.1\.3 bad recipient: /, `${a}: ${reply}`);
      assert.ok(reply!.includes(a.replace(/^</, '')), `${reply} names ${a}`);
    }
    c.write('DATA\r\n');
    assert.match((await c.replies(1))[0]!, /^5\d\d /, 'DATA with no accepted recipient is refused');

    c.write(`RCPT TO:<user@@example.net>\r\nRCPT TO:<good@example.net>\r\nDATA\r\n`);
    const [bad, good, data] = await c.replies(3);
    assert.match(bad!, /^553 5\.1\.3 /);
    assert.match(good!, /^250 /);
    assert.match(data!, /^354 /);
    c.write('Subject: s\r\n\r\nbody\r\n.\r\nQUIT\r\n');
    const [done, bye] = await c.replies(2);
    assert.match(done!, /^250 /);
    assert.match(bye!, /^221 /);
    const id = /queued as ([0-9A-Z]{18})/.exec(done!)![1]!;
    assert.deepEqual(queuedIds(sb), [id], 'one message queued');
    assert.deepEqual(queuedEnvelope(sb, id).recipients.map((r: { address: string }) => r.address), ['good@example.net']);
    const maildrop = join(sb.spool, 'maildrop');
    assert.deepEqual(existsSync(maildrop) ? readdirSync(maildrop) : [], []);
  } finally {
    c.close();
  }
});
