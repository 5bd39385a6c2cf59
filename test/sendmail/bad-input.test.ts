// Hostile and broken input to bin/sendmail (everything on stdin is treated
// as hostile): each refusal is one clear line on stderr, the sysexits
// code, and nothing left in maildrop/ — not even a temporary file. The one
// repair: an over-long body line is re-encoded quoted-printable, content exact.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { headerValues, maildropNames, readDrops, sandbox, sendmail, splitMessage, type Sandbox } from '../helpers/env.js';

const boxes: Sandbox[] = [];
after(() => boxes.forEach((b) => b.cleanup()));
function box(extra = ''): Sandbox {
  const sb = sandbox(extra);
  boxes.push(sb);
  return sb;
}

async function refused(args: string[], input: string | Buffer, code: number, reason: RegExp, sb = box()) {
  const r = await sendmail(sb, args, input);
  assert.equal(r.code, code, `exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /^sendmail: [^\n]+\n$/, `one line on stderr, got ${JSON.stringify(r.stderr.slice(0, 300))}`);
  assert.ok(r.stderr.length < 400, 'the reason is short (no echo of the input)');
  assert.match(r.stderr, reason);
  assert.deepEqual(maildropNames(sb), [], 'nothing written to maildrop/');
}

const MB = 1024 * 1024;

describe('refused with EX_DATAERR (65)', { concurrency: 4 }, () => {
  test('a NUL byte in the body', () => refused(['-i', 'a@x.example'], Buffer.from('Subject: n\n\nab\0cd\n'), 65, /NUL/));
  test('a NUL byte in a header', () => refused(['-i', 'a@x.example'], Buffer.from('Subject: a\0b\n\nbody\n'), 65, /NUL/));
  test('a bare CR inside a header line', () => refused(['-i', 'a@x.example'], 'Subject: one\rBcc: evil@x.example\n\nbody\n', 65, /header line 1 .*bare CR/));
  test('a 1 MB header line', () => refused(['-i', 'a@x.example'], `To: a@x.example\nSubject: ${'h'.repeat(MB)}\n\nbody\n`, 65, /header line 2 is \d+ octets/));
  test('a 1 MB folded continuation line', () => refused(['-i', 'a@x.example'], `Subject: s\n ${'h'.repeat(MB)}\n\nbody\n`, 65, /header line 2 is \d+ octets/));
  test('invalid UTF-8 in a header', () => refused(['-i', 'a@x.example'], Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from('\n\nbody\n')]), 65, /header line 1 is not valid UTF-8/));
  test('a recipient address with spaces', () => refused(['-i', 'john smith@x.example'], 'Subject: s\n\nbody\n', 65, /bad recipient/));
  test('a -t recipient address with spaces', () => refused(['-t', '-i'], 'To: "a" <john smith@x.example>\n\nbody\n', 65, /bad recipient/));
  test('a sender address with spaces', () => refused(['-i', '-f', 'a b@x.example', 'a@x.example'], 'Subject: s\n\nbody\n', 65, /bad sender/));
  test('-f with a newline (header injection)', () => refused(['-i', '-f', 'a@x.example\nBcc: evil@x.example', 'a@x.example'], 'Subject: s\n\nbody\n', 65, /bad sender: .*line break/));
  test('-F with a newline (header injection)', () => refused(['-i', '-F', 'Joe\nBcc: evil@x.example', 'a@x.example'], 'Subject: s\n\nbody\n', 65, /full name \(-F\).*line break/));
  test('-F with a newline even when the message has its own From', () =>
    refused(['-i', '-F', 'Joe\r\nBcc: evil@x.example', 'a@x.example'], 'From: me@x.example\n\nbody\n', 65, /full name \(-F\)/));
  test('-F so long that the From header would pass 998 octets', () => refused(['-i', '-F', 'N'.repeat(2000), 'a@x.example'], 'Subject: s\n\nbody\n', 65, /full name \(-F\).*998/));
  test('a message over maxMessageSize', () => refused(['-i', 'a@x.example'], `Subject: big\n\n${'x'.repeat(2000)}\n`, 65, /maxMessageSize/, box('maxMessageSize: 1KB\n')));
  test('a message far over maxMessageSize is refused while reading', () =>
    refused(['-i', 'a@x.example'], `Subject: big\n\n${'0123456789\n'.repeat(100_000)}`, 65, /maxMessageSize/, box('maxMessageSize: 10KB\n')));
});

test('a message just under maxMessageSize is accepted', async () => {
  const sb = box('maxMessageSize: 4KB\n');
  const r = await sendmail(sb, ['-i', 'a@x.example'], `Subject: ok\n\n${'x'.repeat(3000)}\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readDrops(sb).length, 1);
});

/** Decodes quoted-printable (RFC 2045 §6.7): soft breaks and =XX escapes. */
function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=') {
      out.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(joined.charCodeAt(i));
  }
  return Buffer.from(out);
}

test('a 1 MB body line is repaired: quoted-printable with its header, content exact, exit 0', async () => {
  const sb = box();
  // Every kind of octet QP must escape or keep: '=', spaces, tabs, 8-bit UTF-8, a trailing space.
  const unit = Buffer.from('abc= déf\tghi ', 'utf8');
  const long = Buffer.concat(Array.from({ length: Math.ceil(MB / unit.length) }, () => unit));
  const original = Buffer.concat([long, Buffer.from('\r\nsecond line\r\n')]);
  const r = await sendmail(sb, ['-i', 'a@x.example'], Buffer.concat([Buffer.from('Subject: long\nContent-Type: text/plain; charset=utf-8\n\n'), long, Buffer.from('\nsecond line\n')]));
  assert.equal(r.code, 0, r.stderr);
  const [d] = readDrops(sb);
  assert.ok(d);
  assert.deepEqual(headerValues(d.content, 'Content-Transfer-Encoding'), ['quoted-printable']);
  assert.deepEqual(headerValues(d.content, 'MIME-Version'), ['1.0']);
  assert.deepEqual(headerValues(d.content, 'Content-Type'), ['text/plain; charset=utf-8']);
  const { body } = splitMessage(d.content);
  for (const line of body.toString('latin1').split('\r\n')) assert.ok(line.length <= 76, `encoded line of ${line.length} octets`);
  assert.ok(decodeQuotedPrintable(body.toString('latin1')).equals(original), 'decoded body equals the original');
  assert.equal(d.env.body, '7BIT', 'after re-encoding the body is 7-bit');
});

test('a 1 MB body line in a multipart message cannot be re-encoded: refused (65)', () =>
  refused(
    ['-i', 'a@x.example'],
    `Subject: m\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n${'y'.repeat(MB)}\n--b--\n`,
    65,
    /body line \d+ is \d+ octets/,
  ),
);

test('the configuration file missing is EX_CONFIG (78) with nothing written', async () => {
  const sb = box();
  const r = await sendmail(sb, ['-C', `${sb.dir}/nope.yaml`, '-i', 'a@x.example'], 'Subject: s\n\nb\n');
  assert.equal(r.code, 78, r.stderr);
  assert.match(r.stderr, /^sendmail: [^\n]*nope\.yaml[^\n]*\n$/);
  assert.deepEqual(maildropNames(sb), []);
});
