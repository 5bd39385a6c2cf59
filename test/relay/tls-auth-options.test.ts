// Smart host TLS and AUTH options against Debian's aiosmtpd: AUTH LOGIN and
// CRAM-MD5 chosen by auth.mechanisms; implicit TLS (port 465 style) with
// certificate verification on by default (a self-signed certificate without
// `ca` defers the mail, nothing sent), `tlsVerify: false`, and a client
// certificate the server verifies. One daemon; relay.routes picks the smart
// host configuration by sender, so each case has its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mailroom, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { makeCert, startSmartHost, type SmartHost } from './peers.js';
import { relaySandbox } from './sandbox.js';

let sb: Sandbox;
let authHost: SmartHost;
let tlsHost: SmartHost;
let d: DaemonProc;
const cleanups: (() => Promise<unknown> | void)[] = [];

before(async () => {
  let server!: { cert: string; key: string };
  sb = relaySandbox((dir) => {
    server = makeCert(dir);
    writeFileSync(join(dir, 'secret'), 'pw-9f2\n', { mode: 0o600 });
    return '';
  });
  cleanups.push(() => sb.cleanup());
  // A client certificate of its own (CN=mailroom-client), trusted by the server.
  const cdir = join(sb.dir, 'client');
  mkdirSync(cdir);
  const client = { cert: join(cdir, 'cert.pem'), key: join(cdir, 'key.pem') };
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=mailroom-client', '-keyout', client.key, '-out', client.cert], { stdio: 'ignore' });

  authHost = await startSmartHost(sb.dir, 'auth', ['--cert', server.cert, '--key', server.key, '--auth', 'relay:pw-9f2']);
  tlsHost = await startSmartHost(sb.dir, 'implicit', ['--cert', server.cert, '--key', server.key, '--implicit', '--client-ca', client.cert]);
  cleanups.push(() => authHost.stop(), () => tlsHost.stop());
  const auth = (mech: string) => `    - sender: "*@${mech.toLowerCase()}.example"\n      smarthosts:\n        - { host: localhost, port: ${authHost.port}, tls: starttls, ca: ${server.cert}, auth: { user: relay, passwordFile: ${sb.dir}/secret, mechanisms: [${mech}] } }\n`;
  const implicit = (domain: string, extra: string) => `    - sender: "*@${domain}"\n      smarthosts:\n        - { host: localhost, port: ${tlsHost.port}, tls: implicit${extra} }\n`;
  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  retry: [1h]\n  smarthosts:\n    - { host: 127.0.0.1, port: 9, tls: none }\n  routes:\n` +
      auth('LOGIN') +
      auth('CRAM-MD5') +
      implicit('verify.example', '') +
      implicit('noverify.example', ', tlsVerify: false') +
      implicit('clientcert.example', `, ca: ${server.cert}, clientCert: { cert: ${client.cert}, key: ${client.key} }`),
  );
  d = await startDaemon(sb);
  cleanups.push(() => d.stop());
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function send(from: string, to: string, subject: string): Promise<string> {
  const r = await sendmail(sb, ['-i', '-f', from, '--', to], `Subject: ${subject}\n\nbody of ${subject}\n`);
  assert.equal(r.code, 0, r.stderr);
  let id = '';
  await waitFor(() => {
    const m = new RegExp(`(\\S+): queued from=<${from.replace(/[.]/g, '\\.')}>`).exec(d.log());
    return !!m && !!(id = m[1]!);
  }, 10_000, `queued line for ${from}`);
  return id;
}

/** Waits for a daemon log line; on timeout the error carries the log's tail. */
async function waitLog(re: RegExp, what: string, ms = 10_000): Promise<void> {
  await waitFor(() => re.test(d.log()), ms, what).catch((e: Error) => {
    throw new Error(`${e.message}\n${d.log().split('\n').slice(-15).join('\n')}`);
  });
}

const bySender = (h: SmartHost, from: string) => h.received().filter((m) => m.mail_from === from);

for (const mech of ['LOGIN', 'CRAM-MD5']) {
  test(`auth.mechanisms [${mech}]: the smart host saw ${mech} and the user`, async () => {
    const from = `app@${mech.toLowerCase()}.example`;
    const id = await send(from, 'bob@example.net', mech);
    await waitFor(() => bySender(authHost, from).length === 1, 10_000, `delivery with ${mech}`);
    const got = bySender(authHost, from)[0]!;
    assert.equal(got.mechanism, mech);
    assert.equal(got.auth, 'relay');
    assert.equal(got.tls, true);
    await waitFor(() => d.log().includes(`${id}: removed`), 5000, 'removal');
    await d.waitLog(new RegExp(`${id}: sent to=<bob@example\\.net> relay=localhost\\[127\\.0\\.0\\.1\\]:${authHost.port} tls=yes .*reply="250 2\\.0\\.0 OK: stored"`));
    assert.doesNotMatch(d.log(), /pw-9f2/);
  });
}

test('implicit TLS, tlsVerify false: delivered over TLS; then a host needing verification is not served by that session', async () => {
  const id = await send('a@noverify.example', 'carol@example.net', 'noverify');
  await waitFor(() => bySender(tlsHost, 'a@noverify.example').length === 1, 10_000, 'delivery without verification');
  const got = bySender(tlsHost, 'a@noverify.example')[0]!;
  assert.equal(got.tls, true);
  assert.equal(got.client_cert, null, 'no client certificate configured, none sent');
  await waitFor(() => d.log().includes(`${id}: removed`), 5000, 'removal');
  await d.waitLog(new RegExp(`${id}: sent to=<carol@example\\.net> relay=localhost\\[127\\.0\\.0\\.1\\]:${tlsHost.port} tls=yes`));

  // Same host and port, verification on, no `ca`: the self-signed certificate
  // must be refused even while the unverified session above is still cached.
  const vid = await send('b@verify.example', 'dan@example.net', 'verify');
  await waitLog(new RegExp(`${vid}: deferred nrcpt=1 attempt=1 next=\\+60m`), 'deferral');
  await d.waitLog(new RegExp(`${vid}: deferred to=<dan@example\\.net> .*reply="[^"]*(self[- ]signed|certificate)`, 'i'));
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  const m = q.find((x: { id: string }) => x.id === vid);
  assert.equal(m.recipients[0].status, 'deferred');
  assert.match(m.recipients[0].lastError, /self[- ]signed|certificate/i);
  assert.equal(bySender(tlsHost, 'b@verify.example').length, 0, 'nothing sent over an unverified connection');
});

test('implicit TLS with ca and a client certificate: the server verified the client certificate', async () => {
  const id = await send('c@clientcert.example', 'erin@example.net', 'clientcert');
  await waitFor(() => bySender(tlsHost, 'c@clientcert.example').length === 1, 10_000, 'delivery with a client certificate');
  const got = bySender(tlsHost, 'c@clientcert.example')[0]!;
  assert.equal(got.tls, true);
  assert.equal(got.client_cert, 'mailroom-client');
  await waitFor(() => d.log().includes(`${id}: removed`), 5000, 'removal');
});
