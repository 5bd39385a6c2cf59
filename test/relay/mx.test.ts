// MX delivery against a real DNS server (Debian's dnsmasq on a high port) and
// mail exchangers on 127.0.0.2, .3, .4: preference order and fallback, equal
// preferences shared, the A-record fallback, null MX (RFC 7505) and a domain
// that does not exist.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { startDns, startSmartHost, type SmartHost } from './peers.js';
import { queueSize, relaySandbox } from './sandbox.js';

let sb: Sandbox;
let dns: Awaited<ReturnType<typeof startDns>>;
let mx1: SmartHost;
let mx2: SmartHost;
let mxA: SmartHost;
let mxEq1: SmartHost;
let mxEq2: SmartHost;
let daemon: DaemonProc;

before(async () => {
  sb = relaySandbox(() => '');
  mx1 = await startSmartHost(sb.dir, 'mx1', [], '127.0.0.2');
  const port = String(mx1.port);
  mx2 = await startSmartHost(sb.dir, 'mx2', ['--port', port], '127.0.0.3');
  mxA = await startSmartHost(sb.dir, 'mxA', ['--port', port], '127.0.0.4');
  mxEq1 = await startSmartHost(sb.dir, 'eq1', ['--port', port], '127.0.0.5');
  mxEq2 = await startSmartHost(sb.dir, 'eq2', ['--port', port], '127.0.0.6');
  dns = await startDns([
    '--local=/example/example.net/example.org/',
    '--mx-host=example.net,mx1.example.net,10',
    '--mx-host=example.net,mx2.example.net,20',
    '--host-record=mx1.example.net,127.0.0.2',
    '--host-record=mx2.example.net,127.0.0.3',
    '--host-record=amx.example,127.0.0.4',
    '--mx-host=nomail.example,.,0',
    '--mx-host=shared.example.org,eq1.example.org,10',
    '--mx-host=shared.example.org,eq2.example.org,10',
    '--host-record=eq1.example.org,127.0.0.5',
    '--host-record=eq2.example.org,127.0.0.6',
  ]);
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: mx\n  retry: [1h]\n  mx: { port: ${port}, dns: ["${dns.server}"], tls: opportunistic }\n`);
  daemon = await startDaemon(sb);
});

after(async () => {
  await daemon?.stop();
  for (const h of [mx1, mx2, mxA, mxEq1, mxEq2]) await h?.stop();
  await dns?.stop();
  sb?.cleanup();
});

test('the most preferred MX gets the mail', async () => {
  assert.equal((await sendmail(sb, ['-i', '-f', 'ops@test.example', 'a@example.net'], 'Subject: pref\n\nb\n')).code, 0);
  await waitFor(() => mx1.received().length === 1 && /sent to=<a@example\.net> relay=mx1\.example\.net\[127\.0\.0\.2\]/.test(daemon.log()), 10_000, 'delivery to mx1');
  assert.equal(mx2.received().length, 0);
});

test('when the preferred MX is down, the next one gets it', async () => {
  await mx1.stop();
  assert.equal((await sendmail(sb, ['-i', '-f', 'ops@test.example', 'b@example.net'], 'Subject: fallback\n\nb\n')).code, 0);
  await waitFor(() => mx2.received().length === 1, 10_000, 'delivery to mx2');
  assert.deepEqual(mx2.received()[0]!.rcpt_tos, ['b@example.net']);
});

test('no MX record: the domain’s A record is used', async () => {
  assert.equal((await sendmail(sb, ['-i', '-f', 'ops@test.example', 'c@amx.example'], 'Subject: a\n\nb\n')).code, 0);
  await waitFor(() => mxA.received().length === 1, 10_000, 'delivery to the A host');
});

test('equal preferences are shared', async () => {
  for (let i = 0; i < 16; i++) assert.equal((await sendmail(sb, ['-i', '-f', 'ops@test.example', `s${i}@shared.example.org`], `Subject: eq ${i}\n\nb\n`)).code, 0);
  await waitFor(() => mxEq1.received().length + mxEq2.received().length === 16, 15_000, 'all 16 delivered');
  assert.ok(mxEq1.received().length > 0 && mxEq2.received().length > 0, `both got mail: ${mxEq1.received().length}/${mxEq2.received().length}`);
});

test('null MX fails at once; a domain that does not exist fails too', async () => {
  assert.equal((await sendmail(sb, ['-i', '-f', 'ops@test.example', 'x@nomail.example'], 'Subject: null\n\nb\n')).code, 0);
  assert.equal((await sendmail(sb, ['-i', '-f', 'ops@test.example', 'y@nonexistent.example'], 'Subject: nx\n\nb\n')).code, 0);
  await waitFor(() => /failed to=<x@nomail\.example>.*556 5\.1\.10/.test(daemon.log()) && /failed to=<y@nonexistent\.example>.*550 5\.1\.2/.test(daemon.log()), 10_000, 'both failed');
  assert.doesNotMatch(daemon.log(), /deferred to=<x@nomail/);
  await waitFor(() => (daemon.log().match(/: bounced to=<ops@test\.example>/g) ?? []).length === 2, 10_000, 'two bounces');
  void queueSize;
});
