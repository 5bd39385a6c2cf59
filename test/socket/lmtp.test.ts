// LMTP on the local socket (socket: { path, lmtp: true }): LHLO, and one reply
// per accepted recipient after the end of DATA (RFC 2033 §4.2).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, sandbox, startDaemon, type DaemonProc, type Sandbox, queuedIds, queuedEnvelope } from '../helpers/env.js';
import { PYTHON } from '../helpers/daemon.js';
import { rawClient } from '../helpers/smtp-client.js';

let sb: Sandbox;
let daemon: DaemonProc;
before(async () => {
  sb = sandbox();
  // the sandbox names the socket as a plain path; LMTP wants the object form
  const cfg = readFileSync(sb.config, 'utf8').replace(/^socket: (.*)$/m, 'socket:\n  path: $1\n  lmtp: true');
  (await import('node:fs')).writeFileSync(sb.config, cfg);
  daemon = await startDaemon(sb);
});
after(async () => {
  await daemon.stop();
  sb.cleanup();
});

test('smtplib.LMTP: LHLO, then one reply per recipient after DATA', async () => {
  const script = `
import smtplib, sys, json
s = smtplib.LMTP(sys.argv[1])
code, _ = s.ehlo('lmtp.example')   # LMTP sends LHLO
out = {'lhlo': code, 'features': s.esmtp_features}
s.mail('alice@example.org')
s.rcpt('bob@example.net')
s.rcpt('carol@example.org')
s.putcmd('data')
out['data'] = s.getreply()[0]
s.send(b'Subject: lmtp\\r\\n\\r\\nhello\\r\\n.\\r\\n')
out['replies'] = [list(map(lambda x: x.decode() if isinstance(x, bytes) else x, s.getreply())) for _ in range(2)]
code, _ = s.docmd('EHLO', 'x')
out['ehlo_in_lmtp'] = code
s.quit()
print(json.dumps(out))
`;
  const r = await run(PYTHON, ['-c', script, sb.socket]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.lhlo, 250);
  assert.ok('pipelining' in out.features && 'size' in out.features, JSON.stringify(out.features));
  assert.equal(out.data, 354);
  assert.equal(out.replies.length, 2);
  for (const [code] of out.replies) assert.equal(code, 250);
  const ids = out.replies.map(([, text]: [number, string]) => /queued as ([0-9A-Z]{18})/.exec(text)?.[1]);
  assert.ok(ids[0], JSON.stringify(out.replies));
  assert.equal(ids[0], ids[1], 'one queued message for both recipients');
  assert.notEqual(out.ehlo_in_lmtp, 250, 'EHLO is not LMTP');
  const env = queuedEnvelope(sb, ids[0]!);
  assert.deepEqual(env.recipients.map((x: { address: string }) => x.address), ['bob@example.net', 'carol@example.org']);
  assert.match(readFileSync(join(sb.spool, 'data', `${ids[0]}.eml`), 'utf8'), /^Received: from lmtp\.example by test\.example \(mailroom\) with LMTP\r\n/);
});

test('LMTP over a raw client: refused recipients get no reply after DATA', async () => {
  const c = await rawClient(sb.socket);
  try {
    assert.match((await c.replies(1))[0]!, /^220 /);
    c.write('LHLO raw.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<x@example.net>\r\nRCPT TO:<>\r\nRCPT TO:<y@example.net>\r\nDATA\r\n');
    const [lhlo, mail, r1, r2, r3, data] = await c.replies(6);
    assert.match(lhlo!, /^250/);
    assert.match(mail!, /^250 /);
    assert.match(r1!, /^250 /);
    assert.match(r2!, /^5\d\d /);
    assert.match(r3!, /^250 /);
    assert.match(data!, /^354/);
    c.write('Subject: raw\r\n\r\nx\r\n.\r\n');
    const after = await c.replies(2);
    for (const a of after) assert.match(a, /^250 .*queued as/);
    c.write('NOOP\r\n');
    assert.match((await c.replies(1))[0]!, /^250/, 'exactly two replies for two recipients');
  } finally {
    c.close();
  }
});

test('LMTP with an unwritable spool: a 4xx for each recipient, nothing queued', async () => {
  const { readdirSync, renameSync, rmSync, writeFileSync } = await import('node:fs');
  const tmp = join(sb.spool, 'tmp');
  const before = queuedIds(sb);
  renameSync(tmp, `${tmp}.away`);
  writeFileSync(tmp, 'not a directory');
  const c = await rawClient(sb.socket);
  try {
    await c.replies(1);
    c.write('LHLO fail.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<x@example.net>\r\nRCPT TO:<y@example.net>\r\nDATA\r\n');
    await c.replies(5);
    c.write('Subject: fail\r\n\r\nx\r\n.\r\n');
    const replies = await c.replies(2);
    for (const r of replies) assert.match(r, /^45[12] /);
  } finally {
    c.close();
    rmSync(tmp);
    renameSync(`${tmp}.away`, tmp);
  }
  assert.deepEqual(queuedIds(sb), before);
  assert.deepEqual(readdirSync(tmp), []);
});
