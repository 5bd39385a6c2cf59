// sendmail with the daemon down (sendmail works whether or not the daemon is
// running, and a daemon crash loses nothing): the message waits in maildrop/ and is
// picked up, envelope and bytes unchanged, once the daemon starts. When not
// even maildrop/ can be written, sendmail says so with EX_CANTCREAT (73).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { maildropNames, readDrops, readQueued, sandbox, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';

const boxes: Sandbox[] = [];
let daemon: DaemonProc | undefined;
after(async () => {
  await daemon?.stop();
  boxes.forEach((b) => b.cleanup());
});

test('submitted with the daemon down, picked up into the queue when it starts', async () => {
  const sb = sandbox('', { ownDaemon: true });
  boxes.push(sb);
  assert.equal(existsSync(sb.spool), false, 'no spool yet: sendmail creates it on first use');
  const first = await sendmail(sb, ['-i', '-N', 'success', '-R', 'hdrs', '-V', 'job-17', '-f', 'app@x.example', 'a@x.example', 'b@x.example'], 'Subject: waiting\n\nfor the daemon\n');
  assert.equal(first.code, 0, first.stderr);
  const second = await sendmail(sb, ['-t', '-i'], 'To: c@x.example\nSubject: second\n\nbody\n');
  assert.equal(second.code, 0, second.stderr);

  const drops = readDrops(sb);
  assert.equal(drops.length, 2, 'both wait in maildrop/');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(readDrops(sb).length, 2, 'and nothing takes them while the daemon is down');

  daemon = await startDaemon(sb);
  await waitFor(() => maildropNames(sb).length === 0 && drops.every((d) => readQueued(sb, d.id) !== undefined), 10_000, 'pickup of both');
  for (const d of drops) {
    const q = readQueued(sb, d.id)!;
    assert.ok(['incoming', 'deferred', 'hold'].includes(q.state));
    assert.ok(q.eml.equals(d.content), 'data/<id>.eml is the dropped message byte for byte');
    assert.equal(q.env.id, d.id, 'the queue id is the one sendmail chose');
    assert.equal(q.env.sender, d.env.sender);
    assert.equal(q.env.size, d.content.length);
    assert.deepEqual(q.env.dsn, d.env.dsn);
    assert.deepEqual(
      q.env.recipients.map((r: { address: string; notify?: string[]; status: string }) => ({ address: r.address, notify: r.notify, status: r.status })),
      d.env.recipients.map((r) => ({ address: r.address, notify: r.notify, status: 'pending' })),
    );
  }
  const one = readQueued(sb, drops.find((d) => d.env.sender === 'app@x.example')!.id)!;
  assert.deepEqual(one.env.dsn, { ret: 'HDRS', envid: 'job-17' });
  assert.deepEqual(one.env.recipients[0].notify, ['SUCCESS']);
});

test('a spool that cannot be written is EX_CANTCREAT (73), one line on stderr', async () => {
  const sb = sandbox('', { ownDaemon: true });
  boxes.push(sb);
  writeFileSync(sb.config, `hostname: test.example\nspool: /dev/null/spool\nsocket: ${sb.socket}\n`);
  const r = await sendmail(sb, ['-i', 'a@x.example'], 'Subject: s\n\nb\n');
  assert.equal(r.code, 73, r.stderr);
  assert.match(r.stderr, /^sendmail: [^\n]*\/dev\/null\/spool[^\n]*\n$/);
});

test('-bs with the daemon down still queues into maildrop/', async () => {
  const sb = sandbox('', { ownDaemon: true });
  boxes.push(sb);
  const r = await sendmail(sb, ['-bs'], 'HELO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\nSubject: bs\r\n\r\nbody\r\n.\r\nQUIT\r\n');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\r\n250 2\.0\.0 Ok: queued as \w+\r\n221 /);
  assert.equal(readDrops(sb).length, 1);
});
