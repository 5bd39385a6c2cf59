// `mailroom status` as a monitoring check, run as the real command: OK with a
// running daemon and an empty queue, WARNING/CRITICAL from an old deferred
// message (a spool fixture) and the thresholds, --connect against Debian's
// aiosmtpd (STARTTLS and AUTH, as the relay uses them) and a closed port,
// UNKNOWN when the config or the spool cannot be read, CRITICAL with the daemon down.
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newEnvelope, serializeEnvelope } from '../../src/spool/envelope.js';
import { ensureSpool } from '../../src/spool/layout.js';
import { spoolPaths } from '../../src/spool/paths.js';
import { newQueueId, type QueueId } from '../../src/spool/queue-id.js';
import { BIN, freePort, mailroom, run, sandbox, startDaemon, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { makeCert, startSmartHost, type SmartHost } from '../relay/peers.js';
import { relaySandbox } from '../relay/sandbox.js';

let sb: Sandbox;
let daemon: DaemonProc;
let host: SmartHost;
let cert: { cert: string; key: string };
const cleanups: (() => Promise<unknown> | void)[] = [];

before(async () => {
  sb = relaySandbox((dir) => {
    cert = makeCert(dir);
    writeFileSync(join(dir, 'pw'), 's3cret\n', { mode: 0o600 });
    return 'relay:\n  mode: hold\n';
  });
  cleanups.push(() => sb.cleanup());
  host = await startSmartHost(sb.dir, 'sink', ['--cert', cert.cert, '--key', cert.key, '--auth', 'relay:s3cret']);
  cleanups.push(() => host.stop());
  daemon = await startDaemon(sb);
  cleanups.push(() => daemon.stop());
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const firstLine = (s: string) => s.split('\n')[0]!;

/** A config beside the sandbox's, on the same spool and sockets, with other relay keys. */
function config(name: string, relay: string): Sandbox {
  const path = join(sb.dir, `${name}.yaml`);
  writeFileSync(path, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n${relay}`);
  return { ...sb, config: path };
}

const tlsHost = (port: number) => `    - host: localhost\n      port: ${port}\n      tls: starttls\n      ca: ${cert.cert}\n      auth: { user: relay, passwordFile: ${sb.dir}/pw }\n`;

/** A message in deferred/ that arrived `ageMs` ago and is not due for a day (the runner leaves it alone). */
function writeDeferred(ageMs: number): QueueId {
  const created = Date.now() - ageMs;
  const id = newQueueId(created);
  const content = Buffer.from('Subject: old\r\n\r\nold\r\n');
  const env = newEnvelope(id, { sender: 'alice@example.org', recipients: [{ address: 'bob@example.net' }], dsn: {}, body: '7BIT', smtputf8: false, createdAt: new Date(created).toISOString() }, { uid: 0, user: 'root', source: 'sendmail', size: content.length });
  env.recipients[0]!.status = 'deferred';
  env.recipients[0]!.attempts = 3;
  env.recipients[0]!.lastError = '451 4.7.1 try later';
  env.nextAttemptAt = new Date(Date.now() + 86_400_000).toISOString();
  writeFileSync(join(sb.spool, 'data', `${id}.eml`), content);
  writeFileSync(join(sb.spool, 'tmp', `${id}.env`), serializeEnvelope(env));
  renameSync(join(sb.spool, 'tmp', `${id}.env`), join(sb.spool, 'deferred', `${id}.env`)); // the runner never sees half an envelope
  return id;
}

function removeMessage(id: QueueId): void {
  rmSync(join(sb.spool, 'deferred', `${id}.env`), { force: true });
  rmSync(join(sb.spool, 'data', `${id}.eml`), { force: true });
}

test('a running daemon and an empty queue: exit 0, "MAILROOM OK" first, then the details', async () => {
  const r = await mailroom(sb, ['status']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(firstLine(r.stdout), /^MAILROOM OK - daemon running \(pid \d+\); 0 waiting, 0 held, oldest -; last hour 0 delivered, 0 deferred, 0 failed \| waiting=0;100;1000;0 oldest=0s;3600;14400;0 /);
  assert.match(r.stdout, new RegExp(`^daemon: running, pid ${daemon.proc.pid}, up \\d+s .*version 0\\.1\\.0$`, 'm'));
  assert.match(r.stdout, /^queue: 0 waiting \(maildrop 0, incoming 0, deferred 0\), hold 0, corrupt 0$/m);
  assert.match(r.stdout, /^last error: none since start$/m);
});

test('status --json: one object with the daemon, the queue by state, the deliveries and the verdict', async () => {
  const r = await mailroom(sb, ['status', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(s).sort(), ['code', 'daemon', 'deliveries', 'lastError', 'problems', 'queue', 'smarthosts', 'status', 'summary', 'thresholds']);
  assert.equal(s.status, 'ok');
  assert.equal(s.code, 0);
  assert.deepEqual(s.problems, []);
  assert.equal(s.daemon.state, 'running');
  assert.equal(s.daemon.pid, daemon.proc.pid);
  assert.equal(s.daemon.version, '0.1.0');
  assert.equal(new Date(s.daemon.startedAt).toISOString(), s.daemon.startedAt);
  assert.equal(typeof s.daemon.uptimeSeconds, 'number');
  assert.deepEqual(s.queue, { incoming: 0, deferred: 0, hold: 0, corrupt: 0, maildrop: 0, waiting: 0, oldestId: null, oldestState: null, oldestAgeSeconds: null });
  assert.deepEqual(s.deliveries, { lastHour: { delivered: 0, deferred: 0, failed: 0 }, sinceStart: { delivered: 0, deferred: 0, failed: 0 } });
  assert.equal(s.lastError, null);
  assert.equal(s.smarthosts, null, 'no --connect, no check');
  assert.deepEqual(s.thresholds, { warnAgeSeconds: 3600, critAgeSeconds: 14400, warnQueue: 100, critQueue: 1000 });
});

test('an old deferred message: WARNING (1) past --warn-age, CRITICAL (2) past --crit-age, OK under both', async () => {
  const id = writeDeferred(2 * 3_600_000 + 60_000);
  try {
    const r = await mailroom(sb, ['status']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(firstLine(r.stdout), /^MAILROOM WARNING - oldest message waiting 2h \(warning at 1h\); daemon running/);
    assert.match(r.stdout, new RegExp(`^oldest: ${id} in deferred, 2h `, 'm'));
    assert.match(r.stdout, /^queue: 1 waiting \(maildrop 0, incoming 0, deferred 1\), hold 0, corrupt 0$/m);

    const crit = await mailroom(sb, ['status', '--crit-age', '90m', '--json']);
    assert.equal(crit.code, 2, crit.stdout + crit.stderr);
    const j = JSON.parse(crit.stdout);
    assert.equal(j.status, 'critical');
    assert.equal(j.queue.oldestId, id);
    assert.equal(j.queue.oldestState, 'deferred');
    assert.ok(j.queue.oldestAgeSeconds >= 7260 && j.queue.oldestAgeSeconds < 7260 + 600, String(j.queue.oldestAgeSeconds));
    assert.deepEqual(j.problems, ['oldest message waiting 2h (critical at 90m)']);

    const ok = await mailroom(sb, ['status', '--warn-age', '3h', '--crit-age', '5h']);
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(firstLine(ok.stdout), /^MAILROOM OK - /);

    const queue = await mailroom(sb, ['status', '--warn-age', '3h', '--crit-age', '5h', '--warn-queue', '1']);
    assert.equal(queue.code, 1, queue.stdout);
    assert.match(firstLine(queue.stdout), /^MAILROOM WARNING - 1 messages waiting \(warning at 1\)/);
    const queueCrit = await mailroom(sb, ['status', '--warn-age', '3h', '--crit-age', '5h', '--warn-queue', '1', '--crit-queue', '1']);
    assert.equal(queueCrit.code, 2, queueCrit.stdout);
  } finally {
    removeMessage(id);
  }
});

test('--connect: aiosmtpd answering with STARTTLS and accepting the credentials is OK, and gets no mail', async () => {
  const c = config('good', `  mode: smarthost\n  smarthosts:\n${tlsHost(host.port)}`);
  const r = await mailroom(c, ['status', '--connect']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^smart host localhost:${host.port}: connected to localhost\\[127\\.0\\.0\\.1\\]:${host.port}, TLS yes, AUTH accepted for relay$`, 'm'));
  assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
  const j = JSON.parse((await mailroom(c, ['status', '--connect', '--json'])).stdout);
  assert.deepEqual(j.smarthosts.map((h: { host: string; port: number; ok: boolean }) => [h.host, h.port, h.ok]), [['localhost', host.port, true]]);
  assert.equal(host.received().length, 0, 'a check sends no mail');
});

test('--connect: a closed port is CRITICAL (2) as the only smart host, WARNING (1) when another answers', async () => {
  // Nothing listens on `closed`: with no smart host reachable no mail can
  // leave (critical); with one of two, mail still goes out (warning).
  const closed = await freePort();
  const only = config('closed', `  mode: smarthost\n  smarthosts:\n    - { host: 127.0.0.1, port: ${closed}, tls: none }\n`);
  const r = await mailroom(only, ['status', '--connect']);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(firstLine(r.stdout), new RegExp(`^MAILROOM CRITICAL - no smart host reachable \\(127\\.0\\.0\\.1:${closed}\\)`));
  assert.match(r.stdout, new RegExp(`^smart host 127\\.0\\.0\\.1:${closed}: FAILED: .*(ECONNREFUSED|refused)`, 'm'));

  const two = config('two', `  mode: smarthost\n  smarthosts:\n    - { host: 127.0.0.1, port: ${closed}, tls: none }\n${tlsHost(host.port)}`);
  const w = await mailroom(two, ['status', '--connect']);
  assert.equal(w.code, 1, w.stdout + w.stderr);
  assert.match(firstLine(w.stdout), new RegExp(`^MAILROOM WARNING - smart host unreachable: 127\\.0\\.0\\.1:${closed};`));
  assert.match(w.stdout, /TLS yes, AUTH accepted for relay$/m);
});

test('a configuration that cannot be read, or a threshold that is not one: UNKNOWN (3)', async () => {
  const missing = await run(join(BIN, 'mailroom'), ['status', '--config', join(sb.dir, 'nope.yaml')]);
  assert.equal(missing.code, 3, missing.stdout + missing.stderr);
  assert.match(firstLine(missing.stdout), /^MAILROOM UNKNOWN - configuration: .*nope\.yaml.*does not exist/);
  const bad = config('bad', `  mode: sideways\n`);
  const invalid = await mailroom(bad, ['status', '--json']);
  assert.equal(invalid.code, 3, invalid.stdout);
  assert.equal(JSON.parse(invalid.stdout).status, 'unknown');
  const age = await mailroom(sb, ['status', '--warn-age', 'soon']);
  assert.equal(age.code, 3, age.stdout);
  assert.match(firstLine(age.stdout), /^MAILROOM UNKNOWN - --warn-age is not a duration/);
});

test('a spool the caller may not read (an ordinary user): UNKNOWN (3), saying so', async () => {
  const other = sandbox('', { worldReadable: true });
  cleanups.push(() => other.cleanup());
  await ensureSpool(spoolPaths(other.spool));
  const r = await run(join(BIN, 'mailroom'), ['status', '--config', other.config], '', { asUser: 'nobody' });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(firstLine(r.stdout), /^MAILROOM UNKNOWN - cannot read the queue in .*: permission denied \(run as root or as the spool's owner\)$/);
});

test('the daemon down: CRITICAL (2), and the queue is still reported', async () => {
  assert.equal(await daemon.stop(), 0);
  const id = writeDeferred(60_000);
  try {
    const r = await mailroom(sb, ['status']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(firstLine(r.stdout), /^MAILROOM CRITICAL - daemon not running; 1 waiting, 0 held, oldest \d+s \| /);
    assert.match(r.stdout, /^daemon: down$/m);
    const j = JSON.parse((await mailroom(sb, ['status', '--json'])).stdout);
    assert.equal(j.daemon.state, 'down');
    assert.equal(j.daemon.pid, null);
    assert.equal(j.deliveries, null);
    assert.equal(j.queue.deferred, 1);
  } finally {
    removeMessage(id);
  }
});
