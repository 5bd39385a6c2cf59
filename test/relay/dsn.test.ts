// Per-recipient results and bounces: one recipient refused (5xx) and one
// delivered gives an RFC 3464 DSN to the sender; a 4xx recipient is retried
// without re-sending to the one already delivered; mail that stays too long
// expires and bounces; a flood of failures from a sender whose own domain
// also refuses gives a bounded number of bounces and no loop. A bounce for a
// long non-ASCII sender name keeps every header line folded and readable.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { simpleParser, type AddressObject } from 'mailparser';
import { mailroom, sendmail, splitMessage, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { assertFoldedHeader, pythonHeaders } from '../helpers/mime-check.js';
import { startSmartHost, type SmartHost } from './peers.js';
import { idsIn, queueSize, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function world(hostArgs: string[], relayExtra = '', port?: number): Promise<{ sb: Sandbox; host: SmartHost; d: DaemonProc }> {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  const host = await startSmartHost(sb.dir, 'host', [...hostArgs, ...(port ? ['--port', String(port)] : [])]);
  cleanups.push(() => host.stop());
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  smarthosts:\n    - { host: 127.0.0.1, port: ${host.port}, tls: none }\n${relayExtra}`);
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  return { sb, host, d };
}

/** The parts of a multipart/report DSN, crudely split by its boundary. */
function dsnParts(raw: string): { head: string; parts: string[] } {
  const b = /boundary="([^"]+)"/.exec(raw)![1]!;
  const [head, ...rest] = raw.split(`--${b}`);
  return { head: head!, parts: rest.slice(0, -1) };
}

test('one recipient refused, the other delivered: a DSN reaches the sender', async () => {
  const { sb, host } = await world(['--reject', 'nobody@example.net=550']);
  const r = await sendmail(sb, ['-i', '-f', 'alice@example.org', 'bob@example.net', 'nobody@example.net'], 'Subject: half\nMessage-ID: <half@example.org>\n\nbody\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => host.received().length === 2 && queueSize(sb) === 0, 10_000, 'delivery and bounce');
  const [orig, dsn] = host.received();
  assert.deepEqual(orig!.rcpt_tos, ['bob@example.net']);
  assert.equal(dsn!.mail_from, '<>', 'bounces use the null sender');
  assert.deepEqual(dsn!.rcpt_tos, ['alice@example.org']);
  const { head, parts } = dsnParts(dsn!.data);
  assert.match(head, /Content-Type: multipart\/report; report-type=delivery-status;/);
  assert.match(head, /From: Mail Delivery System <MAILER-DAEMON@test\.example>/);
  assert.match(head, /Auto-Submitted: auto-replied/);
  assert.equal(parts.length, 3);
  assert.match(parts[1]!, /Content-Type: message\/delivery-status/);
  assert.match(parts[1]!, /Reporting-MTA: dns; test\.example/);
  assert.match(parts[1]!, /Final-Recipient: rfc822; nobody@example\.net/);
  assert.match(parts[1]!, /Action: failed/);
  assert.match(parts[1]!, /Status: 5\.1\.1/);
  assert.match(parts[1]!, /Diagnostic-Code: smtp; 550 5\.1\.1 <nobody@example\.net> refused/);
  assert.doesNotMatch(parts[1]!, /bob@example\.net/);
  assert.match(parts[2]!, /Content-Type: text\/rfc822-headers/);
  assert.match(parts[2]!, /Message-ID: <half@example\.org>/);
  assert.doesNotMatch(parts[2]!, /\r\nbody\r\n/, 'headers only without -R full');
});

test('a bounce for a long non-ASCII name and subject: every header line folded, names read back unchanged', async () => {
  const rcpt = 'undeliverable-recipient-with-a-rather-long-local-part@example.net';
  const { sb, host } = await world(['--reject', `${rcpt}=550`]);
  const name = 'Zoë Größenwahn-Überbürokratisierungsbeauftragte der Städtischen Müllabfuhr Köln-Ehrenfeld';
  const subject = 'Bescheid über die Überprüfung der Müllgebührenbescheide für das Kalenderjahr 2026 (Straßenreinigung)';
  const input = `Subject: =?UTF-8?Q?Bescheid_=C3=BCber_die_=C3=9Cberpr=C3=BCfung_der?=\n =?UTF-8?Q?_M=C3=BCllgeb=C3=BChrenbescheide_f=C3=BCr_das_Kalenderjahr_2026?=\n =?UTF-8?Q?_=28Stra=C3=9Fenreinigung=29?=\n\nbody\n`;
  assert.equal((await sendmail(sb, ['-i', '-f', 'alice@example.org', '-F', name, rcpt], input)).code, 0);
  await waitFor(() => host.received().length === 1 && queueSize(sb) === 0, 10_000, 'bounce');
  const dsn = host.received()[0]!;
  assert.deepEqual(dsn.rcpt_tos, ['alice@example.org']);
  const { head, parts } = dsnParts(dsn.data);
  assertFoldedHeader(head.replace(/\r\n\r\n[^]*$/, ''));
  const py = await pythonHeaders(dsn.raw);
  assert.deepEqual(py.names.From, ['Mail Delivery System']);
  assert.equal((await simpleParser(dsn.raw)).subject, 'Undelivered Mail Returned to Sender');

  // The delivery report's fields use header syntax and fold the same way.
  const status = parts[1]!.split('\r\n\r\n').slice(1).join('\r\n\r\n').trim();
  assertFoldedHeader(status);
  assert.ok(status.split('\r\n').some((l) => /^[ \t]/.test(l)), 'the long Diagnostic-Code is folded');
  assert.match(status.replace(/\r\n[ \t]+/g, ' '), new RegExp(`Diagnostic-Code: smtp; 550 5\\.1\\.1 <${rcpt}> refused by test smart host`));

  // The returned headers: mailroom's From (from -F) and Received, the sender's Subject.
  const returned = Buffer.from(parts[2]!.split('\r\n\r\n')[1]! + '\r\n\r\n', 'utf8');
  const rh = splitMessage(returned).head;
  assertFoldedHeader(rh);
  const orig = await pythonHeaders(returned);
  assert.equal(orig.decoded.From, `${name} <alice@example.org>`);
  assert.equal(orig.decoded.Subject, subject);
  const parsed = await simpleParser(returned);
  assert.equal((parsed.from as AddressObject).value[0]!.name, name);
  assert.equal(parsed.subject, subject);
});

test('-R full and -V: the DSN carries the whole message and the envelope id', async () => {
  const { sb, host } = await world(['--reject', 'gone@example.net=550']);
  assert.equal((await sendmail(sb, ['-i', '-R', 'full', '-V', 'env-42', '-f', 'alice@example.org', 'gone@example.net'], 'Subject: full\n\nthe whole body\n')).code, 0);
  await waitFor(() => host.received().length === 1 && queueSize(sb) === 0, 10_000, 'bounce');
  const { parts } = dsnParts(host.received()[0]!.data);
  assert.match(parts[1]!, /Original-Envelope-Id: env-42/);
  assert.match(parts[2]!, /Content-Type: message\/rfc822/);
  assert.match(parts[2]!, /Subject: full\r\n/);
  assert.match(parts[2]!, /\r\nthe whole body\r\n/);
});

test('4xx then success: the delivered recipient is not sent again', async () => {
  const { sb, host, d } = await world(['--reject', 'later@example.net=451'], '  retry: [1h]\n');
  assert.equal((await sendmail(sb, ['-i', 'now@example.net', 'later@example.net'], 'Subject: retry\n\nb\n')).code, 0);
  await waitFor(() => idsIn(sb, 'deferred').length === 1, 10_000, 'partial deferral');
  assert.deepEqual(host.received().map((m) => m.rcpt_tos), [['now@example.net']]);
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  const byAddr = Object.fromEntries(q[0].recipients.map((r: { address: string }) => [r.address, r]));
  assert.equal(byAddr['now@example.net'].status, 'delivered');
  assert.equal(byAddr['later@example.net'].status, 'deferred');
  assert.match(byAddr['later@example.net'].lastError, /^451 /);
  // The host recovers on the same port.
  const port = host.port;
  await host.stop();
  const again = await startSmartHost(sb.dir, 'host2', ['--port', String(port)]);
  cleanups.push(() => again.stop());
  assert.equal((await mailroom(sb, ['queue', 'flush'])).code, 0);
  await waitFor(() => again.received().length === 1 && queueSize(sb) === 0, 10_000, 'retry');
  assert.deepEqual(again.received()[0]!.rcpt_tos, ['later@example.net']);
  await d.waitLog(/deferred to=<later@example\.net>/);
});

test('mail older than maxAge expires and bounces', async () => {
  const { sb, d } = await world(['--fail-rcpt', '451'], '  retry: [1s]\n  maxAge: 2s\n');
  assert.equal((await sendmail(sb, ['-i', '-f', 'alice@example.org', 'slow@example.net'], 'Subject: old\n\nb\n')).code, 0);
  await waitFor(() => /: expired age=\d+s nrcpt=1/.test(d.log()) && /: bounced to=<alice@example\.org>/.test(d.log()), 15_000, 'expiry and bounce');
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.ok(!q.some((m: { sender: string }) => m.sender === 'alice@example.org'), 'the expired message left the queue');
});

test('100 refused messages from a sender whose domain refuses too: bounces are bounded', async () => {
  const { sb, host, d } = await world(['--fail-rcpt', '550']);
  const msgs = Array.from({ length: 100 }, (_, i) => `Subject: storm ${i}\n\nb\n`);
  for (let i = 0; i < msgs.length; i += 10) {
    await Promise.all(msgs.slice(i, i + 10).map((m) => sendmail(sb, ['-i', '-f', 'alice@example.org', 'x@example.net'], m)));
  }
  await waitFor(() => (d.log().match(/: removed/g) ?? []).length >= 100, 30_000, 'all processed');
  await new Promise((r) => setTimeout(r, 1500));
  const log = d.log();
  const bounced = (log.match(/: bounced to=<alice@example\.org>/g) ?? []).length;
  const suppressed = (log.match(/bounce-suppressed/g) ?? []).length;
  assert.ok(bounced <= 10, `at most 10 bounces per sender per hour, saw ${bounced}`);
  assert.ok(bounced >= 1);
  assert.equal(bounced + suppressed, 100);
  assert.equal(host.received().length, 0);
  // Failed bounces go to postmaster once and are never bounced again.
  assert.doesNotMatch(log, /bounced to=<>/);
  assert.ok(queueSize(sb) <= 10, `queue settles (double bounces to postmaster only), has ${queueSize(sb)}`);
});
