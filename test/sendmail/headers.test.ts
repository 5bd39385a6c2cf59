// Header fix-ups of the sendmail path: Received first; Date,
// Message-ID and From added only when missing; masquerade on the generated
// From and the envelope sender; bare names qualified with the host name.
// Long and non-ASCII -F names: RFC 2047 encoded words of at most 75
// characters, lines folded at 78, read back by Python and mailparser.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { after, describe, test } from 'node:test';
import { simpleParser, type AddressObject } from 'mailparser';
import { headerValues, readDrops, sandbox, sendmail, splitMessage, type Sandbox } from '../helpers/env.js';
import { assertFoldedHeader, pythonHeaders } from '../helpers/mime-check.js';

const boxes: Sandbox[] = [];
after(() => boxes.forEach((b) => b.cleanup()));
function box(extra = ''): Sandbox {
  const sb = sandbox(extra);
  boxes.push(sb);
  return sb;
}

async function submit(args: string[], input: string, extra = '') {
  const sb = box(extra);
  const r = await sendmail(sb, args, input);
  assert.equal(r.code, 0, r.stderr);
  const drops = readDrops(sb);
  assert.equal(drops.length, 1);
  return drops[0]!;
}

const me = userInfo().username;

describe('header fix-ups', { concurrency: 4 }, () => {
  test('Received comes first; Date, Message-ID and From are added when missing', async () => {
    const d = await submit(['-i', 'a@x.example'], 'Subject: bare\n\nbody\n');
    const { fields } = splitMessage(d.content);
    assert.equal(fields[0]!.name, 'Received');
    assert.match(fields[0]!.value, new RegExp(`^by test\\.example \\(mailroom, from userid ${process.getuid!()}\\) id ${d.id}; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}$`));
    assert.equal(fields.filter((f) => f.name === 'Received').length, 1);
    const [date] = headerValues(d.content, 'Date');
    assert.ok(date && Math.abs(Date.parse(date) - Date.now()) < 60_000, `Date ${date} is now`);
    assert.deepEqual(headerValues(d.content, 'Message-ID'), [`<${d.id}@test.example>`]);
    const [from] = headerValues(d.content, 'From');
    assert.match(from!, new RegExp(`(^|<)${me}@test\\.example>?$`), 'From is the invoking user at the host name');
    assert.equal(d.env.sender, `${me}@test.example`);
    assert.equal(d.env.user, me);
    assert.equal(d.env.uid, process.getuid!());
  });

  test('Date, Message-ID and From the message has are kept, each once', async () => {
    const input = 'From: Writer <w@x.example>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <keep@x.example>\nSubject: full\n\nbody\n';
    const d = await submit(['-i', '-F', 'Not Used', 'a@x.example'], input);
    assert.deepEqual(headerValues(d.content, 'From'), ['Writer <w@x.example>']);
    assert.deepEqual(headerValues(d.content, 'Date'), ['Mon, 1 Jan 2024 00:00:00 +0000']);
    assert.deepEqual(headerValues(d.content, 'Message-ID'), ['<keep@x.example>']);
    assert.equal(splitMessage(d.content).fields[0]!.name, 'Received');
  });

  test('header names are matched case-insensitively (a lower-case "message-id" is kept, none added)', async () => {
    const d = await submit(['-i', 'a@x.example'], 'from: w@x.example\ndate: Mon, 1 Jan 2024 00:00:00 +0000\nmessage-id: <lc@x.example>\n\nbody\n');
    assert.deepEqual(headerValues(d.content, 'Message-ID'), ['<lc@x.example>']);
    assert.equal(headerValues(d.content, 'Date').length, 1);
    assert.equal(headerValues(d.content, 'From').length, 1);
  });

  test('an mbox "From " first line is dropped, not kept as a header', async () => {
    const d = await submit(['-i', 'a@x.example'], 'From someone@x.example Mon Jan  1 00:00:00 2024\nSubject: mbox\n\nbody\n');
    assert.doesNotMatch(d.content.toString('latin1'), /\r\nFrom someone/);
    assert.deepEqual(headerValues(d.content, 'Subject'), ['mbox']);
  });

  test('masquerade applies to the generated From and the envelope sender', async () => {
    const d = await submit(['-i', 'a@x.example'], 'Subject: m\n\nbody\n', 'masquerade: example.com\n');
    assert.equal(d.env.sender, `${me}@example.com`);
    const [from] = headerValues(d.content, 'From');
    assert.match(from!, new RegExp(`(^|<)${me}@example\\.com>?$`));
  });

  test('masquerade rewrites -f user@hostname and a bare -f name, not other domains', async () => {
    const extra = 'masquerade: example.com\n';
    assert.equal((await submit(['-i', '-f', 'app@test.example', 'a@x.example'], 'Subject: m\n\nb\n', extra)).env.sender, 'app@example.com');
    assert.equal((await submit(['-i', '-f', 'app', 'a@x.example'], 'Subject: m\n\nb\n', extra)).env.sender, 'app@example.com');
    assert.equal((await submit(['-i', '-f', 'app@other.example', 'a@x.example'], 'Subject: m\n\nb\n', extra)).env.sender, 'app@other.example');
  });

  test('bare recipient names are qualified with the host name (argv and -t)', async () => {
    const d = await submit(['-t', '-i', 'root'], 'To: postmaster, Web <www-data>\nSubject: q\n\nbody\n');
    assert.deepEqual(d.env.recipients.map((r) => r.address), ['root@test.example', 'postmaster@test.example', 'www-data@test.example']);
    assert.deepEqual(headerValues(d.content, 'To'), ['postmaster, Web <www-data>'], 'the header itself is not rewritten');
  });

  test('a bare -f name is qualified with the host name', async () => {
    assert.equal((await submit(['-i', '-f', 'cron', 'a@x.example'], 'Subject: q\n\nb\n')).env.sender, 'cron@test.example');
  });

  test('an 8-bit body is recorded as 8BITMIME, a UTF-8 address as SMTPUTF8', async () => {
    const d1 = await submit(['-i', 'a@x.example'], 'Subject: 8\n\ncafé\n');
    assert.equal(d1.env.body, '8BITMIME');
    assert.equal(d1.env.smtputf8, false);
    const d2 = await submit(['-i', 'jürgen@x.example'], 'Subject: u\n\nplain\n');
    assert.equal(d2.env.smtputf8, true);
  });
});

const LONG_NAME = 'Zoë Größenwahn-Überbürokratisierungsbeauftragte der Städtischen Müllabfuhr Köln-Ehrenfeld';

describe('long and non-ASCII full names (-F)', { concurrency: 4 }, () => {
  /** Submits with -F name; checks every header line and returns the stored message and what readers make of From. */
  async function withName(name: string) {
    const d = await submit(['-i', '-F', name, 'a@x.example'], 'Subject: name test\n\nbody\n');
    assertFoldedHeader(splitMessage(d.content).head);
    const py = await pythonHeaders(d.content);
    const parsed = await simpleParser(d.content);
    return { d, py, mailparser: (parsed.from as AddressObject).value[0]! };
  }

  test('the 90-character non-ASCII name: encoded words, folded, decoded back unchanged', async () => {
    const { d, py, mailparser } = await withName(LONG_NAME);
    const lines = splitMessage(d.content).head.split('\r\n');
    const from = lines.findIndex((l) => l.startsWith('From: '));
    assert.ok(lines[from + 1]!.startsWith(' '), 'the From field is folded');
    assert.match(lines[from]!, /^From: =\?UTF-8\?[QB]\?/);
    assert.equal(py.decoded.From, `${LONG_NAME} <${me}@test.example>`, 'email.header.decode_header');
    assert.equal(mailparser.name, LONG_NAME);
    assert.equal(mailparser.address, `${me}@test.example`);
  });

  test('a long ASCII name stays plain atoms, folded at a space', async () => {
    const name = 'Bartholomew Fitzgerald-Worthington the Third of the Honourable Company of Extremely Long Names';
    const { d, py, mailparser } = await withName(name);
    assert.doesNotMatch(d.content.toString('latin1'), /=\?/, 'no encoded words for plain ASCII');
    assert.equal(headerValues(d.content, 'From')[0], `${name} <${me}@test.example>`);
    assert.deepEqual(py.names.From, [name]);
    assert.equal(mailparser.name, name);
  });

  test('ASCII specials become a quoted-string with quoted-pairs', async () => {
    const name = 'O\'Brien, "Al" \\ Jr. <boss@example.org>';
    const { d, py, mailparser } = await withName(name);
    assert.equal(headerValues(d.content, 'From')[0], `"O'Brien, \\"Al\\" \\\\ Jr. <boss@example.org>" <${me}@test.example>`);
    assert.deepEqual(py.names.From, [name]);
    assert.equal(mailparser.name, name);
    assert.equal(mailparser.address, `${me}@test.example`, 'the address in the name is not taken for the address');
  });

  test('non-ASCII with specials, or a literal "=?...?=", is encoded whole', async () => {
    for (const name of ['Zoë "die Chefin" Ärger, Köln', 'Jürgen =?UTF-8?Q?Mallory?=']) {
      const { py, mailparser } = await withName(name);
      assert.equal(py.decoded.From, `${name} <${me}@test.example>`);
      assert.equal(mailparser.name, name);
    }
  });

  test('a non-ASCII name only partly non-ASCII keeps its plain words as atoms', async () => {
    const { d, mailparser } = await withName('Anna Zoë Smith');
    assert.match(headerValues(d.content, 'From')[0]!, /^Anna =\?UTF-8\?Q\?Zo=C3=AB\?= Smith </);
    assert.equal(mailparser.name, 'Anna Zoë Smith');
  });

  test('a From header over 998 octets is still refused', async () => {
    const sb = box();
    const r = await sendmail(sb, ['-i', '-F', 'ü'.repeat(400), 'a@x.example'], 'Subject: big\n\nbody\n');
    assert.equal(r.code, 65);
    assert.match(r.stderr, /full name \(-F\) makes the From header \d+ octets long; the limit is 998/);
    assert.equal(readDrops(sb).length, 0);
  });

  test('a long host name and HELO: Received folds between its clauses, nothing over 78 that could fold', async () => {
    const sb = box();
    const host = 'mail-relay-for-the-staedtische-muellabfuhr-koeln.internal.example';
    writeFileSync(sb.config, `hostname: ${host}\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: hold\n`);
    const helo = `${'client-'.repeat(9)}host.example`;
    const smtp = `EHLO ${helo}\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nDATA\r\nSubject: s\r\n\r\nb\r\n.\r\nQUIT\r\n`;
    const r = await sendmail(sb, ['-bs'], smtp);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /250 2\.0\.0 Ok: queued as /);
    const [d] = readDrops(sb);
    const head = splitMessage(d!.content).head;
    assertFoldedHeader(head);
    const lines = head.split('\r\n');
    assert.deepEqual(lines.slice(0, 5), [
      'Received: from',
      ` ${helo}`,
      `\tby ${host}`,
      ` (mailroom, from userid ${process.getuid!()}) with ESMTP`,
      lines[4],
    ]);
    assert.match(lines[4]!, new RegExp(`^\\tid ${d!.id}; \\w{3}, `));
    assert.deepEqual(headerValues(d!.content, 'Message-ID'), [`<${d!.id}@${host}>`], 'an unbreakable message id stays on its line');
  });
});
