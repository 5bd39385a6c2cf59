// Smart host selection: routes by sender, fallback from a refusing host to the
// next, a host that is down then up, a host that never answers, capture mode.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { mailroom, sendmail, startDaemon, waitFor, type Sandbox, freePort } from '../helpers/env.js';
import { startSilent, startSmartHost } from './peers.js';
import { idsIn, queueSize, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function sandboxWith(relayYaml: string): Sandbox {
  const sb = relaySandbox(() => '');
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n${relayYaml}`);
  cleanups.push(() => sb.cleanup());
  return sb;
}

async function daemonFor(sb: Sandbox) {
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  return d;
}

const hostYaml = (port: number, indent = '    ') => `${indent}- { host: 127.0.0.1, port: ${port}, tls: none }\n`;


test('routes choose smart hosts by envelope sender', async () => {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  const shop = await startSmartHost(sb.dir, 'shop');
  const main = await startSmartHost(sb.dir, 'main');
  cleanups.push(() => shop.stop(), () => main.stop());
  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  smarthosts:\n${hostYaml(main.port)}  routes:\n    - sender: "*@shop.example.com"\n      smarthosts:\n${hostYaml(shop.port, '        ')}`,
  );
  await daemonFor(sb);
  assert.equal((await sendmail(sb, ['-i', '-f', 'orders@shop.example.com', 'a@example.net'], 'Subject: order\n\n1\n')).code, 0);
  assert.equal((await sendmail(sb, ['-i', '-f', 'ops@example.com', 'b@example.net'], 'Subject: ops\n\n2\n')).code, 0);
  await waitFor(() => shop.received().length === 1 && main.received().length === 1, 10_000, 'both delivered');
  assert.equal(shop.received()[0]!.mail_from, 'orders@shop.example.com');
  assert.equal(main.received()[0]!.mail_from, 'ops@example.com');
});

test('first smart host refuses (4xx), the second accepts', async () => {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  const bad = await startSmartHost(sb.dir, 'bad', ['--fail-rcpt', '451']);
  const good = await startSmartHost(sb.dir, 'good');
  cleanups.push(() => bad.stop(), () => good.stop());
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  smarthosts:\n${hostYaml(bad.port)}${hostYaml(good.port)}`);
  const d = await daemonFor(sb);
  assert.equal((await sendmail(sb, ['-i', 'x@example.net'], 'Subject: s\n\nb\n')).code, 0);
  await waitFor(() => good.received().length === 1, 10_000, 'delivery via second host');
  assert.equal(bad.received().length, 0);
  await waitFor(() => queueSize(sb) === 0, 5000, 'removal');
  // The log arrives through a pipe and may trail the spool by a moment.
  const sent = new RegExp(`sent to=<x@example\\.net> relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${good.port}`);
  await waitFor(() => sent.test(d.log()), 5000, 'sent line').catch(() => assert.match(d.log(), sent));
});

test('smart host down, then up: delivered exactly once after a flush', async () => {
  const port = await freePort();
  const sb = sandboxWith(`  mode: smarthost\n  retry: [1h]\n  smarthosts:\n${hostYaml(port)}`);
  await daemonFor(sb);
  assert.equal((await sendmail(sb, ['-i', 'y@example.net'], 'Subject: later\n\nb\n')).code, 0);
  await waitFor(() => idsIn(sb, 'deferred').length === 1, 10_000, 'deferral');
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.match(q[0].recipients[0].lastError, /ECONNREFUSED|connect/i);
  const host = await startSmartHost(sb.dir, 'late', ['--port', String(port)]);
  cleanups.push(() => host.stop());
  assert.equal((await mailroom(sb, ['queue', 'flush'])).code, 0);
  await waitFor(() => host.received().length === 1 && queueSize(sb) === 0, 10_000, 'delivery after flush');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(host.received().length, 1);
});

test('a smart host that never answers: deferred after the greeting timeout', async () => {
  const silent = await startSilent();
  cleanups.push(() => silent.stop());
  const sb = sandboxWith(`  mode: smarthost\n  retry: [1h]\n  timeouts: { connect: 2s, greeting: 1s, command: 1s, data: 2s }\n  smarthosts:\n${hostYaml(silent.port)}`);
  await daemonFor(sb);
  const t0 = Date.now();
  assert.equal((await sendmail(sb, ['-i', 'z@example.net'], 'Subject: hang\n\nb\n')).code, 0);
  await waitFor(() => idsIn(sb, 'deferred').length === 1, 15_000, 'deferral after timeout');
  assert.ok(Date.now() - t0 < 10_000);
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.match(q[0].recipients[0].lastError, /greeting|timeout|timed out/i);
});

test('relay.mode hold keeps mail as held; release sends it', async () => {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  const host = await startSmartHost(sb.dir, 'capture');
  cleanups.push(() => host.stop());
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: hold\n  smarthosts:\n${hostYaml(host.port)}`);
  let d = await startDaemon(sb);
  cleanups.push(() => d.stop()); // whichever daemon runs when the test ends (stop is idempotent)
  assert.equal((await sendmail(sb, ['-i', 'h@example.net'], 'Subject: staging\n\nb\n')).code, 0);
  await waitFor(() => idsIn(sb, 'hold').length === 1, 10_000, 'held');
  await d.waitLog(/: held /);
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.equal(q[0].held, true);
  // Held from the start (written into hold/, never handed to the runner), logged after "queued".
  const log = d.log();
  assert.ok(log.indexOf(`${q[0].id}: queued`) >= 0 && log.indexOf(`${q[0].id}: queued`) < log.indexOf(`${q[0].id}: held reason="relay.mode is hold"`), log);
  assert.equal(host.received().length, 0);
  // The operator switches to smarthost mode and releases the message.
  await d.stop();
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  smarthosts:\n${hostYaml(host.port)}`);
  d = await startDaemon(sb);
  assert.equal(host.received().length, 0, 'held mail stays held across a restart');
  const rel = await mailroom(sb, ['queue', 'release', q[0].id]);
  assert.equal(rel.code, 0, rel.stderr);
  await waitFor(() => host.received().length === 1 && queueSize(sb) === 0, 10_000, 'delivery after release');
});
