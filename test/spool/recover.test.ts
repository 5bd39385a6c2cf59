// Start-up recovery on a real spool: what a crash leaves behind is cleaned up
// or set aside (corrupt/, logged), never deleted when it might be mail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newEnvelope, serializeEnvelope } from '../../src/spool/envelope.js';
import { newQueueId, type QueueId } from '../../src/spool/queue-id.js';
import { sandbox, startDaemon, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
before(() => {
  sb = sandbox();
});
after(() => sb.cleanup());

function goodEnvelope(id: QueueId, size: number): string {
  return serializeEnvelope(
    newEnvelope(id, { sender: 'a@example.org', recipients: [{ address: 'b@example.net' }], dsn: {}, body: '7BIT', smtputf8: false, createdAt: new Date().toISOString() }, { uid: 0, user: 'root', source: 'sendmail', size }),
  );
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync('/bin/sh', ['-c', 'echo $$']);
  return Number(r.stdout.toString().trim());
}

test('the daemon repairs a crashed spool at start', async () => {
  const first = await startDaemon(sb); // creates the spool
  assert.equal(await first.stop(), 0);
  const s = sb.spool;
  const eml = (id: string) => join(s, 'data', `${id}.eml`);
  const body = 'Subject: t\r\n\r\nx\r\n';

  const good = newQueueId();
  writeFileSync(eml(good), body);
  writeFileSync(join(s, 'incoming', `${good}.env`), goodEnvelope(good, body.length));

  const futureVersion = newQueueId();
  writeFileSync(eml(futureVersion), body);
  writeFileSync(join(s, 'deferred', `${futureVersion}.env`), goodEnvelope(futureVersion, body.length).replace('"version":1', '"version":99'));

  const brokenJson = newQueueId();
  writeFileSync(eml(brokenJson), body);
  writeFileSync(join(s, 'incoming', `${brokenJson}.env`), '{"version":1,"id":"' + brokenJson + '","sender":');

  const noData = newQueueId();
  writeFileSync(join(s, 'hold', `${noData}.env`), goodEnvelope(noData, 10));

  const noEnvelope = newQueueId();
  writeFileSync(eml(noEnvelope), body);

  // A power cut before a syncfs group commit: the envelope reached the disk,
  // its data only in part. Never accepted; set aside with its data.
  const shortData = newQueueId();
  writeFileSync(eml(shortData), '');
  writeFileSync(join(s, 'incoming', `${shortData}.env`), goodEnvelope(shortData, body.length));

  const dead = deadPid();
  const staleTmp = `${dead}.lxyz.0.${newQueueId()}.eml`;
  writeFileSync(join(s, 'tmp', staleTmp), 'half written');
  const liveTmp = `${process.pid}.lxyz.1.${newQueueId()}.env`;
  writeFileSync(join(s, 'tmp', liveTmp), 'still being written by a live process');

  const d = await startDaemon(sb);
  const log = d.log();
  assert.equal(await d.stop(), 0);

  // the good message is untouched
  // (the queue manager may already have moved it on: relay.mode is hold in the sandbox)
  assert.ok(['incoming', 'hold'].some((st) => existsSync(join(s, st, `${good}.env`))));
  assert.ok(existsSync(eml(good)));
  // damaged envelopes: moved to corrupt/ with their data kept, and logged
  for (const [id, state] of [[futureVersion, 'deferred'], [brokenJson, 'incoming'], [noData, 'hold']] as const) {
    assert.ok(existsSync(join(s, 'corrupt', `${id}.env`)), `${id} in corrupt/`);
    assert.ok(!existsSync(join(s, state, `${id}.env`)), `${id} left ${state}/`);
    assert.ok(log.includes(id), `${id} logged:\n${log}`);
  }
  assert.equal(readFileSync(join(s, 'corrupt', `${brokenJson}.env`), 'utf8'), '{"version":1,"id":"' + brokenJson + '","sender":');
  assert.ok(existsSync(eml(futureVersion)), 'data of a corrupt envelope is kept');
  assert.ok(existsSync(eml(brokenJson)), 'data of a corrupt envelope is kept');
  assert.match(log, /unknown envelope version 99/);
  assert.ok(existsSync(join(s, 'corrupt', `${shortData}.env`)), 'short data: envelope in corrupt/');
  assert.ok(existsSync(join(s, 'corrupt', `${shortData}.eml`)), 'short data: data in corrupt/');
  assert.ok(!existsSync(eml(shortData)) && !existsSync(join(s, 'incoming', `${shortData}.env`)));
  assert.match(log, new RegExp(`message data of the wrong size .* id=${shortData} state=incoming size=0 expected=${body.length}`));
  // data that never got an envelope was never accepted: removed
  assert.ok(!existsSync(eml(noEnvelope)));
  // tmp/: the dead writer's file is gone, the live writer's is not
  assert.deepEqual(readdirSync(join(s, 'tmp')), [liveTmp]);
});
