// publish(): the one way a message enters the queue, tested on a real directory.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { newEnvelope, parseEnvelope } from '../../src/spool/envelope.js';
import { ensureSpool } from '../../src/spool/layout.js';
import { spoolPaths, type SpoolPaths } from '../../src/spool/paths.js';
import { createPublisher } from '../../src/spool/publish.js';
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

test('publish writes data/<id>.eml and incoming/<id>.env, nothing left in tmp/', async () => {
  const publisher = createPublisher(paths);
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

test('many concurrent publishes (group commit) all land', async () => {
  const publisher = createPublisher(paths);
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
