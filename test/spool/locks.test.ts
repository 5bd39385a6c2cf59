// Message locks (locks/<id>.lock): a stale lock left by a killed process does
// not block the administrator; a live one makes `mailroom queue hold` wait and
// then give up with EX_TEMPFAIL (75).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, utimesSync } from 'node:fs';
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
  // a process takes the lock with the real claim code and is killed while holding it
  const holder = spawn(process.execPath, [
    '--input-type=module',
    '-e',
    `const { tryClaim } = await import(${JSON.stringify(new URL('../../src/spool/claim.js', import.meta.url).href)});
     const { spoolPaths } = await import(${JSON.stringify(new URL('../../src/spool/paths.js', import.meta.url).href)});
     if (!(await tryClaim(spoolPaths(${JSON.stringify(sb.spool)}), ${JSON.stringify(id)}))) process.exit(1);
     process.stdout.write('locked\\n');
     setInterval(() => {}, 1000);`,
  ]);
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  assert.ok(existsSync(paths.lock(id)), 'the killed holder left its lock');
  // ... and time passes: the lock is no longer refreshed and is older than the stale time
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
