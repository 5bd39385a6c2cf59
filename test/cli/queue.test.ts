// mailroom queue list|show|hold|release|delete|flush, run as the real command
// against a real spool; exit codes follow sysexits(3).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { newEnvelope } from '../../src/spool/envelope.js';
import { ensureSpool } from '../../src/spool/layout.js';
import { spoolPaths, type SpoolPaths } from '../../src/spool/paths.js';
import { createPublisher } from '../../src/spool/publish.js';
import { newQueueId, type QueueId } from '../../src/spool/queue-id.js';
import { freePort, mailroom, sandbox, startDaemon, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
let paths: SpoolPaths;
let a: QueueId;
let b: QueueId;
before(async () => {
  // relay.mode hold (sandbox()) with a smart host, so that release may let
  // mail go; nothing listens on its port (the daemon started below defers).
  sb = sandbox(`  smarthosts:\n    - { host: 127.0.0.1, port: ${await freePort()}, tls: none }\n`);
  paths = spoolPaths(sb.spool);
  await ensureSpool(paths);
  const pub = createPublisher(paths);
  const put = async (sender: string, rcpts: string[], text: string, createdAt: string) => {
    const id = newQueueId(Date.parse(createdAt));
    const content = Buffer.from(text);
    await pub.publish(newEnvelope(id, { sender, recipients: rcpts.map((address) => ({ address })), dsn: {}, body: '7BIT', smtputf8: false, createdAt }, { uid: 1000, user: 'alice', source: 'sendmail', size: content.length }), content);
    return id;
  };
  a = await put('alice@example.org', ['bob@example.net', 'carol@example.org'], 'From: alice@example.org\r\nSubject: first\r\n\r\nsecret body text\r\n', '2024-01-02T03:04:05.000Z');
  b = await put('', ['postmaster@example.net'], 'Subject: second\r\n\r\nb\r\n', new Date().toISOString());
});
after(() => sb.cleanup());

test('queue list --json has the documented fields with their types', async () => {
  const r = await mailroom(sb, ['queue', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const q = JSON.parse(r.stdout);
  assert.ok(Array.isArray(q));
  assert.deepEqual(q.map((e: { id: string }) => e.id), [a, b]);
  for (const e of q) {
    for (const k of ['id', 'sender', 'size', 'createdAt', 'nextAttemptAt', 'held', 'recipients']) assert.ok(k in e, `${k} in ${Object.keys(e)}`);
    assert.equal(typeof e.id, 'string');
    assert.equal(typeof e.sender, 'string');
    assert.equal(typeof e.size, 'number');
    assert.equal(new Date(e.createdAt).toISOString(), e.createdAt, 'createdAt is ISO 8601');
    assert.ok(e.nextAttemptAt === null || typeof e.nextAttemptAt === 'string');
    assert.equal(typeof e.held, 'boolean');
    for (const rc of e.recipients) {
      assert.deepEqual(Object.keys(rc).sort(), ['address', 'attempts', 'lastError', 'status']);
      assert.ok(['pending', 'deferred', 'delivered', 'failed'].includes(rc.status));
    }
  }
  assert.equal(q[0].sender, 'alice@example.org');
  assert.equal(q[0].createdAt, '2024-01-02T03:04:05.000Z');
  assert.equal(q[0].held, false);
  assert.equal(q[1].sender, '', 'the null sender is the empty string');
  assert.deepEqual(q[0].recipients, [
    { address: 'bob@example.net', status: 'pending', attempts: 0, lastError: null },
    { address: 'carol@example.org', status: 'pending', attempts: 0, lastError: null },
  ]);
});

test('queue list (human): one entry per message with its recipients and a total', async () => {
  const r = await mailroom(sb, ['queue']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${a} +\\d+ +\\S+ +incoming +<alice@example\\.org>$`, 'm'));
  assert.match(r.stdout, /^ +bob@example\.net +pending$/m);
  assert.match(r.stdout, new RegExp(`^${b} .*<>$`, 'm'));
  assert.match(r.stdout, /-- \d+ Kbytes in 2 Requests\.$/m);
});

test('queue show: envelope and headers; --body adds the body', async () => {
  const r = await mailroom(sb, ['queue', 'show', a]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^state: incoming$/m);
  assert.match(r.stdout, /^sender: <alice@example\.org>$/m);
  assert.match(r.stdout, /^recipient: <bob@example\.net> pending attempts=0$/m);
  assert.match(r.stdout, /^Subject: first\r?$/m);
  assert.ok(!r.stdout.includes('secret body text'), 'no body without --body');
  const full = await mailroom(sb, ['queue', 'show', a, '--body']);
  assert.equal(full.code, 0, full.stderr);
  assert.ok(full.stdout.includes('secret body text'));
});

test('hold moves the envelope to hold/ and list says held; release brings it back', async () => {
  const h = await mailroom(sb, ['queue', 'hold', a]);
  assert.equal(h.code, 0, h.stderr);
  assert.ok(existsSync(paths.env('hold', a)) && !existsSync(paths.env('incoming', a)));
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.equal(q.find((e: { id: string }) => e.id === a).held, true);
  assert.match((await mailroom(sb, ['queue'])).stdout, new RegExp(`^${a}!`, 'm'), 'held mark in the human list');
  const again = await mailroom(sb, ['queue', 'hold', a]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already held/);

  const r = await mailroom(sb, ['queue', 'release', a]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(paths.env('hold', a)));
  const q2 = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  const e = q2.find((x: { id: string }) => x.id === a);
  assert.equal(e.held, false);
  assert.equal(e.nextAttemptAt, null, 'released mail is due now');
  assert.ok(existsSync(paths.eml(a)));
  const shown = await mailroom(sb, ['queue', 'show', a]);
  assert.match(shown.stdout, /^released: by \S+ at \d{4}-\d\d-\d\dT/m, 'the release is recorded');
});

test('delete removes the message from disk', async () => {
  const r = await mailroom(sb, ['queue', 'delete', b]);
  assert.equal(r.code, 0, r.stderr);
  for (const s of ['incoming', 'deferred', 'hold'] as const) assert.ok(!existsSync(paths.env(s, b)));
  assert.ok(!existsSync(paths.eml(b)));
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.ok(!q.some((e: { id: string }) => e.id === b));
});

test('a malformed id is a usage error (64); an unknown one is EX_NOINPUT (66)', async () => {
  const runs = await Promise.all([
    ...['show', 'hold'].map(async (cmd) => ({ cmd, want: 64, r: await mailroom(sb, ['queue', cmd, '../../etc/passwd']) })),
    ...['show', 'release', 'delete'].map(async (cmd) => ({ cmd, want: 66, r: await mailroom(sb, ['queue', cmd, newQueueId()]) })),
  ]);
  for (const { cmd, want, r } of runs) {
    assert.equal(r.code, want, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, want === 64 ? /is not a queue id/ : /no message/);
  }
  assert.equal((await mailroom(sb, ['queue', 'flush', 'nonsense'])).code, 64);
});

test('flush: 69 with the daemon down, 0 with it up', async () => {
  const down = await mailroom(sb, ['queue', 'flush']);
  assert.equal(down.code, 69, down.stderr);
  assert.match(down.stderr, /not running/);
  const d = await startDaemon(sb);
  try {
    const up = await mailroom(sb, ['queue', 'flush']);
    assert.equal(up.code, 0, up.stderr);
    const one = await mailroom(sb, ['queue', 'flush', a]);
    assert.equal(one.code, 0, one.stderr);
    await d.waitLog(/flush/);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});
