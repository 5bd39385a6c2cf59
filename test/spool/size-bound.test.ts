// A message just under maxMessageSize grows when LF becomes CRLF and our
// header lines are added; what sendmail accepted must not be refused by the
// daemon at pickup (it would end in corrupt/).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { queuedIds, sandbox, sendmail, startDaemon, waitFor } from '../helpers/env.js';

const sb = sandbox('maxMessageSize: 1000\n');
after(() => sb.cleanup());

test('a message accepted by sendmail near the size limit is queued, not set aside', async () => {
  const body = 'x'.repeat(60) + '\n';
  const msg = 'Subject: near the limit\n\n' + body.repeat(15); // 940 bytes with LF, ~970 with CRLF + added headers
  assert.ok(msg.length < 1000);
  const r = await sendmail(sb, ['-i', 'bob@example.net'], msg);
  assert.equal(r.code, 0, r.stderr);
  const d = await startDaemon(sb);
  try {
    await waitFor(() => queuedIds(sb).length === 1, 10_000, 'pickup');
    assert.deepEqual(readdirSync(join(sb.spool, 'corrupt')), []);
  } finally {
    await d.stop();
  }
  const tooBig = await sendmail(sb, ['-i', 'bob@example.net'], 'Subject: big\n\n' + body.repeat(20));
  assert.equal(tooBig.code, 65, tooBig.stderr);
});
