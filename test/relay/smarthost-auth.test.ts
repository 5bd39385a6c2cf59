// Smart host with STARTTLS and AUTH (Debian's aiosmtpd): credentials and TLS
// are used; a wrong password or a host that stops offering STARTTLS defers
// the mail and sends nothing in the clear.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mailroom, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { makeCert, startSmartHost, type SmartHost } from './peers.js';
import { idsIn, queueSize, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(hostArgs: (cert: { cert: string; key: string }) => string[], password: string, extra = ''): Promise<{ sb: Sandbox; host: SmartHost; daemon: DaemonProc }> {
  let cert!: { cert: string; key: string };
  let host!: SmartHost;
  const sb = relaySandbox((dir) => {
    cert = makeCert(dir);
    writeFileSync(join(dir, 'secret'), password + '\n', { mode: 0o600 });
    return '';
  });
  cleanups.push(() => sb.cleanup());
  host = await startSmartHost(sb.dir, 'smarthost', hostArgs(cert));
  cleanups.push(() => host.stop());
  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  retry: [1h]\n  smarthosts:\n    - host: localhost\n      port: ${host.port}\n      tls: starttls\n      ca: ${cert.cert}\n      auth: { user: relay, passwordFile: ${sb.dir}/secret }\n${extra}`,
  );
  const daemon = await startDaemon(sb);
  cleanups.push(async () => void (await daemon.stop()));
  return { sb, host, daemon };
}

test('delivered over STARTTLS with AUTH: the smart host saw TLS and the user', async () => {
  const { sb, host, daemon } = await setup((c) => ['--cert', c.cert, '--key', c.key, '--auth', 'relay:s3cret'], 's3cret');
  const r = await sendmail(sb, ['-i', '-f', 'alice@example.org', '--', 'bob@example.net'], 'Subject: tls+auth\n\nhello\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => host.received().length === 1, 10_000, 'delivery');
  const got = host.received()[0]!;
  assert.equal(got.tls, true);
  assert.equal(got.auth, 'relay');
  assert.equal(got.mail_from, 'alice@example.org');
  assert.deepEqual(got.rcpt_tos, ['bob@example.net']);
  assert.match(got.data, /Subject: tls\+auth\r\n/);
  await waitFor(() => queueSize(sb) === 0, 5000, 'removal');
  // The log arrives through a pipe and may trail the spool by a moment.
  const sent = /: sent to=<bob@example\.net> relay=localhost\[127\.0\.0\.1\]:\d+ tls=yes/;
  await waitFor(() => sent.test(daemon.log()), 5000, 'sent line').catch(() => assert.match(daemon.log(), sent));
  assert.doesNotMatch(daemon.log(), /s3cret/);
});

test('wrong password: deferred with the reason, nothing sent', async () => {
  const { sb, host, daemon } = await setup((c) => ['--cert', c.cert, '--key', c.key, '--auth', 'relay:right'], 'wrong');
  assert.equal((await sendmail(sb, ['-i', 'bob@example.net'], 'Subject: x\n\nbody\n')).code, 0);
  await waitFor(() => idsIn(sb, 'deferred').length === 1, 10_000, 'deferral');
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.equal(q[0].recipients[0].status, 'deferred');
  assert.match(q[0].recipients[0].lastError, /authentication failed/i);
  assert.equal(host.received().length, 0);
  assert.doesNotMatch(daemon.log(), /wrong/);
});

test('smart host without STARTTLS: deferred, never sent in clear', async () => {
  const { sb, host } = await setup(() => ['--auth', 'relay:pw'], 'pw');
  assert.equal((await sendmail(sb, ['-i', 'bob@example.net'], 'Subject: x\n\nbody\n')).code, 0);
  await waitFor(() => idsIn(sb, 'deferred').length === 1, 10_000, 'deferral');
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.match(q[0].recipients[0].lastError, /TLS/);
  assert.equal(host.received().length, 0);
});
