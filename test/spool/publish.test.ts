// publish(): the one way a message enters the queue, tested on a real directory.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { newEnvelope, parseEnvelope } from '../../src/spool/envelope.js';
import { ensureSpool } from '../../src/spool/layout.js';
import { spoolPaths, type SpoolPaths } from '../../src/spool/paths.js';
import { createPublisher } from '../../src/spool/publish.js';
import { createSyncfsPublisher } from '../../src/spool/publish-syncfs.js';
import { loadSpoolNative } from '../../src/spool/syncfs.js';
import { newQueueId, type QueueId } from '../../src/spool/queue-id.js';
import { sandbox, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
let paths: SpoolPaths;
before(async () => {
  sb = sandbox();
  paths = spoolPaths(sb.spool);
  await ensureSpool(paths);
});
after(() => sb.cleanup());

function envelopeFor(id: QueueId, content: Buffer) {
  return newEnvelope(
    id,
    { sender: 'alice@example.org', recipients: [{ address: 'bob@example.net' }], dsn: {}, body: '7BIT', smtputf8: false, createdAt: new Date().toISOString() },
    { uid: 0, user: 'root', source: 'sendmail', size: content.length },
  );
}

test('the spool directories have their modes', () => {
  assert.equal(statSync(paths.root).mode & 0o7777, 0o711);
  assert.equal(statSync(paths.maildrop).mode & 0o7777, 0o1733);
  for (const d of [paths.tmp, paths.data, paths.locks, paths.corrupt, paths.dir('incoming'), paths.dir('deferred'), paths.dir('hold')]) {
    assert.equal(statSync(d).mode & 0o7777, 0o700, d);
  }
});

test('the syncfs addon is built on Linux (npm ci builds native/syncfs)', { skip: process.platform !== 'linux' }, () => {
  assert.equal(typeof loadSpoolNative()?.commit, 'function');
  assert.equal(typeof loadSpoolNative()?.openCommitter, 'function');
  assert.equal(typeof loadSpoolNative()?.syncfs, 'function');
});

for (const commit of ['auto', 'fsync'] as const) {
  test(`${commit}: publish writes data/<id>.eml and incoming/<id>.env, nothing left in tmp/`, async () => {
    const publisher = createPublisher(paths, commit);
    assert.equal(publisher.commit, commit === 'auto' ? 'syncfs' : 'fsync');
    const id = newQueueId();
    const content = Buffer.from('Subject: one\r\n\r\nbody\r\n');
    await publisher.publish(envelopeFor(id, content), content);
    assert.deepEqual(readFileSync(paths.eml(id)), content);
    const env = parseEnvelope(readFileSync(paths.env('incoming', id), 'utf8'), id);
    assert.equal(env.sender, 'alice@example.org');
    assert.equal(env.size, content.length);
    assert.equal(statSync(paths.eml(id)).mode & 0o777, 0o600);
    assert.equal(statSync(paths.env('incoming', id)).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(paths.tmp), []);
  });

  test(`${commit}: many concurrent publishes (group commit) all land`, async () => {
    const publisher = createPublisher(paths, commit);
    const ids = Array.from({ length: 300 }, () => newQueueId());
    await Promise.all(
      ids.map((id, i) => {
        const content = Buffer.from(`Subject: n${i}\r\n\r\n${'x'.repeat(i)}\r\n`);
        return publisher.publish(envelopeFor(id, content), content);
      }),
    );
    await publisher.idle();
    const inQueue = new Set(readdirSync(paths.dir('incoming')));
    const data = new Set(readdirSync(paths.data));
    for (const [i, id] of ids.entries()) {
      assert.ok(inQueue.has(`${id}.env`), id);
      assert.ok(data.has(`${id}.eml`), id);
      assert.equal(readFileSync(paths.eml(id), 'utf8'), `Subject: n${i}\r\n\r\n${'x'.repeat(i)}\r\n`);
    }
    assert.deepEqual(readdirSync(paths.tmp), []);
  });
}

test('syncfs: a message is "committing" until its batch is durable, then handed over', async () => {
  const publisher = createPublisher(paths);
  const id = newQueueId();
  const content = Buffer.from('Subject: c\r\n\r\nbody\r\n');
  const done = publisher.publish(envelopeFor(id, content), content);
  assert.equal(publisher.committing(id), true);
  await done;
  assert.equal(publisher.committing(id), false);
  publisher.close();
});

test('syncfs: close() commits what was published before it; publishing after it starts a new committer', async () => {
  const publisher = createPublisher(paths);
  const ids = Array.from({ length: 40 }, () => newQueueId());
  const published = ids.map((id) => {
    const content = Buffer.from(`Subject: ${id}\r\n\r\nx\r\n`);
    return publisher.publish(envelopeFor(id, content), content);
  });
  publisher.close(); // waits for the committer's threads, which finish the queue first
  const results = await Promise.allSettled(published);
  assert.deepEqual(results.map((r) => r.status), ids.map(() => 'fulfilled'));
  for (const id of ids) assert.ok(existsSync(paths.env('incoming', id)) && existsSync(paths.eml(id)), id);
  const later = newQueueId();
  const content = Buffer.from('Subject: later\r\n\r\nx\r\n');
  await publisher.publish(envelopeFor(later, content), content);
  assert.ok(existsSync(paths.env('incoming', later)));
  publisher.close();
});

test('syncfs: a failed syncfs refuses the whole batch and takes it back out of the queue', async () => {
  const native = loadSpoolNative()!;
  // The real writes, then a syncfs that fails (EBADF: a descriptor that is not
  // open), taking the addon's path for a dying disk's EIO.
  const publisher = createSyncfsPublisher(paths, { openCommitter: () => native.openCommitter(1_000_000) });
  const ids = [newQueueId(), newQueueId()];
  const results = await Promise.allSettled(
    ids.map((id) => {
      const content = Buffer.from(`Subject: ${id}\r\n\r\nx\r\n`);
      return publisher.publish(envelopeFor(id, content), content);
    }),
  );
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.match(String((r as PromiseRejectedResult).reason.message), /committing to the spool.*syncfs: Bad file descriptor/);
  }
  for (const id of ids) {
    assert.ok(!existsSync(paths.env('incoming', id)), 'no envelope left');
    assert.ok(!existsSync(paths.eml(id)), 'no data left');
    assert.equal(publisher.committing(id), false);
  }
  assert.deepEqual(readdirSync(paths.tmp), []);
  publisher.close();
});

test('syncfs: a message that cannot be written is refused alone; the rest of its batch lands', async () => {
  const publisher = createPublisher(paths);
  const [taken, fine] = [newQueueId(), newQueueId()];
  writeFileSync(paths.eml(taken), 'already here');
  const results = await Promise.allSettled(
    [taken, fine].map((id) => {
      const content = Buffer.from(`Subject: ${id}\r\n\r\nx\r\n`);
      return publisher.publish(envelopeFor(id, content), content);
    }),
  );
  assert.equal(results[0]!.status, 'rejected');
  assert.match(String((results[0] as PromiseRejectedResult).reason.message), /writing the message to the spool.*EEXIST/);
  assert.equal(readFileSync(paths.eml(taken), 'utf8'), 'already here', 'what was there is left alone');
  assert.ok(!existsSync(paths.env('incoming', taken)));
  assert.equal(results[1]!.status, 'fulfilled');
  assert.ok(existsSync(paths.env('incoming', fine)) && existsSync(paths.eml(fine)));
  assert.deepEqual(readdirSync(paths.tmp), []);
  publisher.close();
});
