// sendmail -bs: real SMTP on the process's stdin/stdout. Driven by a
// client nobody here wrote — Python's smtplib, attached to the child's pipes
// through a socketpair — and by the exact exchange Symfony Mailer's
// SendmailTransport writes, byte for byte, from Node.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN, headerValues, maildropNames, readDrops, run, sandbox, splitMessage, type Sandbox } from '../helpers/env.js';

const boxes: Sandbox[] = [];
after(() => boxes.forEach((b) => b.cleanup()));
function box(extra = ''): Sandbox {
  // No daemon of the helper's (SENDMAIL_PATH): -bs is the Node path's, with the daemon down as written.
  const sb = sandbox(extra, { ownDaemon: true });
  boxes.push(sb);
  return sb;
}

/**
 * smtplib.SMTP whose "socket" is one end of a socketpair; two threads copy the
 * other end to and from `sendmail -bs`. One session, two messages: the first
 * through smtplib.sendmail() with DSN options, the second pipelined by hand
 * (MAIL, RCPT x3 and DATA in one write, as RFC 2920 allows).
 */
const PY_CLIENT = String.raw`
import json, smtplib, socket, subprocess, sys, threading

sendmail, config = sys.argv[1], sys.argv[2]
proc = subprocess.Popen([sendmail, '-bs', '-C', config], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
ours, theirs = socket.socketpair()

def to_child():
    while True:
        d = theirs.recv(65536)
        if not d:
            break
        proc.stdin.write(d)
        proc.stdin.flush()
    proc.stdin.close()

def from_child():
    while True:
        d = proc.stdout.read1(65536) if hasattr(proc.stdout, 'read1') else proc.stdout.read(1)
        if not d:
            break
        theirs.sendall(d)
    theirs.shutdown(socket.SHUT_WR)

threading.Thread(target=to_child, daemon=True).start()
threading.Thread(target=from_child, daemon=True).start()

class PipeSMTP(smtplib.SMTP):
    def _get_socket(self, host, port, timeout):
        ours.settimeout(timeout)
        return ours

out = {}
s = PipeSMTP(timeout=20)
out['greeting'] = list(s.connect('sendmail-bs'))
out['greeting'][1] = out['greeting'][1].decode()
code, msg = s.ehlo('client.example')
out['ehlo'] = [code, msg.decode()]
out['features'] = {k: v for k, v in s.esmtp_features.items()}

msg1 = b'From: One <one@x.example>\r\nTo: r1@x.example\r\nSubject: first\r\n\r\nfirst body\r\n.leading dot\r\n'
refused = s.sendmail('one@x.example', ['r1@x.example', 'r2@x.example'], msg1,
                     mail_options=['RET=HDRS', 'ENVID=env+2Bone', 'BODY=8BITMIME'],
                     rcpt_options=['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;r1@x.example'])
out['refused1'] = refused

s.send('MAIL FROM:<two@x.example>\r\nRCPT TO:<r3@x.example> NOTIFY=NEVER ORCPT=rfc822;Old+2BTag@x.example\r\nRCPT TO:<bad address@x.example>\r\nRCPT TO:<r4@x.example>\r\nDATA\r\n')
out['pipelined'] = []
for _ in range(5):
    c, m = s.getreply()
    out['pipelined'].append([c, m.decode()])
s.send('Subject: second\r\n\r\nsecond body\r\n..\r\n.\r\n')
c, m = s.getreply()
out['data2'] = [c, m.decode()]
c, m = s.docmd('RSET')
out['rset'] = [c, m.decode()]
c, m = s.quit()
out['quit'] = [c, m.decode()]
out['rc'] = proc.wait(timeout=20)
print(json.dumps(out))
`;

describe('-bs with Python smtplib over the pipes', () => {
  test('two messages in one session: EHLO, DSN parameters, PIPELINING', async () => {
    const sb = box();
    const script = join(sb.dir, 'client.py');
    writeFileSync(script, PY_CLIENT);
    const r = await run('/usr/bin/python3', [script, join(BIN, 'sendmail'), sb.config], '', { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.greeting, [220, 'test.example ESMTP mailroom']);
    assert.equal(out.ehlo[0], 250);
    for (const ext of ['pipelining', 'dsn', '8bitmime', 'smtputf8', 'enhancedstatuscodes']) assert.ok(ext in out.features, `EHLO offers ${ext}`);
    assert.equal(out.features.size, '26214400');
    assert.deepEqual(out.refused1, {});
    assert.deepEqual(
      out.pipelined.map((p: [number, string]) => p[0]),
      [250, 250, 553, 250, 354],
      'a pipelined group is answered in order, the bad RCPT alone refused',
    );
    assert.match(out.pipelined[2][1], /^5\.1\.3 /);
    assert.equal(out.data2[0], 250);
    assert.deepEqual(out.rset, [250, '2.0.0 Ok']);
    assert.equal(out.quit[0], 221);
    assert.equal(out.rc, 0, 'sendmail -bs exits 0 after QUIT');

    const drops = readDrops(sb);
    assert.equal(drops.length, 2);
    const byIds = new Map(drops.map((d) => [headerValues(d.content, 'Subject')[0], d]));
    const one = byIds.get('first')!;
    const two = byIds.get('second')!;
    assert.ok(one && two);

    assert.equal(one.env.sender, 'one@x.example');
    assert.deepEqual(one.env.recipients, [
      { address: 'r1@x.example', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;r1@x.example' },
      { address: 'r2@x.example', notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;r1@x.example' },
    ]);
    assert.deepEqual(one.env.dsn, { ret: 'HDRS', envid: 'env+one' }, 'ENVID is xtext-decoded');
    assert.equal(one.env.body, '8BITMIME');
    assert.equal(splitMessage(one.content).body.toString('latin1'), 'first body\r\n.leading dot\r\n', 'smtplib dot-stuffs, sendmail unstuffs');
    // 82 characters on one line, so the with clause goes to a line of its own (folded at 78).
    assert.match(one.content.toString('latin1'), new RegExp(`^Received: from client\\.example by test\\.example \\(mailroom, from userid \\d+\\)\\r\\n\\twith ESMTP\\r\\n\\tid ${one.id}; `));
    assert.match(out.data2[1], new RegExp(`^2\\.0\\.0 Ok: queued as ${two.id}$`));

    assert.equal(two.env.sender, 'two@x.example');
    assert.deepEqual(two.env.recipients, [{ address: 'r3@x.example', notify: ['NEVER'], orcpt: 'rfc822;Old+Tag@x.example' }, { address: 'r4@x.example' }]);
    assert.deepEqual(two.env.dsn, {});
    assert.equal(splitMessage(two.content).body.toString('latin1'), 'second body\r\n.\r\n');
  });
});

/** Drives `sendmail -bs` the way a client does: each command after the previous reply. */
async function dialog(sb: Sandbox, commands: string[]): Promise<{ replies: string[]; code: number | null; stderr: string }> {
  const child = spawn(join(BIN, 'sendmail'), ['-bs', '-C', sb.config], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  let stderr = '';
  const replies: string[] = [];
  let wake: (() => void) | undefined;
  child.stdout.on('data', (d) => {
    buf += d.toString('latin1');
    let m: RegExpExecArray | null;
    while ((m = /^((?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n)/.exec(buf))) {
      replies.push(m[1]!.trimEnd());
      buf = buf.slice(m[1]!.length);
      wake?.();
    }
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const next = async (n: number) => {
    while (replies.length < n) await new Promise<void>((r) => (wake = r));
  };
  await next(1);
  for (let i = 0; i < commands.length; i++) {
    child.stdin.write(commands[i]);
    await next(i + 2);
  }
  child.stdin.end();
  const code = await exited;
  clearTimeout(timer);
  return { replies, code, stderr };
}

describe('-bs as Symfony Mailer speaks it', () => {
  test('EHLO, MAIL FROM, RCPT TO, DATA with a dot-stuffed line, QUIT', async () => {
    const sb = box();
    // Symfony's SmtpTransport: EHLO with its local domain, one command per write,
    // the message dot-stuffed (a leading "." doubled) and ended with CRLF.CRLF.
    const message = [
      'From: App <app@x.example>',
      'To: user@x.example',
      'Subject: Symfony',
      'Message-ID: <abc@symfony.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Hello',
      '..starts with a dot',
      '..',
      'end',
    ].join('\r\n');
    const r = await dialog(sb, ['EHLO [127.0.0.1]\r\n', 'MAIL FROM:<app@x.example>\r\n', 'RCPT TO:<user@x.example>\r\n', 'DATA\r\n', message + '\r\n.\r\n', 'QUIT\r\n']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const codes = r.replies.map((x) => x.slice(0, 3));
    assert.deepEqual(codes, ['220', '250', '250', '250', '354', '250', '221']);
    assert.match(r.replies[1]!, /^250-test\.example\r\n(250-[A-Z0-9 ]+\r\n)*250 HELP$/);
    const [d] = readDrops(sb);
    assert.ok(d);
    assert.match(r.replies[5]!, new RegExp(`^250 2\\.0\\.0 Ok: queued as ${d.id}$`));
    assert.equal(d.env.sender, 'app@x.example');
    assert.deepEqual(d.env.recipients, [{ address: 'user@x.example' }]);
    assert.equal(splitMessage(d.content).body.toString('latin1'), 'Hello\r\n.starts with a dot\r\n.\r\nend\r\n');
    assert.deepEqual(headerValues(d.content, 'Message-ID'), ['<abc@symfony.example>']);
    assert.match(d.content.toString('latin1'), /^Received: from \[127\.0\.0\.1\] by test\.example /);
  });

  test('bad and unknown addresses are refused at MAIL / RCPT, and DATA without recipients is refused', async () => {
    const sb = box();
    const r = await dialog(sb, [
      'HELO bad\rBcc: evil@x.example\r\n',
      'HELO client\r\n',
      'RCPT TO:<early@x.example>\r\n',
      'MAIL FROM:<a\\"b c@x.example>\r\n',
      'MAIL FROM:<>\r\n',
      'RCPT TO:<no-such-local-user>\r\n',
      'RCPT TO:<has space@x.example>\r\n',
      'DATA\r\n',
      'NOOP\r\n',
      'QUIT\r\n',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.replies.map((x) => x.slice(0, 9)),
      ['220 test.', '501 5.5.2', '250 test.', '503 5.5.1', '501 5.1.7', '250 2.1.0', '550 5.1.1', '553 5.1.3', '554 5.5.1', '250 2.0.0', '221 2.0.0'],
    );
    assert.deepEqual(maildropNames(sb), []);
  });

  test('a message over maxMessageSize is refused with 552 and nothing is written', async () => {
    const sb = box('maxMessageSize: 2KB\n');
    const r = await dialog(sb, ['EHLO c\r\n', 'MAIL FROM:<a@x.example> SIZE=999999\r\n', 'MAIL FROM:<a@x.example>\r\n', 'RCPT TO:<b@x.example>\r\n', 'DATA\r\n', `Subject: big\r\n\r\n${'x'.repeat(5000)}\r\n.\r\n`, 'QUIT\r\n']);
    assert.deepEqual(r.replies.map((x) => x.slice(0, 3)), ['220', '250', '552', '250', '250', '354', '552', '221']);
    assert.deepEqual(maildropNames(sb), []);
  });

  test('the end of input in the middle of DATA writes nothing', async () => {
    const sb = box();
    const r = await run(join(BIN, 'sendmail'), ['-bs', '-C', sb.config], 'EHLO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\nSubject: cut\r\n\r\nno end\r\n');
    assert.match(r.stdout, /354 /);
    assert.doesNotMatch(r.stdout, /queued as/);
    assert.deepEqual(maildropNames(sb), []);
  });
});

test('-bs: a command line that never ends closes the session with 421 instead of growing', async () => {
  const sb = box();
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, '-bs'], 'EHLO client.example\r\n' + 'a'.repeat(20_000));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\r\n421 4\.7\.0 Line too long/);
  assert.deepEqual(maildropNames(sb), []);
});
