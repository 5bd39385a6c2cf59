// SIGHUP reloads the configuration of a running daemon: a changed alias is
// used for the next message, a renewed certificate is served by POP3 STLS and
// IMAP STARTTLS to new sessions while one opened before keeps working, mail
// deferred before the reload stays queued and goes out by the new smart host,
// and an invalid file is refused with its key paths, the old one staying in force.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { BIN, freePort, mailroom, run, queuedIds, queuedState, sandbox, sendmail, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { makeCert, PYTHON } from '../mailbox/fixture.js';
import { startSmartHost, type SmartHost } from '../relay/peers.js';

let sb: Sandbox;
let daemon: DaemonProc;
let pop3Port: number;
let imapPort: number;
let smtpPort: number;
let deadPort: number;
let peer: SmartHost | undefined;
let certs: { old: { cert: string; key: string }; next: { cert: string; key: string } };
const live = () => ({ cert: join(sb.dir, 'tls/cert.pem'), key: join(sb.dir, 'tls/key.pem') });

function writeConfig(o: { alias: string; smarthost: number; extra?: string; pop3?: number }): void {
  const d = sb.dir;
  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${d}/spool\nsocket: ${d}/run/submit.sock\nusers: ${d}/users\n` +
      `aliases:\n  postmaster: ${o.alias}\nlocal:\n  mailboxes: ${d}/mail\n  domains: [test.example]\n  systemUsers: false\n` +
      `relay:\n  mode: smarthost\n  retry: [1h]\n  smarthosts:\n    - { host: 127.0.0.1, port: ${o.smarthost}, tls: none }\n` +
      `tls:\n  cert: ${live().cert}\n  key: ${live().key}\npop3:\n  listen: 127.0.0.1:${o.pop3 ?? pop3Port}\n  tls: starttls\nimap:\n  listen: 127.0.0.1:${imapPort}\n  tls: starttls\n` +
      `listen:\n  - { address: 127.0.0.1:${smtpPort}, tls: starttls, auth: optional }\n${o.extra ?? ''}`,
  );
}

function newMail(user: string): string[] {
  const dir = join(sb.dir, 'mail', user, 'new');
  return existsSync(dir) ? readdirSync(dir) : [];
}

let reloads = 0;
/** Sends SIGHUP and waits for the daemon's answer to it (`reloaded` or `reload refused`). */
async function hup(expect: RegExp = /reloaded/): Promise<string> {
  const before = daemon.log().length;
  reloads++;
  daemon.proc.kill('SIGHUP');
  await waitFor(() => /reloaded|reload refused/.test(daemon.log().slice(before)), 10_000, `reload ${reloads}`);
  const out = daemon.log().slice(before);
  assert.match(out, expect);
  return out;
}

const sha256 = (pem: string) => new X509Certificate(readFileSync(pem)).fingerprint256.replace(/:/g, '').toLowerCase();

// A POP3 client that says STLS, logs in, prints the certificate's SHA-256,
// then (when HOLD is set) waits for a line on stdin before it uses the session again.
const pop3Script = `import poplib, ssl, hashlib, json, os, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)
p.stls(context=ctx)
fp = hashlib.sha256(p.sock.getpeercert(binary_form=True)).hexdigest()
u = os.environ['POPUSER']; p.user(u); p.pass_(u + 'pw')
print('OPEN ' + fp, flush=True)
if os.environ.get('HOLD'): sys.stdin.readline()
stat = p.stat()
print(json.dumps({'fp': fp, 'stat': list(stat), 'quit': p.quit().decode()}), flush=True)
`;

const imapScript = `import imaplib, ssl, hashlib, os
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']), timeout=20)
m.starttls(ssl_context=ctx)
print(hashlib.sha256(m.sock.getpeercert(binary_form=True)).hexdigest())
m.logout()
`;

// An SMTP client of the network listener: STARTTLS, prints the certificate's
// SHA-256, then (with HOLD) waits for a line before it sends a message to carol.
const smtpScript = `import smtplib, ssl, hashlib, os, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP('127.0.0.1', int(os.environ['PORT']), timeout=20)
s.ehlo('client.test'); s.starttls(context=ctx); s.ehlo('client.test')
fp = hashlib.sha256(s.sock.getpeercert(binary_form=True)).hexdigest()
print('OPEN ' + fp, flush=True)
if os.environ.get('HOLD'): sys.stdin.readline()
s.sendmail('ops@test.example', ['carol@test.example'], b'Subject: over smtp\\r\\n\\r\\nfive\\r\\n')
s.quit()
print('SENT', flush=True)
`;

/**
 * A client script that prints `OPEN <certificate sha256>` once its session is
 * up, then (with HOLD) waits for a line on stdin before it goes on; `finish`
 * sends that line and reads what the script printed last.
 */
function heldSession<T>(script: string, env: Record<string, string>, what: string, hold: boolean, result: (out: string) => T): { opened: Promise<string>; finish(): Promise<T> } {
  const proc = spawn(PYTHON, ['-c', script], { env: { ...process.env, ...env, ...(hold ? { HOLD: '1' } : {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((r) => proc.on('exit', (c) => (clearTimeout(timer), r(c))));
  return {
    opened: waitFor(() => /OPEN \w+/.test(out) || proc.exitCode !== null, 20_000, what).then(() => {
      assert.match(out, /OPEN \w+/, err);
      return /OPEN (\w+)/.exec(out)![1]!;
    }),
    finish: async () => {
      proc.stdin.end('go\n');
      assert.equal(await exited, 0, err);
      return result(out);
    },
  };
}

const smtpSession = (hold: boolean) => heldSession(smtpScript, { PORT: String(smtpPort) }, 'smtp session', hold, (out) => out);

const pop3Session = (user: string, hold: boolean) =>
  heldSession(pop3Script, { PORT: String(pop3Port), POPUSER: user }, 'pop3 session', hold, (out): { fp: string; stat: number[]; quit: string } => JSON.parse(out.trim().split('\n').pop()!));

before(async () => {
  sb = sandbox('', { ownDaemon: true });
  pop3Port = await freePort();
  imapPort = await freePort();
  smtpPort = await freePort();
  deadPort = await freePort(); // nothing listens there: relayed mail is deferred
  mkdirSync(join(sb.dir, 'old'));
  mkdirSync(join(sb.dir, 'next'));
  mkdirSync(join(sb.dir, 'tls'));
  certs = { old: makeCert(join(sb.dir, 'old')), next: makeCert(join(sb.dir, 'next')) };
  copyFileSync(certs.old.cert, live().cert);
  copyFileSync(certs.old.key, live().key);
  writeFileSync(join(sb.dir, 'users'), '');
  writeConfig({ alias: 'alice', smarthost: deadPort });
  for (const u of ['alice', 'bob', 'carol']) {
    const r = await run(join(BIN, 'mailroom'), ['user', 'add', u, '--password-stdin', '--config', sb.config], `${u}pw\n`);
    assert.equal(r.code, 0, r.stderr);
  }
  daemon = await startDaemon(sb);
});

after(async () => {
  await daemon?.stop();
  await peer?.stop();
  sb?.cleanup();
});

it('a changed alias takes effect after SIGHUP', async () => {
  let r = await sendmail(sb, ['postmaster'], 'Subject: before\n\none\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => newMail('alice').length === 1, 15_000, 'delivery to alice');
  writeConfig({ alias: 'bob', smarthost: deadPort });
  const out = await hup();
  assert.match(out, /reloaded.*aliases\.postmaster/);
  r = await sendmail(sb, ['postmaster'], 'Subject: after\n\ntwo\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => newMail('bob').length === 1, 15_000, 'delivery to bob');
  assert.equal(newMail('alice').length, 1);
  assert.match(readFileSync(join(sb.dir, 'mail/bob/new', newMail('bob')[0]!), 'utf8'), /Subject: after/);
});

it('a renewed certificate is served to new POP3 STLS, IMAP and SMTP STARTTLS sessions; open sessions keep working', async () => {
  const old = pop3Session('alice', true);
  assert.equal(await old.opened, sha256(certs.old.cert));
  const oldSmtp = smtpSession(true);
  assert.equal(await oldSmtp.opened, sha256(certs.old.cert));
  // Renewed in place, as certbot does: the configuration file itself is unchanged.
  copyFileSync(certs.next.cert, live().cert);
  copyFileSync(certs.next.key, live().key);
  await hup();
  // Another mailbox: the open session holds alice's lock.
  const fresh = pop3Session('bob', false);
  assert.equal(await fresh.opened, sha256(certs.next.cert));
  assert.notEqual(sha256(certs.next.cert), sha256(certs.old.cert));
  const done = await old.finish();
  assert.equal(done.fp, sha256(certs.old.cert));
  assert.equal(done.stat[0], 1, 'the session opened before the reload still reads the mailbox');
  assert.match(done.quit, /^\+OK/);
  assert.match((await fresh.finish()).quit, /^\+OK/);
  // IMAP STARTTLS takes the same certificate.
  const imap = await run(PYTHON, ['-c', imapScript], '', { env: { PORT: String(imapPort) } });
  assert.equal(imap.code, 0, imap.stderr);
  assert.equal(imap.stdout.trim(), sha256(certs.next.cert));
  // The network SMTP listener too; the session opened before still sends.
  const freshSmtp = smtpSession(false);
  assert.equal(await freshSmtp.opened, sha256(certs.next.cert));
  assert.match(await freshSmtp.finish(), /SENT/);
  assert.match(await oldSmtp.finish(), /SENT/);
  await waitFor(() => newMail('carol').length === 2, 15_000, 'both SMTP messages delivered to carol');
});

it('mail deferred before a reload stays queued and goes out by the new smart host', async () => {
  const r = await sendmail(sb, ['-f', 'ops@test.example', 'someone@example.net'], 'Subject: relayed\n\nthree\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => queuedIds(sb).some((id) => queuedState(sb, id) === 'deferred'), 15_000, 'deferred');
  const [id] = queuedIds(sb);
  peer = await startSmartHost(sb.dir, 'peer');
  writeConfig({ alias: 'bob', smarthost: peer.port });
  const out = await hup();
  assert.match(out, /relay\.smarthosts/);
  assert.equal(queuedState(sb, id!), 'deferred', 'still queued after the reload');
  const q = await mailroom(sb, ['queue', 'flush']);
  assert.equal(q.code, 0, q.stderr);
  await waitFor(() => peer!.received().length === 1, 15_000, 'delivery to the new smart host');
  assert.match(peer.received()[0]!.data, /Subject: relayed/);
  await waitFor(() => queuedIds(sb).length === 0, 10_000, 'queue empty');
});

it('a changed listening address is named as needing a restart; the old listener stays', async () => {
  const other = await freePort();
  writeConfig({ alias: 'bob', smarthost: peer!.port, pop3: other, extra: 'maxMessageSize: 20000000\n' });
  const out = await hup();
  assert.match(out, /needs a restart key=pop3\.listen/);
  assert.match(out, /reloaded changed=maxMessageSize /);
  const s = pop3Session('bob', false);
  await s.opened; // still served on the old port
  assert.match((await s.finish()).quit, /^\+OK/);
});

it('an invalid configuration is refused with its key paths and the old one stays in force', async () => {
  writeConfig({ alias: 'alice', smarthost: deadPort, extra: 'maxMessageSize: lots\nbogusKey: 1\n' });
  const out = await hup(/reload refused/);
  assert.match(out, /bogusKey/);
  assert.match(out, /maxMessageSize/);
  assert.doesNotMatch(out, /reloaded/);
  assert.equal(daemon.proc.exitCode, null);
  // sendmail reads the file too: give it a valid one, without a SIGHUP. The
  // daemon still sends postmaster to bob (the alias in force), not to alice.
  writeConfig({ alias: 'alice', smarthost: deadPort });
  const r = await sendmail(sb, ['postmaster'], 'Subject: kept\n\nfour\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => newMail('bob').length === 2, 15_000, 'delivery to bob');
  assert.equal(newMail('alice').length, 1);
});
