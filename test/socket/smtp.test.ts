// SMTP on the local Unix socket, driven by clients nobody here wrote: Python's
// smtplib and swaks; a raw client where bytes and timing matter.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, sandbox, startDaemon, type DaemonProc, type Sandbox, queuedIds, queuedEnvPath, queuedEnvelope } from '../helpers/env.js';
import { PYTHON } from '../helpers/daemon.js';
import { rawClient } from '../helpers/smtp-client.js';

const LIMIT = 100 * 1024;
let sb: Sandbox;
let daemon: DaemonProc;
before(async () => {
  sb = sandbox('maxMessageSize: 100KB\n');
  daemon = await startDaemon(sb);
});
after(async () => {
  await daemon.stop();
  sb.cleanup();
});

const PY_CONNECT = `
import smtplib, socket, sys, json
s = smtplib.SMTP()
s.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.sock.connect(sys.argv[1])
s.getreply()
`;

async function python(script: string, ...args: string[]): Promise<any> {
  const r = await run(PYTHON, ['-c', PY_CONNECT + script, sb.socket, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// Queued messages in any state: the queue manager moves them on at once (to hold/ in the sandbox).
const incoming = () => queuedIds(sb).map((id) => `${id}.env`);
const envelopeOf = (id: string) => queuedEnvelope(sb, id);
const queuedId = (reply: string) => /queued as ([0-9A-Z]{18})/.exec(reply)?.[1];

test('EHLO advertises SIZE, 8BITMIME, SMTPUTF8, PIPELINING and DSN (smtplib)', async () => {
  const r = await python(`
code, _ = s.ehlo('client.example')
print(json.dumps({'code': code, 'features': s.esmtp_features}))
s.quit()
`);
  assert.equal(r.code, 250);
  for (const f of ['size', '8bitmime', 'smtputf8', 'pipelining', 'dsn']) assert.ok(f in r.features, `${f} in ${JSON.stringify(r.features)}`);
  assert.equal(Number(r.features.size), LIMIT);
  assert.ok(!('starttls' in r.features) && !('auth' in r.features), 'no STARTTLS/AUTH on the local socket');
});

test('a message sent with smtplib and DSN parameters lands with them in the envelope', async () => {
  const r = await python(`
s.ehlo('client.example')
s.mail('alice@example.org', ['RET=HDRS', 'ENVID=report+2B42'])
s.rcpt('bob@example.net', ['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;bob@example.net'])
s.rcpt('carol@example.org', ['NOTIFY=NEVER'])
s.rcpt('dave@example.org')
code, resp = s.data(b'Subject: dsn\\r\\n\\r\\nhello\\r\\n')
s.quit()
print(json.dumps({'code': code, 'resp': resp.decode()}))
`);
  assert.equal(r.code, 250);
  const id = queuedId(r.resp);
  assert.ok(id, r.resp);
  const env = envelopeOf(id);
  assert.equal(env.sender, 'alice@example.org');
  assert.equal(env.source, 'socket');
  assert.deepEqual(env.dsn, { ret: 'HDRS', envid: 'report+42' }); // ENVID is xtext (RFC 3461 §4): +2B is '+'
  assert.deepEqual(env.recipients, [
    { address: 'bob@example.net', status: 'pending', attempts: 0, lastError: null, notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;bob@example.net' },
    { address: 'carol@example.org', status: 'pending', attempts: 0, lastError: null, notify: ['NEVER'] },
    { address: 'dave@example.org', status: 'pending', attempts: 0, lastError: null },
  ]);
  const eml = readFileSync(join(sb.spool, 'data', `${id}.eml`), 'utf8');
  assert.match(eml, /^Received: from client\.example by test\.example \(mailroom\) with ESMTP\r\n\tid /);
  assert.match(eml, /\r\nSubject: dsn\r\n/);
  assert.match(eml, /\r\nMessage-ID: <[^>]+>\r\n/);
  assert.match(eml, /\r\n\r\nhello\r\n$/);
});

test('8BITMIME and SMTPUTF8: an internationalised sender and an 8-bit body are kept byte for byte', async () => {
  const r = await python(`
s.ehlo('client.example')
s.mail('jörg@exämple.org', ['BODY=8BITMIME', 'SMTPUTF8'])
s.rcpt('bob@example.net')
code, resp = s.data('Subject: Grüße\\r\\n\\r\\nGrüße aus Köln\\r\\n'.encode('utf-8'))
s.quit()
print(json.dumps({'code': code, 'resp': resp.decode()}))
`);
  assert.equal(r.code, 250, r.resp);
  const id = queuedId(r.resp)!;
  const env = envelopeOf(id);
  assert.equal(env.sender, 'jörg@exämple.org');
  assert.equal(env.body, '8BITMIME');
  assert.equal(env.smtputf8, true);
  const eml = readFileSync(join(sb.spool, 'data', `${id}.eml`));
  assert.ok(eml.includes(Buffer.from('\r\nSubject: Grüße\r\n', 'utf8')));
  assert.ok(eml.includes(Buffer.from('\r\n\r\nGrüße aus Köln\r\n', 'utf8')));
});

test('SMTPUTF8 asked for on MAIL FROM is recorded even for an ASCII message', async () => {
  const r = await python(`
s.ehlo('client.example')
s.mail('alice@example.org', ['SMTPUTF8'])
s.rcpt('bob@example.net')
code, resp = s.data(b'Subject: ascii\\r\\n\\r\\nplain\\r\\n')
s.quit()
print(json.dumps({'code': code, 'resp': resp.decode()}))
`);
  assert.equal(r.code, 250, r.resp);
  assert.equal(envelopeOf(queuedId(r.resp)!).smtputf8, true);
});

test('swaks over the socket, with PIPELINING', async () => {
  const r = await run('swaks', ['--socket', sb.socket, '--ehlo', 'swaks.example', '--from', 'swaks@example.org', '--to', 'bob@example.net,carol@example.net', '--pipeline', '--header', 'Subject: from swaks', '--body', 'swaks body']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const id = /<-\s+250 .*queued as ([0-9A-Z]{18})/.exec(r.stdout)?.[1];
  assert.ok(id, r.stdout);
  const env = envelopeOf(id);
  assert.equal(env.sender, 'swaks@example.org');
  assert.deepEqual(env.recipients.map((x: { address: string }) => x.address), ['bob@example.net', 'carol@example.net']);
  assert.match(readFileSync(join(sb.spool, 'data', `${id}.eml`), 'utf8'), /\r\nSubject: from swaks\r\n[\s\S]*swaks body/);
});

test('a pipelined transaction in one write gets its replies in order', async () => {
  const c = await rawClient(sb.socket);
  try {
    assert.match((await c.replies(1))[0]!, /^220 /);
    c.write('EHLO pipe.example\r\nMAIL FROM:<p@example.org>\r\nRCPT TO:<one@example.net>\r\nRCPT TO:<bad address@example.net>\r\nRCPT TO:<two@example.net>\r\nDATA\r\n');
    const [ehlo, mail, r1, r2, r3, data] = await c.replies(6);
    assert.match(ehlo!, /^250-/);
    assert.match(mail!, /^250 /);
    assert.match(r1!, /^250 /);
    assert.match(r2!, /^5\d\d /);
    assert.match(r3!, /^250 /);
    assert.match(data!, /^354 /);
    c.write('Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n');
    const [done, bye] = await c.replies(2);
    assert.match(done!, /^250 /);
    assert.match(bye!, /^221 /);
    const env = envelopeOf(queuedId(done!)!);
    assert.deepEqual(env.recipients.map((x: { address: string }) => x.address), ['one@example.net', 'two@example.net']);
  } finally {
    c.close();
  }
});

test('250 is sent only once the envelope and the message are on disk', async () => {
  const seen: { id: string; env: boolean; eml: boolean }[] = [];
  const c = await rawClient(sb.socket, (reply) => {
    // runs in the same tick as the reply arrives: nothing can be written meanwhile by us
    const id = queuedId(reply);
    if (id) seen.push({ id, env: queuedEnvPath(sb, id) !== undefined, eml: existsSync(join(sb.spool, 'data', `${id}.eml`)) });
  });
  try {
    await c.replies(1);
    c.write('EHLO disk.example\r\n');
    await c.replies(1);
    for (let i = 0; i < 20; i++) {
      c.write(`MAIL FROM:<d@example.org>\r\nRCPT TO:<r${i}@example.net>\r\nDATA\r\n`);
      await c.replies(3);
      c.write(`Subject: n${i}\r\n\r\n${'y'.repeat(1000 * i)}\r\n.\r\n`);
      assert.match((await c.replies(1))[0]!, /^250 /);
    }
  } finally {
    c.close();
  }
  assert.equal(seen.length, 20);
  for (const s of seen) assert.deepEqual(s, { id: s.id, env: true, eml: true });
});

test('SIZE: a MAIL FROM that announces too much gets 552 and nothing is queued', async () => {
  const before = incoming();
  const r = await python(`
s.ehlo('client.example')
code, resp = s.mail('big@example.org', ['SIZE=${LIMIT + 1}'])
print(json.dumps({'code': code, 'resp': resp.decode()}))
s.quit()
`);
  assert.equal(r.code, 552, r.resp);
  assert.deepEqual(incoming(), before);
});

test('SIZE: an oversized DATA gets 552, nothing is queued, and the session goes on', async () => {
  const before = incoming();
  const r = await python(`
s.ehlo('client.example')
s.mail('big@example.org')
s.rcpt('bob@example.net')
big = b'Subject: big\\r\\n\\r\\n' + (b'z' * 998 + b'\\r\\n') * ${Math.ceil((LIMIT * 1.5) / 1000)}
code, resp = s.data(big)
s.rset()
s.mail('small@example.org')
s.rcpt('bob@example.net')
code2, resp2 = s.data(b'Subject: small\\r\\n\\r\\nok\\r\\n')
s.quit()
print(json.dumps({'code': code, 'resp': resp.decode(), 'code2': code2, 'resp2': resp2.decode()}))
`);
  assert.equal(r.code, 552, r.resp);
  assert.equal(r.code2, 250, r.resp2);
  const added = incoming().filter((f) => !before.includes(f));
  assert.equal(added.length, 1);
  assert.equal(envelopeOf(added[0]!.slice(0, -4)).sender, 'small@example.org');
  assert.deepEqual(readdirSync(join(sb.spool, 'tmp')), []);
});

test('an empty RCPT TO:<> is refused', async () => {
  const c = await rawClient(sb.socket);
  try {
    await c.replies(1);
    c.write('EHLO x.example\r\n');
    await c.replies(1);
    c.write('MAIL FROM:<a@example.org>\r\n');
    assert.match((await c.replies(1))[0]!, /^250 /);
    c.write('RCPT TO:<>\r\n');
    assert.match((await c.replies(1))[0]!, /^5\d\d /);
  } finally {
    c.close();
  }
});
