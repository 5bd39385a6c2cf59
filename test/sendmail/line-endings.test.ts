// Line endings on the sendmail path: LF, CRLF and mixed input are
// stored with clean CRLF, a CR is never doubled, and a lone CR inside a line
// stays data. PHP's own mail() (php-cli) is the real-world caller that mixes
// CRLF headers with an LF body.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { BIN, readDrops, run, sandbox, sendmail, splitMessage, type Sandbox } from '../helpers/env.js';

const boxes: Sandbox[] = [];
after(() => boxes.forEach((b) => b.cleanup()));
function box(): Sandbox {
  const sb = sandbox();
  boxes.push(sb);
  return sb;
}

/** Every LF in the stored message is preceded by exactly one CR, and no "\r\r\n" anywhere. */
function assertCleanCrlf(content: Buffer): void {
  const s = content.toString('latin1');
  assert.doesNotMatch(s, /(^|[^\r])\n/, 'a bare LF in the stored message');
  assert.doesNotMatch(s, /\r\r\n/, 'a doubled CR in the stored message');
  assert.ok(s.endsWith('\r\n'), 'ends with CRLF');
}

async function stored(input: string | Buffer, args = ['-i', 'a@x.example']): Promise<{ content: Buffer; body: string; head: string }> {
  const sb = box();
  const r = await sendmail(sb, args, input);
  assert.equal(r.code, 0, r.stderr);
  const [d] = readDrops(sb);
  assert.ok(d, 'a drop file');
  const m = splitMessage(d.content);
  return { content: d.content, body: m.body.toString('latin1'), head: m.head };
}

describe('line endings', { concurrency: 4 }, () => {
  test('PHP 8 mail() style: CRLF headers and an LF body', async () => {
    const m = await stored('To: a@x.example\r\nSubject: php\r\nX-Mailer: PHP/8\r\n\r\nline one\nline two\n\nlast\n');
    assertCleanCrlf(m.content);
    assert.match(m.head, /\r\nSubject: php\r\nX-Mailer: PHP\/8\r\n/);
    assert.equal(m.body, 'line one\r\nline two\r\n\r\nlast\r\n');
  });
  test('pure LF', async () => {
    const m = await stored('Subject: lf\n\none\ntwo\n');
    assertCleanCrlf(m.content);
    assert.equal(m.body, 'one\r\ntwo\r\n');
  });
  test('pure CRLF is kept as it is', async () => {
    const m = await stored('Subject: crlf\r\n\r\none\r\ntwo\r\n');
    assertCleanCrlf(m.content);
    assert.equal(m.body, 'one\r\ntwo\r\n');
  });
  test('mixed, line by line', async () => {
    const m = await stored('Subject: mixed\nX-A: 1\r\n\none\r\ntwo\nthree\r\n\n');
    assertCleanCrlf(m.content);
    assert.match(m.head, /\r\nSubject: mixed\r\nX-A: 1\r\n/);
    assert.equal(m.body, 'one\r\ntwo\r\nthree\r\n\r\n');
  });
  test('a lone CR inside a body line is data, not a line break', async () => {
    const m = await stored('Subject: cr\n\nprogress 10%\rprogress 20%\nnext\r\n');
    assert.equal(m.body, 'progress 10%\rprogress 20%\r\nnext\r\n');
    assert.doesNotMatch(m.content.toString('latin1'), /\r\r\n/);
  });
  test('a last line without a line ending gets one', async () => {
    const m = await stored('Subject: eof\n\nno newline at the end');
    assertCleanCrlf(m.content);
    assert.equal(m.body, 'no newline at the end\r\n');
  });
  test('input cut off right after a CR does not store "\\r\\r\\n"', async () => {
    const m = await stored('Subject: eof\r\n\r\nlast\r');
    assertCleanCrlf(m.content);
    assert.equal(m.body, 'last\r\n');
  });
  test('-t reads recipients from CRLF headers with folded lines', async () => {
    const sb = box();
    const r = await sendmail(sb, ['-t', '-i'], 'To: a@x.example,\r\n b@x.example\r\nSubject: f\r\n\r\nbody\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readDrops(sb)[0]!.env.recipients.map((x) => x.address), ['a@x.example', 'b@x.example']);
  });
});

const hasPhp = spawnSync('php', ['-v']).status === 0;

test('PHP mail() through php-cli arrives with clean CRLF', { skip: hasPhp ? false : 'php is not installed (apt-get install php-cli)' }, async () => {
  const sb = box();
  const script = [
    '$body = "Hello from PHP\\nSecond line\\n.\\nafter a lone dot\\n";',
    '$ok = mail("rcpt@x.example", "php subject", $body, ["From" => "web@x.example", "Cc" => "cc@x.example", "X-Test" => "yes"], "-fbounce@x.example");',
    'exit($ok ? 0 : 1);',
  ].join('\n');
  const r = await run('php', ['-n', '-d', `sendmail_path=${BIN}/sendmail -C ${sb.config} -t -i`, '-r', script]);
  assert.equal(r.code, 0, `php: ${r.stdout}${r.stderr}`);
  const drops = readDrops(sb);
  assert.equal(drops.length, 1);
  const d = drops[0]!;
  assertCleanCrlf(d.content);
  assert.equal(d.env.sender, 'bounce@x.example', 'the fifth mail() argument reaches -f');
  assert.deepEqual(d.env.recipients.map((x) => x.address), ['rcpt@x.example', 'cc@x.example']);
  const m = splitMessage(d.content);
  // PHP writes the body as given, then its own CRLF after it: one empty line more.
  assert.equal(m.body.toString('latin1'), 'Hello from PHP\r\nSecond line\r\n.\r\nafter a lone dot\r\n\r\n');
  const names = m.fields.map((f) => f.name.toLowerCase());
  for (const n of ['to', 'subject', 'from', 'cc', 'x-test', 'date', 'message-id']) assert.ok(names.includes(n), `header ${n}`);
  assert.equal(names[0], 'received');
});
