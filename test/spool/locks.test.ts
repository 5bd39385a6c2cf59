// Message locks (locks/<id>.lock): a stale lock left by a killed process does
// not block the administrator; a live one makes `mailroom queue hold` wait and
// then give up with EX_TEMPFAIL (75).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { tryClaim } from '../../src/spool/claim.js';
import { newEnvelope } from '../../src/spool/envelope.js';
import { ensureSpool } from '../../src/spool/layout.js';
import { spoolPaths, type SpoolPaths } from '../../src/spool/paths.js';
import { createPublisher } from '../../src/spool/publish.js';
import { newQueueId, type QueueId } from '../../src/spool/queue-id.js';
import { mailroom, sandbox, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
let paths: SpoolPaths;
before(async () => {
  sb = sandbox();
  paths = spoolPaths(sb.spool);
  await ensureSpool(paths);
});
after(() => sb.cleanup());

async function queueOne(): Promise<QueueId> {
  const id = newQueueId();
  const content = Buffer.from('Subject: lock\r\n\r\nx\r\n');
  const env = newEnvelope(id, { sender: 'a@example.org', recipients: [{ address: 'b@example.net' }], dsn: {}, body: '7BIT', smtputf8: false, createdAt: new Date().toISOString() }, { uid: 0, user: 'root', source: 'sendmail', size: content.length });
  await createPublisher(paths).publish(env, content);
  return id;
}

test('a stale lock left by a killed process does not block hold', async () => {
  const id = await queueOne();
  // what proper-lockfile leaves when its holder is SIGKILLed: the lock directory, no longer refreshed
  mkdirSync(paths.lock(id));
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(paths.lock(id), old, old);
  const r = await mailroom(sb, ['queue', 'hold', id]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(paths.env('hold', id)));
  assert.ok(!existsSync(paths.lock(id)), 'the lock is released afterwards');
});

test('a busy lock makes hold wait, then fail with 75, and changes nothing', async () => {
  const id = await queueOne();
  const release = await tryClaim(paths, id);
  assert.ok(release);
  try {
    const t0 = Date.now();
    const r = await mailroom(sb, ['queue', 'hold', id]);
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, /busy/);
    assert.ok(Date.now() - t0 >= 1000, 'it waited for the holder');
    assert.ok(existsSync(paths.env('incoming', id)));
    assert.ok(!existsSync(paths.env('hold', id)));
  } finally {
    await release!();
  }
});

test('hold succeeds when the holder lets go while it waits', async () => {
  const id = await queueOne();
  const release = await tryClaim(paths, id);
  assert.ok(release);
  const pending = mailroom(sb, ['queue', 'hold', id]);
  await new Promise((r) => setTimeout(r, 700));
  await release!();
  const r = await pending;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(paths.env('hold', id)));
});
