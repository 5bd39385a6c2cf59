// SIGKILL during delivery: 500 queued messages are being delivered when the
// daemon is killed; after a restart every message reaches the smart host, and
// duplicates are at most the number of deliveries in flight (relay.concurrency).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { mailroom, smtpDialog, startDaemon, waitFor } from '../helpers/env.js';
import { startSmartHost } from './peers.js';
import { queueSize, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const N = 500;
const CONCURRENCY = 8;

test('SIGKILL during delivery of 500 messages: all delivered after restart, duplicates bounded', { timeout: 180_000 }, async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  retry: [1h]\n  concurrency: ${CONCURRENCY}\n  smarthosts:\n    - { host: 127.0.0.1, port: ${port}, tls: none }\n`);
  let d = await startDaemon(sb);
  // Fill the queue while the smart host is down (each message is deferred once).
  const cmds: string[] = ['EHLO test\r\n'];
  for (let i = 0; i < N; i++) cmds.push('MAIL FROM:<load@example.org>\r\n', `RCPT TO:<r${i}@example.net>\r\n`, 'DATA\r\n', `Subject: crash ${i}\r\nX-Seq: ${i}\r\n\r\nbody ${i}\r\n.\r\n`);
  cmds.push('QUIT\r\n');
  const replies = await smtpDialog(sb.socket, cmds);
  assert.equal(replies.filter((r) => r.startsWith('250 2.0.0 Ok: queued')).length, N);
  await waitFor(() => queueSize(sb) === N, 30_000, 'all queued');
  await waitFor(() => (d.log().match(/: deferred nrcpt=/g) ?? []).length === N, 60_000, 'all deferred once');

  const host = await startSmartHost(sb.dir, 'sink', ['--port', String(port)]);
  cleanups.push(() => host.stop());
  assert.equal((await mailroom(sb, ['queue', 'flush'])).code, 0);
  await waitFor(() => host.received().length >= 100, 60_000, '100 delivered');
  await d.kill();
  const atKill = host.received().length;
  assert.ok(atKill < N, 'the kill came during delivery');

  d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  assert.equal((await mailroom(sb, ['queue', 'flush'])).code, 0);
  await waitFor(() => queueSize(sb) === 0, 90_000, 'queue drained after restart').catch(async (e) => {
    throw new Error(`${e.message}: ${queueSize(sb)} left\n${d.log().split('\n').slice(-30).join('\n')}\n${(await mailroom(sb, ['queue', 'list'])).stdout.slice(0, 3000)}`);
  });

  const seqs = host.received().map((m) => Number(/X-Seq: (\d+)/.exec(m.data)![1]));
  const seen = new Set(seqs);
  for (let i = 0; i < N; i++) assert.ok(seen.has(i), `message ${i} was delivered`);
  const duplicates = seqs.length - seen.size;
  assert.ok(duplicates <= CONCURRENCY, `duplicates (${duplicates}) at most the deliveries in flight (${CONCURRENCY})`);
});
