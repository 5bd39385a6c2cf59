// SMTP extensions on the way out: 8BITMIME and SMTPUTF8 toward Debian's
// aiosmtpd (an 8-bit UTF-8 body and a UTF-8 local part arrive byte for byte
// with BODY=8BITMIME / SMTPUTF8 on MAIL FROM), and the DSN parameters of
// RFC 3461 (RET, ENVID on MAIL FROM; NOTIFY, ORCPT on RCPT TO) passed on to a
// smart host that offers DSN. aiosmtpd does not offer DSN, so smtp-server
// (with hideDSN: false) plays that smart host. A second smtp-server
// that does not offer SMTPUTF8 gets no internationalised address (returned
// with 5.6.7), but a message with UTF-8 only in its header.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { sendmail, smtpDialog, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { startSmartHost, type SmartHost } from './peers.js';
import { relaySandbox } from './sandbox.js';

interface DsnSeen {
  mailArgs: Record<string, unknown>;
  rcpts: { address: string; args: Record<string, unknown> }[];
  data: Buffer;
}

let sb: Sandbox;
let aio: SmartHost;
let dsnServer: SMTPServer;
let dsnPort: number;
const seen: DsnSeen[] = [];
let d: DaemonProc;
let asciiServer: SMTPServer;
const asciiSeen: { rcpt: string; mailArgs: Record<string, unknown>; data: Buffer }[] = [];
const cleanups: (() => Promise<unknown> | void)[] = [];

before(async () => {
  sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  aio = await startSmartHost(sb.dir, 'aio');
  cleanups.push(() => aio.stop());

  let cur: DsnSeen = { mailArgs: {}, rcpts: [], data: Buffer.alloc(0) };
  dsnServer = new SMTPServer({
    hideDSN: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(address, _session, cb) {
      cur = { mailArgs: { ...(address.args || {}) }, rcpts: [], data: Buffer.alloc(0) };
      cb();
    },
    onRcptTo(address, _session, cb) {
      cur.rcpts.push({ address: address.address, args: { ...(address.args || {}) } });
      cb();
    },
    onData(stream, _session, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        cur.data = Buffer.concat(parts);
        seen.push(cur);
        cb();
      });
    },
  });
  await new Promise<void>((r) => dsnServer.listen(0, '127.0.0.1', r));
  dsnPort = (dsnServer.server.address() as { port: number }).port;
  cleanups.push(() => new Promise<void>((r) => dsnServer.close(() => r())));

  asciiServer = new SMTPServer({
    hideSMTPUTF8: true,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      asciiSeen.push({ rcpt: address.address, mailArgs: {}, data: Buffer.alloc(0) });
      cb();
    },
    onData(stream, session, cb) {
      const parts: Buffer[] = [];
      stream.on('data', (c: Buffer) => parts.push(c));
      stream.on('end', () => {
        const last = asciiSeen[asciiSeen.length - 1]!;
        last.data = Buffer.concat(parts);
        last.mailArgs = { ...((session.envelope.mailFrom && session.envelope.mailFrom.args) || {}) };
        cb();
      });
    },
  } as ConstructorParameters<typeof SMTPServer>[0]);
  await new Promise<void>((r) => asciiServer.listen(0, '127.0.0.1', r));
  const asciiPort = (asciiServer.server.address() as { port: number }).port;
  cleanups.push(() => new Promise<void>((r) => asciiServer.close(() => r())));

  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  retry: [1h]\n  smarthosts:\n    - { host: 127.0.0.1, port: ${aio.port}, tls: none }\n` +
      `  routes:\n    - sender: "*@dsn.example"\n      smarthosts:\n        - { host: 127.0.0.1, port: ${dsnPort}, tls: none }\n` +
      `    - sender: "*@ascii.example"\n      smarthosts:\n        - { host: 127.0.0.1, port: ${asciiPort}, tls: none }\n`,
  );
  d = await startDaemon(sb);
  cleanups.push(() => d.stop());
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The body of a CRLF message (after the first empty line). */
function bodyOf(raw: Buffer): Buffer {
  const i = raw.indexOf('\r\n\r\n');
  assert.ok(i > 0, 'the message has a header and a body');
  return raw.subarray(i + 4);
}

const BODY_8BIT = 'Grüße aus Köln — ½ € ✓\nzweite Zeile: naïve café\n';

test('an 8-bit UTF-8 body and a UTF-8 local part: BODY=8BITMIME and SMTPUTF8, byte-exact', async () => {
  const input = Buffer.from(`Subject: utf8 test\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${BODY_8BIT}`, 'utf8');
  const r = await sendmail(sb, ['-i', '-f', 'alice@example.org', '--', 'jörg@example.net'], input);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => aio.received().some((m) => m.rcpt_tos.includes('jörg@example.net')), 10_000, 'delivery to the UTF-8 address');
  const got = aio.received().find((m) => m.rcpt_tos.includes('jörg@example.net'))!;
  assert.ok(got.mail_options.includes('SMTPUTF8'), `SMTPUTF8 on MAIL FROM: ${got.mail_options.join(' ')}`);
  assert.ok(got.mail_options.includes('BODY=8BITMIME'), `BODY=8BITMIME on MAIL FROM: ${got.mail_options.join(' ')}`);
  assert.deepEqual(bodyOf(got.raw), Buffer.from(BODY_8BIT.replace(/\n/g, '\r\n'), 'utf8'), 'the body arrives byte for byte');
  assert.match(got.data, /\r\nSubject: utf8 test\r\n/);
  await waitFor(() => /: sent to=<jörg@example\.net> relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+ tls=no /.test(d.log()), 5000, 'sent line');
});

test('an 8-bit body to an ASCII address: BODY=8BITMIME without SMTPUTF8', async () => {
  const input = Buffer.from(`Subject: eight bit\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n${BODY_8BIT}`, 'utf8');
  const r = await sendmail(sb, ['-i', '-B', '8BITMIME', '-f', 'alice@example.org', '--', 'plain@example.net'], input);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => aio.received().some((m) => m.rcpt_tos.includes('plain@example.net')), 10_000, 'delivery');
  const got = aio.received().find((m) => m.rcpt_tos.includes('plain@example.net'))!;
  assert.ok(got.mail_options.includes('BODY=8BITMIME'), got.mail_options.join(' '));
  assert.ok(!got.mail_options.includes('SMTPUTF8'), got.mail_options.join(' '));
  assert.deepEqual(bodyOf(got.raw), Buffer.from(BODY_8BIT.replace(/\n/g, '\r\n'), 'utf8'));
});

test('sendmail -N success,failure -R hdrs -V id123: RET, ENVID, NOTIFY and ORCPT reach a DSN-capable smart host', async () => {
  const r = await sendmail(sb, ['-i', '-N', 'success,failure', '-R', 'hdrs', '-V', 'id123', '-f', 'app@dsn.example', '--', 'bob@example.net'], 'Subject: dsn params\n\nb\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => seen.some((s) => s.rcpts.some((x) => x.address === 'bob@example.net')), 10_000, 'delivery to the DSN host');
  const s = seen.find((x) => x.rcpts.some((y) => y.address === 'bob@example.net'))!;
  assert.equal(s.mailArgs.RET, 'HDRS');
  assert.equal(s.mailArgs.ENVID, 'id123');
  assert.equal(s.rcpts.length, 1);
  assert.equal(s.rcpts[0]!.args.NOTIFY, 'SUCCESS,FAILURE');
  // sendmail has no ORCPT flag; whatever mailroom sends must name the recipient.
  if (s.rcpts[0]!.args.ORCPT !== undefined) assert.match(String(s.rcpts[0]!.args.ORCPT), /^rfc822;bob@example\.net$/i);
  assert.match(s.data.toString(), /Subject: dsn params\r\n/);
});

test('over the local socket: NOTIFY and ORCPT per recipient and RET/ENVID arrive as submitted', async () => {
  const replies = await smtpDialog(sb.socket, [
    'EHLO client.example\r\n',
    'MAIL FROM:<ops@dsn.example> RET=FULL ENVID=QQ314159\r\n',
    'RCPT TO:<carol@example.net> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Carol@Example.NET\r\n',
    'RCPT TO:<dave@example.net> NOTIFY=NEVER\r\n',
    'DATA\r\n',
    'Subject: dsn over smtp\r\n\r\nb\r\n.\r\n',
    'QUIT\r\n',
  ]);
  assert.match(replies[6]!, /^250 2\.0\.0 Ok: queued/, replies.join('\n'));
  await waitFor(() => seen.filter((x) => x.mailArgs.ENVID === 'QQ314159').length === 2, 10_000, 'both recipients delivered');
  const txns = seen.filter((x) => x.mailArgs.ENVID === 'QQ314159');
  for (const t of txns) assert.equal(t.mailArgs.RET, 'FULL');
  const carol = txns.flatMap((t) => t.rcpts).find((x) => x.address === 'carol@example.net')!;
  const dave = txns.flatMap((t) => t.rcpts).find((x) => x.address === 'dave@example.net')!;
  assert.equal(carol.args.NOTIFY, 'SUCCESS,DELAY');
  assert.equal(carol.args.ORCPT, 'rfc822;Carol@Example.NET');
  assert.equal(dave.args.NOTIFY, 'NEVER');
  assert.equal(dave.args.ORCPT ?? 'rfc822;dave@example.net', 'rfc822;dave@example.net');
});

test('UTF-8 only in a header (RFC 6532): SMTPUTF8 is still asked for', async () => {
  const input = Buffer.from('Subject: Grüße\n\nascii body\n', 'utf8');
  const r = await sendmail(sb, ['-i', '-f', 'alice@example.org', '--', 'hdr@example.net'], input);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => aio.received().some((m) => m.rcpt_tos.includes('hdr@example.net')), 10_000, 'delivery');
  const got = aio.received().find((m) => m.rcpt_tos.includes('hdr@example.net'))!;
  assert.ok(got.mail_options.includes('SMTPUTF8'), got.mail_options.join(' '));
  assert.ok(got.mail_options.includes('BODY=8BITMIME'), got.mail_options.join(' '));
  assert.match(got.data, /\r\nSubject: Grüße\r\n/);
});

test('a server without SMTPUTF8: an internationalised address is returned (5.6.7), UTF-8 in the header goes out', async () => {
  const r = await sendmail(sb, ['-i', '-f', 'app@ascii.example', '--', 'jörg@example.net'], 'Subject: to jörg\n\nb\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => aio.received().some((m) => m.rcpt_tos.includes('app@ascii.example')), 10_000, 'the bounce to the sender');
  const dsn = aio.received().find((m) => m.rcpt_tos.includes('app@ascii.example'))!;
  assert.match(dsn.data, /Status: 5\.6\.7/);
  assert.ok(!asciiSeen.some((x) => x.rcpt.includes('example.net') && /[^\x00-\x7f]/.test(x.rcpt)), 'no UTF-8 address reached the server');

  const h = await sendmail(sb, ['-i', '-f', 'app@ascii.example', '--', 'plain@example.org'], Buffer.from('Subject: Grüße\n\nascii body\n', 'utf8'));
  assert.equal(h.code, 0, h.stderr);
  await waitFor(() => asciiSeen.some((x) => x.rcpt === 'plain@example.org' && x.data.length > 0), 10_000, 'header-only UTF-8 delivered');
  const got = asciiSeen.find((x) => x.rcpt === 'plain@example.org')!;
  assert.equal(got.mailArgs.SMTPUTF8, undefined);
  assert.ok(got.data.includes(Buffer.from('Subject: Grüße\r\n', 'utf8')));
});
