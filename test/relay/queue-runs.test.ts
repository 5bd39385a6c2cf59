// The queue runner's timing against Debian's aiosmtpd: relay.delayWarning
// sends one "delayed" DSN and keeps the message queued; relay.rateLimit
// spaces deliveries to a smart host (arrival times recorded by the peer);
// `sendmail -q`, `-qI ID`, `-qR SITE` and `mailroom queue flush ID` retry
// deferred mail now, and only the mail they name.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { mailroom, sendmail, smtpDialog, startDaemon, waitFor, type DaemonProc, type Sandbox, freePort } from '../helpers/env.js';
import { startSmartHost, type SmartHost } from './peers.js';
import { idsIn, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function newSandbox(): Sandbox {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  return sb;
}

function configure(sb: Sandbox, relayYaml: string): void {
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n${relayYaml}`);
}

async function daemon(sb: Sandbox): Promise<DaemonProc> {
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  return d;
}

async function host(sb: Sandbox, name: string, args: string[] = []): Promise<SmartHost> {
  const h = await startSmartHost(sb.dir, name, args);
  cleanups.push(() => h.stop());
  return h;
}


/** Waits for a daemon log line; on timeout the error carries the log's tail. */
async function waitLog(d: DaemonProc, re: RegExp, what: string, ms = 10_000): Promise<RegExpExecArray> {
  await waitFor(() => re.test(d.log()), ms, what).catch((e: Error) => {
    throw new Error(`${e.message}\n${d.log().split('\n').slice(-15).join('\n')}`);
  });
  return re.exec(d.log())!;
}

const count = (s: string, re: RegExp) => (s.match(new RegExp(re.source, 'g')) ?? []).length;

test('relay.delayWarning: one "delayed" DSN reaches the sender; the message stays queued', async () => {
  const sb = newSandbox();
  const h = await host(sb, 'delay', ['--reject', 'bob@example.net=451']);
  configure(sb, `  retry: [1s]\n  delayWarning: 1s\n  smarthosts:\n    - { host: 127.0.0.1, port: ${h.port}, tls: none }\n`);
  const d = await daemon(sb);
  assert.equal((await sendmail(sb, ['-i', '-f', 'alice@example.org', 'bob@example.net'], 'Subject: slow one\nMessage-ID: <slow@example.org>\n\nb\n')).code, 0);
  const [, id] = await waitLog(d, /(\S+): queued from=<alice@example\.org> size=\d+ nrcpt=1 via=sendmail /, 'queued');
  await waitLog(d, new RegExp(`${id}: deferred to=<bob@example\\.net> relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${h.port} tls=no delay=\\S+ attempt=1 reply="451 4\\.1\\.1 <bob@example\\.net> refused`), 'first deferral');
  await waitLog(d, new RegExp(`${id}: deferred nrcpt=1 attempt=1 next=\\+1s`), 'retry time in the log');
  await waitFor(() => h.received().length >= 1, 10_000, 'the delay DSN');
  // Several more retries pass (every second); still one warning.
  await waitLog(d, new RegExp(`${id}: deferred nrcpt=1 attempt=4 `), 'three more retries', 15_000);
  const dsns = h.received();
  assert.equal(dsns.length, 1, 'exactly one delay warning');
  const dsn = dsns[0]!;
  assert.equal(dsn.mail_from, '<>');
  assert.deepEqual(dsn.rcpt_tos, ['alice@example.org']);
  assert.match(dsn.data, /report-type=delivery-status/);
  assert.match(dsn.data, /Final-Recipient: rfc822; ?bob@example\.net/);
  assert.match(dsn.data, /Action: delayed/);
  assert.match(dsn.data, /Status: 4\.\d+\.\d+/);
  assert.doesNotMatch(dsn.data, /Action: failed/);
  assert.match(dsn.data, /Message-ID: <slow@example\.org>/);
  const log = d.log();
  assert.equal(count(log, new RegExp(`${id}: delay-warning to=<alice@example\\.org>`)), 1);
  assert.doesNotMatch(log, new RegExp(`${id}: (bounced|expired|removed)`));
  assert.deepEqual(idsIn(sb, 'deferred'), [id]);
  const q = JSON.parse((await mailroom(sb, ['queue', 'list', '--json'])).stdout);
  assert.equal(q.length, 1);
  assert.equal(q[0].recipients[0].status, 'deferred');
});

test('relay.rateLimit 2 per 1s: six messages arrive no faster than the limit', async () => {
  const sb = newSandbox();
  const h = await host(sb, 'limited');
  configure(sb, `  rateLimit: { messages: 2, per: 1s }\n  smarthosts:\n    - { host: 127.0.0.1, port: ${h.port}, tls: none }\n`);
  const d = await daemon(sb);
  // Six messages in one SMTP session on the local socket: queued within milliseconds.
  const cmds: string[] = ['EHLO test\r\n'];
  for (let i = 0; i < 6; i++) cmds.push('MAIL FROM:<load@example.org>\r\n', `RCPT TO:<r${i}@example.net>\r\n`, 'DATA\r\n', `Subject: rate ${i}\r\n\r\nbody ${i}\r\n.\r\n`);
  cmds.push('QUIT\r\n');
  const t0 = Date.now();
  const replies = await smtpDialog(sb.socket, cmds);
  assert.equal(replies.filter((r) => r.startsWith('250 2.0.0 Ok: queued')).length, 6);
  assert.ok(Date.now() - t0 < 1500, 'submission itself was fast');
  await waitFor(() => h.received().length === 6, 15_000, 'all six delivered');
  const t = h.received().map((m) => m.time).sort((a, b) => a - b);
  // A bucket of 2 refilled at 2/s lets through at most 2 + 2·T messages in
  // any T seconds: message j arrives at least (j - i - 1) / 2 s after message i.
  for (let i = 0; i < t.length; i++)
    for (let j = i + 1; j < t.length; j++) assert.ok(t[j]! - t[i]! >= (j - i - 1) / 2 - 0.1, `messages ${i} and ${j} only ${(t[j]! - t[i]!).toFixed(3)}s apart: ${t.map((x) => (x - t[0]!).toFixed(3)).join(' ')}`);
  assert.ok(t[5]! - t[0]! < 5, 'and not much slower either');
  await waitFor(() => count(d.log(), /: removed/) === 6, 5000, 'all removed');
  assert.equal(count(d.log(), /: sent to=<r\d@example\.net> relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+ tls=no /), 6);
});

test('sendmail -qI ID, -qR SITE, mailroom queue flush ID and sendmail -q retry only what they name', async () => {
  const port = await freePort();
  const sb = newSandbox();
  configure(sb, `  retry: [1h]\n  smarthosts:\n    - { host: 127.0.0.1, port: ${port}, tls: none }\n`);
  const d = await daemon(sb);
  const rcpts = ['a@one.example', 'b@two.example', 'c@three.example', 'd@four.example'];
  const ids: Record<string, string> = {};
  for (const r of rcpts) {
    assert.equal((await sendmail(sb, ['-i', '-f', 'ops@test.example', r], `Subject: for ${r}\n\nb\n`)).code, 0);
    const [, id] = await waitLog(d, new RegExp(`(\\S+): deferred to=<${r.replace('.', '\\.')}> relay=127\\.0\\.0\\.1:${port} .*reply="[^"]*(ECONNREFUSED|connect)`, 'i'), `deferral of ${r}`);
    ids[r] = id!;
    await waitLog(d, new RegExp(`${id}: deferred nrcpt=1 attempt=1 next=\\+60m`), `next attempt of ${r}`);
  }
  await waitFor(() => idsIn(sb, 'deferred').length === 4, 5000, 'four deferred');
  const h = await host(sb, 'back', ['--port', String(port)]);
  const arrived = () => h.received().map((m) => m.rcpt_tos[0]).sort();
  const settle = () => new Promise((r) => setTimeout(r, 700));

  let r = await sendmail(sb, ['-qI', ids['c@three.example']!]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => arrived().length === 1, 10_000, '-qI delivery');
  await settle();
  assert.deepEqual(arrived(), ['c@three.example']);

  r = await sendmail(sb, ['-qR', 'two.example']);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => arrived().length === 2, 10_000, '-qR delivery');
  await settle();
  assert.deepEqual(arrived(), ['b@two.example', 'c@three.example']);

  r = await mailroom(sb, ['queue', 'flush', ids['a@one.example']!]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => arrived().length === 3, 10_000, 'flush ID delivery');
  await settle();
  assert.deepEqual(arrived(), ['a@one.example', 'b@two.example', 'c@three.example']);
  assert.deepEqual(idsIn(sb, 'deferred'), [ids['d@four.example']]);

  r = await sendmail(sb, ['-q']);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => arrived().length === 4 && idsIn(sb, 'deferred').length === 0, 10_000, '-q delivery');
  await settle();
  assert.equal(h.received().length, 4, 'each delivered once');
  for (const [rcpt, id] of Object.entries(ids)) {
    await waitLog(d, new RegExp(`${id}: removed`), `removal of ${id}`);
    await d.waitLog(new RegExp(`${id}: sent to=<${rcpt.replace('.', '\\.')}> relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${port} tls=no .*attempt=2 reply="250 2\\.0\\.0 OK: stored"`));
  }
});
