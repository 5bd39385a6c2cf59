// An administrator's command and the queue runner on the same message: the
// runner takes no lock per message, so `mailroom queue hold` takes the
// message's lock, asks the daemon to let the delivery in progress end, and
// only then moves the message. The runner's result is not lost.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { controlSocketPath, sendControl } from '../../src/shared/control.js';
import { mailroom, queuedIds, readQueued, sandbox, sendmail, startDaemon, waitFor } from '../helpers/env.js';
import { startSilent } from './peers.js';
import { idsIn, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('hold during a delivery waits for it to end, then holds with its result kept', async () => {
  const silent = await startSilent();
  cleanups.push(() => silent.stop());
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  retry: [1h]\n  timeouts: { connect: 2s, greeting: 3s, command: 2s, data: 2s }\n  smarthosts:\n    - { host: 127.0.0.1, port: ${silent.port}, tls: none }\n`,
  );
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  assert.equal((await sendmail(sb, ['-i', 'slow@example.net'], 'Subject: slow\n\nb\n')).code, 0);
  await waitFor(() => queuedIds(sb).length === 1, 10_000, 'queued');
  const [id] = queuedIds(sb);
  await waitFor(() => silent.connections() > 0, 10_000, 'the runner connected');
  assert.deepEqual(idsIn(sb, 'deferred'), [], 'still being delivered');

  const t0 = Date.now();
  const r = await mailroom(sb, ['queue', 'hold', id!]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 >= 500, 'hold waited for the delivery in progress');
  const q = readQueued(sb, id!);
  assert.equal(q?.state, 'hold');
  assert.equal(q.env.recipients[0].attempts, 1, 'the runner recorded its attempt before the hold');
  assert.match(q.env.recipients[0].lastError, /greeting|timeout|timed out/i);
  assert.ok(existsSync(join(sb.spool, 'data', `${id}.eml`)));
  await d.waitLog(new RegExp(`${id}: deferred [\\s\\S]*`));
});

test('settle is refused to whoever does not hold the message lock', async () => {
  const sb = sandbox(); // relay.mode hold: the message stays queued
  cleanups.push(() => sb.cleanup());
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  assert.equal((await sendmail(sb, ['-i', 'x@example.net'], 'Subject: x\n\nb\n')).code, 0);
  await waitFor(() => queuedIds(sb).length === 1, 10_000, 'queued');
  const answer = await sendControl(controlSocketPath(sb.socket), `settle ${queuedIds(sb)[0]}`, true);
  assert.match(answer ?? '', /^error .*lock/);
});
