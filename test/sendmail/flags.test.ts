// The sendmail(8) flags on the delivery path: the real bin/sendmail runs
// against a sandbox config with no daemon, and each test reads what it left in
// maildrop/ (a JSON envelope line, then the CRLF message).
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

/** Runs sendmail, expects exit 0 and exactly one drop file, and returns it. */
async function submitOne(args: string[], input: string | Buffer, sb = box()) {
  const r = await sendmail(sb, args, input);
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  const drops = readDrops(sb);
  assert.equal(drops.length, 1, 'one drop file');
  return { ...drops[0]!, stderr: r.stderr, stdout: r.stdout };
}

/** Runs sendmail, expects the given exit code, a one-line stderr reason and nothing in maildrop/. */
async function refused(args: string[], input: string | Buffer, code: number, reason: RegExp) {
  const sb = box();
  const r = await sendmail(sb, args, input);
  assert.equal(r.code, code, `exit ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /^sendmail: [^\n]+\n$/, 'one line on stderr');
  assert.match(r.stderr, reason);
  assert.deepEqual(maildropNames(sb), [], 'nothing written to maildrop/');
}

const rcpts = (d: { env: { recipients: { address: string }[] } }) => d.env.recipients.map((r) => r.address);

describe('recipients', { concurrency: 4 }, () => {
  test('recipients on argv, also comma-separated, become the envelope', async () => {
    const d = await submitOne(['-i', 'a@x.example', 'b@x.example, c@x.example', '<d@x.example>'], 'Subject: r\n\nbody\n');
    assert.deepEqual(rcpts(d), ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example']);
  });

  test('-t adds To, Cc and Bcc addresses to those on argv, and Bcc is removed from the message', async () => {
    const msg = 'To: "Ann, A." <ann@x.example>, bob@x.example\nCc: Carl <carl@x.example>\nBcc: hidden@x.example,\n  hidden2@x.example\nSubject: t\n\nbody\n';
    const d = await submitOne(['-t', '-i', 'argv@x.example'], msg);
    assert.deepEqual(rcpts(d), ['argv@x.example', 'ann@x.example', 'bob@x.example', 'carl@x.example', 'hidden@x.example', 'hidden2@x.example']);
    const text = d.content.toString('latin1');
    assert.doesNotMatch(text, /^bcc:/im);
    assert.doesNotMatch(text, /hidden/);
    assert.deepEqual(headerValues(d.content, 'To'), ['"Ann, A." <ann@x.example>, bob@x.example']);
  });

  test('-t uses Resent-To/Cc/Bcc instead of To/Cc when Resent headers are present, and drops Resent-Bcc', async () => {
    const msg = 'Resent-To: r1@x.example\nResent-Cc: r2@x.example\nResent-Bcc: r3@x.example\nTo: orig@x.example\nBcc: obcc@x.example\nSubject: fwd\n\nbody\n';
    const d = await submitOne(['-t', '-i'], msg);
    assert.deepEqual(rcpts(d), ['r1@x.example', 'r2@x.example', 'r3@x.example']);
    assert.doesNotMatch(d.content.toString('latin1'), /bcc:/i);
    assert.deepEqual(headerValues(d.content, 'To'), ['orig@x.example']);
  });

  test('a recipient named twice (argv and To) is kept once', async () => {
    const d = await submitOne(['-t', '-i', 'Same@x.example'], 'To: same@x.example\n\nbody\n');
    assert.deepEqual(rcpts(d), ['Same@x.example']);
  });

  test('an unknown local user is EX_NOUSER (67)', () => refused(['-i', 'root', 'no-such-user-here'], 'Subject: x\n\nbody\n', 67, /no-such-user-here@test\.example.*no such local user/));
  test('no recipients at all is a usage error (64)', () => refused(['-i'], 'Subject: x\n\nbody\n', 64, /no recipients/));
  test('-t with no recipient in the header is a data error (65)', () => refused(['-t', '-i'], 'To: undisclosed-recipients:;\nSubject: x\n\nbody\n', 65, /no recipient/));
  test('an option after the recipients is a usage error (64), not an address "-f@host"', () =>
    refused(['-i', 'bob@x.example', '-f', 'alice@x.example'], 'Subject: x\n\nbody\n', 64, /option -f after the recipients/));
  test('after "--" an argument starting with "-" is a recipient', async () => {
    const d = await submitOne(['-i', '--', '-dash@x.example', 'b@x.example'], 'Subject: x\n\nbody\n');
    assert.deepEqual(rcpts(d), ['-dash@x.example', 'b@x.example']);
  });
  test('an unknown flag is a usage error (64)', () => refused(['-Z', 'a@x.example'], 'Subject: x\n\nbody\n', 64, /unknown option -Z/));
  test('an unknown -b mode is a usage error (64)', () => refused(['-bz', 'a@x.example'], 'Subject: x\n\nbody\n', 64, /-bz/));
  test('-N with a bad value is a usage error (64)', () => refused(['-N', 'sometimes', 'a@x.example'], 'Subject: x\n\nbody\n', 64, /-N/));
});

describe('the end of the message', { concurrency: 4 }, () => {
  const input = 'Subject: dots\n\nfirst\n.\nsecond\n';
  test('without -i a line with a lone "." ends the message', async () => {
    const d = await submitOne(['a@x.example'], input);
    assert.equal(splitMessage(d.content).body.toString('latin1'), 'first\r\n');
  });
  test('with a lone "." in CRLF input, too', async () => {
    const d = await submitOne(['a@x.example'], input.replace(/\n/g, '\r\n'));
    assert.equal(splitMessage(d.content).body.toString('latin1'), 'first\r\n');
  });
  for (const flag of ['-i', '-oi']) {
    test(`with ${flag} a lone "." is data`, async () => {
      const d = await submitOne([flag, 'a@x.example'], input);
      assert.equal(splitMessage(d.content).body.toString('latin1'), 'first\r\n.\r\nsecond\r\n');
    });
  }
  test('a line "..", or "." followed by text, does not end the message without -i', async () => {
    const d = await submitOne(['a@x.example'], 'Subject: d\n\n..\n.x\nend\n');
    assert.equal(splitMessage(d.content).body.toString('latin1'), '..\r\n.x\r\nend\r\n');
  });
});

describe('sender and From', { concurrency: 4 }, () => {
  test('-f sets the envelope sender, attached or separate', async () => {
    assert.equal((await submitOne(['-i', '-f', 'alice@x.example', 'a@x.example'], 'Subject: s\n\nb\n')).env.sender, 'alice@x.example');
    assert.equal((await submitOne(['-i', '-falice2@x.example', 'a@x.example'], 'Subject: s\n\nb\n')).env.sender, 'alice2@x.example');
  });
  test('-r is the same as -f', async () => {
    const d = await submitOne(['-i', '-r', '<bob@x.example>', 'a@x.example'], 'Subject: s\n\nb\n');
    assert.equal(d.env.sender, 'bob@x.example');
    const from = headerValues(d.content, 'From');
    assert.equal(from.length, 1);
    assert.match(from[0]!, /(^|<)bob@x\.example>?$/, 'the generated From carries the -r address');
  });
  test("-f '<>' is the null sender", async () => {
    const d = await submitOne(['-i', '-f', '<>', 'a@x.example'], 'From: me@x.example\nSubject: s\n\nb\n');
    assert.equal(d.env.sender, '');
    assert.deepEqual(headerValues(d.content, 'From'), ['me@x.example']);
  });
  test('-F gives the full name of a generated From header', async () => {
    const d = await submitOne(['-i', '-F', 'Cron Daemon', '-f', 'cron@x.example', 'a@x.example'], 'Subject: s\n\nb\n');
    assert.deepEqual(headerValues(d.content, 'From'), ['Cron Daemon <cron@x.example>']);
  });
  test('-F with specials is quoted, non-ASCII is RFC 2047 encoded', async () => {
    const d1 = await submitOne(['-i', '-F', 'Doe, John', '-f', 'j@x.example', 'a@x.example'], 'Subject: s\n\nb\n');
    assert.deepEqual(headerValues(d1.content, 'From'), ['"Doe, John" <j@x.example>']);
    const d2 = await submitOne(['-i', '-F', 'Jürgen', '-f', 'j@x.example', 'a@x.example'], 'Subject: s\n\nb\n');
    assert.deepEqual(headerValues(d2.content, 'From'), ['=?UTF-8?Q?J=C3=BCrgen?= <j@x.example>'], 'Q for mostly Latin text');
  });
  test('-F does not replace a From header the message has', async () => {
    const d = await submitOne(['-i', '-F', 'Other', 'a@x.example'], 'From: Real <real@x.example>\nSubject: s\n\nb\n');
    assert.deepEqual(headerValues(d.content, 'From'), ['Real <real@x.example>']);
  });
});

describe('DSN and other flags', { concurrency: 4 }, () => {
  test('-N never is recorded on each recipient', async () => {
    const d = await submitOne(['-i', '-N', 'never', 'a@x.example', 'b@x.example'], 'Subject: s\n\nb\n');
    assert.deepEqual(d.env.recipients, [
      { address: 'a@x.example', notify: ['NEVER'] },
      { address: 'b@x.example', notify: ['NEVER'] },
    ]);
  });
  test('-N success,failure,delay is recorded on each recipient, also those from -t', async () => {
    const d = await submitOne(['-t', '-i', '-N', 'success,failure,delay', 'a@x.example'], 'To: b@x.example\nSubject: s\n\nb\n');
    for (const r of d.env.recipients) assert.deepEqual(r.notify, ['SUCCESS', 'FAILURE', 'DELAY']);
    assert.equal(d.env.recipients.length, 2);
  });
  test('without -N no notify is recorded (the default applies)', async () => {
    const d = await submitOne(['-i', 'a@x.example'], 'Subject: s\n\nb\n');
    assert.deepEqual(d.env.recipients, [{ address: 'a@x.example' }]);
    assert.deepEqual(d.env.dsn, {});
  });
  test('-R full / -R hdrs and -V envid are recorded in the envelope dsn', async () => {
    assert.deepEqual((await submitOne(['-i', '-R', 'full', '-V', 'env-1.2', 'a@x.example'], 'Subject: s\n\nb\n')).env.dsn, { ret: 'FULL', envid: 'env-1.2' });
    assert.deepEqual((await submitOne(['-i', '-Rhdrs', '-Vx42', 'a@x.example'], 'Subject: s\n\nb\n')).env.dsn, { ret: 'HDRS', envid: 'x42' });
  });
  test('-bm is the default mode: it reads and queues a message', async () => {
    const d = await submitOne(['-bm', '-i', 'a@x.example'], 'Subject: bm\n\nb\n');
    assert.deepEqual(headerValues(d.content, 'Subject'), ['bm']);
  });
  test('-odi -odb -odq -oem -oep -B 8BITMIME -L tag -oX and -C are accepted', async () => {
    const d = await submitOne(['-odi', '-odb', '-odq', '-oem', '-oep', '-B', '8BITMIME', '-L', 'mytag', '-oXyz', '-oi', 'a@x.example'], 'Subject: s\n\nb\n.\nc\n');
    assert.equal(d.env.body, '8BITMIME', '-B 8BITMIME is honoured');
    assert.equal(splitMessage(d.content).body.toString('latin1'), 'b\r\n.\r\nc\r\n', '-oi among the others still counts');
  });
  test('-B 7BIT on a 7-bit message is recorded as 7BIT', async () => {
    assert.equal((await submitOne(['-i', '-B7BIT', 'a@x.example'], 'Subject: s\n\nb\n')).env.body, '7BIT');
  });
  test('-v reports the queue id on stderr', async () => {
    const d = await submitOne(['-v', '-i', 'a@x.example'], 'Subject: s\n\nb\n');
    assert.match(d.stderr, new RegExp(`queued as ${d.id} for <a@x\\.example>`));
  });
  test('-C names the configuration: its hostname and spool are used', async () => {
    const sb = box();
    const other = box().config.replace('/mailroom.yaml', '/other.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(other, `hostname: other.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\n`);
    const r = await sendmail(sb, ['-C', other, '-i', 'root'], 'Subject: s\n\nb\n');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(rcpts(readDrops(sb)[0]!), ['root@other.example'], 'the later -C wins');
  });
});

describe('argv exactly as real callers write it', { concurrency: 4 }, () => {
  const callers: [string, string[], string[]][] = [
    ['Debian cron', ['-FCronDaemon', '-i', '-B8BITMIME', '-oem', 'root'], ['root@test.example']],
    ['mutt', ['-oem', '-oi', '--', 'a@x.example', 'b@x.example'], ['a@x.example', 'b@x.example']],
    ['nodemailer', ['-i', '-f', 'app@x.example', '--', 'a@x.example'], ['a@x.example']],
    ['git send-email', ['-i', 'a@x.example', 'b@x.example'], ['a@x.example', 'b@x.example']],
    ['PHP mail() with -f', ['-t', '-i', '-fbounce@x.example'], ['to@x.example']],
  ];
  for (const [who, args, want] of callers) {
    test(who, async () => {
      const d = await submitOne(args, 'To: to@x.example\nSubject: caller\n\nbody\n.\nmore\n');
      assert.deepEqual(rcpts(d), want);
      assert.equal(splitMessage(d.content).body.toString('latin1'), 'body\r\n.\r\nmore\r\n', 'every one of them passes -i / -oi');
    });
  }
  test('cron\'s -FCronDaemon names the generated From', async () => {
    const d = await submitOne(['-FCronDaemon', '-i', '-B8BITMIME', '-oem', 'root'], 'Subject: cron\n\nout\n');
    assert.match(headerValues(d.content, 'From')[0]!, /^CronDaemon <[^>]+@test\.example>$/);
    assert.equal(d.env.body, '8BITMIME');
  });
});
