// Capture mode (relay.mode hold) against Debian's aiosmtpd: `mailroom queue
// release` sends a held message on through the smart hosts (or by MX when
// relay.mx is set) while the mode stays hold, the daemon logs who released
// it, and a released message that is deferred is retried, not held again.
// release --all and hold --all act on every message; with nowhere to send
// it, release exits 69 and the message stays held.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, mailroom, run, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { startDns, startSmartHost, type SmartHost } from './peers.js';
import { idsIn, relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const me = userInfo().username;

function newSandbox(): Sandbox {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  return sb;
}

function configure(sb: Sandbox, relayYaml: string): void {
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: hold\n${relayYaml}`);
}

async function daemon(sb: Sandbox): Promise<DaemonProc> {
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  return d;
}

async function host(sb: Sandbox, name: string, args: string[] = [], address?: string): Promise<SmartHost> {
  const h = await startSmartHost(sb.dir, name, args, address);
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

/** Submits with bin/sendmail and waits until the daemon has held it; returns its queue id. */
async function submitHeld(sb: Sandbox, d: DaemonProc, rcpt: string, subject: string): Promise<string> {
  const from = d.log().length; // one submission at a time: the next held line is this one's
  const r = await sendmail(sb, ['-i', '-f', 'alice@example.org', '--', rcpt], `Subject: ${subject}\n\nbody of ${subject}\n`);
  assert.equal(r.code, 0, r.stderr);
  const re = /(\S+): held reason="relay\.mode is hold" nrcpt=1/;
  await waitFor(() => re.test(d.log().slice(from)), 10_000, `${subject} held`);
  const id = re.exec(d.log().slice(from))![1]!;
  assert.match(readFileSync(join(sb.spool, 'data', `${id}.eml`), 'utf8'), new RegExp(`Subject: ${subject}\r\n`));
  return id;
}

const envelope = (sb: Sandbox, state: string, id: string) => JSON.parse(readFileSync(join(sb.spool, state, `${id}.env`), 'utf8'));

test('release under relay.mode hold: the smart host gets the message, the mode stays hold, the log says who', async () => {
  const sb = newSandbox();
  const h = await host(sb, 'sink', ['--reject', 'carol@example.net=451']);
  configure(sb, `  retry: [1h]\n  smarthosts:\n    - { host: 127.0.0.1, port: ${h.port}, tls: none }\n`);
  const d = await daemon(sb);

  const id = await submitHeld(sb, d, 'bob@example.net', 'one');
  const q = await run(join(BIN, 'mailq'), ['-C', sb.config]);
  assert.equal(q.code, 0, q.stderr);
  assert.match(q.stdout, new RegExp(`^${id}! .* hold +<alice@example\\.org>$`, 'm'), 'mailq shows it held');
  assert.equal(h.received().length, 0, 'held mail is not sent');

  const r = await mailroom(sb, ['queue', 'release', id]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${id}: released\n`);
  await waitFor(() => h.received().length === 1, 10_000, 'the smart host receives the released message');
  const got = h.received()[0]!;
  assert.deepEqual(got.rcpt_tos, ['bob@example.net']);
  assert.match(got.data, /Subject: one/);
  await waitLog(d, new RegExp(`${id}: removed`), 'removed after delivery');
  const log = d.log();
  const released = log.indexOf(`${id}: released by=${me}\n`);
  assert.ok(released >= 0, `released by=${me} in the log:\n${log}`);
  assert.ok(log.indexOf(`${id}: sent to=<bob@example.net> relay=127.0.0.1[127.0.0.1]:${h.port}`) > released, 'sent after the release line');
  assert.match(readFileSync(sb.config, 'utf8'), /mode: hold/);

  // The mode is still hold: new mail is held again; release --all lets several go.
  const more = [await submitHeld(sb, d, 'dave@example.net', 'two'), await submitHeld(sb, d, 'erin@example.net', 'three'), await submitHeld(sb, d, 'frank@example.com', 'four')];
  assert.equal(h.received().length, 1, 'new mail is held, not sent');
  assert.deepEqual(idsIn(sb, 'hold').sort(), [...more].sort());
  const all = await mailroom(sb, ['queue', 'release', '--all']);
  assert.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, -1).sort(), more.map((m) => `${m}: released`).sort());
  assert.equal(lines.at(-1), '3 of 3 messages released');
  await waitFor(() => h.received().length === 4, 10_000, 'all released messages reach the smart host');
  assert.deepEqual(h.received().slice(1).flatMap((x) => x.rcpt_tos).sort(), ['dave@example.net', 'erin@example.net', 'frank@example.com']);
  for (const m of more) await waitLog(d, new RegExp(`${m}: removed`), `${m} removed`);
  for (const m of more) assert.match(d.log(), new RegExp(`${m}: released by=${me}\\n`));

  // A released message the smart host defers stays released (deferred/, not
  // hold/); hold --all takes every queued one back into hold/ and undoes the release.
  const c1 = await submitHeld(sb, d, 'carol@example.net', 'five');
  const c2 = await submitHeld(sb, d, 'carol@example.net', 'six');
  assert.equal((await mailroom(sb, ['queue', 'release', c1, c2])).code, 0);
  for (const c of [c1, c2]) await waitLog(d, new RegExp(`${c}: deferred nrcpt=1 attempt=1 next=\\+`), `${c} deferred`);
  assert.deepEqual(idsIn(sb, 'deferred').sort(), [c1, c2].sort());
  assert.equal(envelope(sb, 'deferred', c1).release.by, me);
  const held = await mailroom(sb, ['queue', 'hold', '--all']);
  assert.equal(held.code, 0, held.stderr);
  assert.deepEqual(held.stdout.trimEnd().split('\n').sort(), [`${c1}: held`, `${c2}: held`, '2 of 2 messages held'].sort());
  assert.deepEqual(idsIn(sb, 'hold').sort(), [c1, c2].sort());
  assert.deepEqual(idsIn(sb, 'deferred'), []);
  for (const c of [c1, c2]) assert.equal(envelope(sb, 'hold', c).release, undefined, 'hold undoes the release');
  const none = await mailroom(sb, ['queue', 'hold', '--all']);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, '0 of 0 messages held\n');
  assert.equal((await mailroom(sb, ['queue', 'release'])).code, 64, 'ids or --all');
  assert.equal((await mailroom(sb, ['queue', 'release', '--all', c1])).code, 64, 'not both');
});

test('a released message the smart host defers is retried, not held again', async () => {
  const sb = newSandbox();
  const h = await host(sb, 'flaky', ['--fail-first', '1']);
  configure(sb, `  retry: [1s]\n  smarthosts:\n    - { host: 127.0.0.1, port: ${h.port}, tls: none }\n`);
  const d = await daemon(sb);
  const id = await submitHeld(sb, d, 'bob@example.net', 'retry');
  assert.equal((await mailroom(sb, ['queue', 'release', id])).code, 0);
  await waitLog(d, new RegExp(`${id}: deferred nrcpt=1 attempt=1 next=\\+1s`), 'first attempt deferred');
  await waitLog(d, new RegExp(`${id}: removed`), 'sent on the retry');
  assert.equal(h.received().length, 1);
  const after = d.log().slice(d.log().indexOf(`${id}: released`));
  assert.doesNotMatch(after, new RegExp(`${id}: held`), 'not held again');
  assert.equal(after.split(`${id}: released by=`).length - 1, 1, 'the release is logged once');
});

test('release under relay.mode hold with relay.mx set goes by MX', async () => {
  const sb = newSandbox();
  const mx = await host(sb, 'mx', [], '127.0.0.2');
  const dns = await startDns(['--local=/example.net/', '--mx-host=example.net,mx1.example.net,10', '--host-record=mx1.example.net,127.0.0.2']);
  cleanups.push(() => dns.stop());
  configure(sb, `  retry: [1h]\n  mx: { port: ${mx.port}, dns: ["${dns.server}"], tls: none }\n`);
  const d = await daemon(sb);
  const id = await submitHeld(sb, d, 'bob@example.net', 'by mx');
  assert.equal(mx.received().length, 0);
  const r = await mailroom(sb, ['queue', 'release', id]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => mx.received().length === 1, 10_000, 'the MX host receives it');
  await waitLog(d, new RegExp(`${id}: sent to=<bob@example\\.net> relay=mx1\\.example\\.net\\[127\\.0\\.0\\.2\\]:${mx.port}`), 'sent by MX');
  assert.match(d.log(), new RegExp(`${id}: released by=${me}\\n`));
});

test('with no smart hosts and no relay.mx, release exits 69 and the message stays held', async () => {
  const sb = newSandbox();
  configure(sb, '');
  const d = await daemon(sb);
  const id = await submitHeld(sb, d, 'bob@example.net', 'nowhere');
  const r = await mailroom(sb, ['queue', 'release', id]);
  assert.equal(r.code, 69, r.stderr);
  assert.match(r.stderr, /relay\.mode is hold and no relay\.smarthosts are set/);
  assert.equal(r.stdout, '');
  assert.deepEqual(idsIn(sb, 'hold'), [id]);
  assert.equal(envelope(sb, 'hold', id).release, undefined);
  const all = await mailroom(sb, ['queue', 'release', '--all']);
  assert.equal(all.code, 69, all.stderr);
  assert.match(all.stderr, new RegExp(`${id}: not released, still held: relay\\.mode is hold and no relay\\.smarthosts are set`));
  assert.equal(all.stdout, '0 of 1 message released\n');
  assert.deepEqual(idsIn(sb, 'hold'), [id]);
  assert.ok(existsSync(join(sb.spool, 'data', `${id}.eml`)));
  assert.doesNotMatch(d.log(), new RegExp(`${id}: (released|sent|removed)`));
});
