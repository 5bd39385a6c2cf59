// Malformed recipient addresses (RFC 5321 §4.1.2: a dot-atom or quoted local
// part, LDH domain labels or an address literal) are refused wherever they
// arrive: as arguments and in -t headers (exit 65, one line naming the
// address) and at RCPT under -bs (553 5.1.3 with the reason). Nothing of such
// a submission reaches the spool. Good unusual addresses still pass.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { readDrops, sandbox, sendmail, type Sandbox, spoolFiles } from '../helpers/env.js';

const boxes: Sandbox[] = [];
after(() => boxes.forEach((b) => b.cleanup()));
function box(): Sandbox {
  const sb = sandbox();
  boxes.push(sb);
  return sb;
}

const BAD_ADDRESSES = ['user@@example.net', 'user@-bad-.example', '<unbalanced@example.net', 'user@', '@example.net', 'a b@example.net', 'user@exa mple.net'];

/** Every regular file under the spool, maildrop/ included (it may not exist at all). */

describe('refused with exit 65, the address named, nothing queued', { concurrency: 4 }, () => {
  for (const addr of BAD_ADDRESSES) {
    test(`${addr} as an argument and in To, Cc and Bcc with -t`, async () => {
      const sb = box();
      const runs = [
        await sendmail(sb, ['-i', addr], 'Subject: argv\n\nbody\n'),
        // with a good recipient beside it: the bad one still refuses the whole submission
        await sendmail(sb, ['-i', 'good@example.net', addr], 'Subject: argv\n\nbody\n'),
        await sendmail(sb, ['-t', '-i'], `To: ${addr}\nSubject: t\n\nbody\n`),
        await sendmail(sb, ['-t', '-i'], `To: good@example.net\nCc: ${addr}\nSubject: t\n\nbody\n`),
        await sendmail(sb, ['-t', '-i', 'good@example.net'], `Bcc: ${addr}\nSubject: t\n\nbody\n`),
      ];
      for (const r of runs) {
        assert.equal(r.code, 65, `exit ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, /^sendmail: bad recipient[^\n]*\n$/, `one line: ${JSON.stringify(r.stderr)}`);
        assert.ok(r.stderr.includes(addr), `the reason names ${addr}: ${r.stderr}`);
      }
      assert.deepEqual(spoolFiles(sb), [], 'nothing in the spool (maildrop/ included)');
    });
  }

  test('-bs: each is refused at RCPT with 553 5.1.3 and the reason, and nothing is queued', async () => {
    const sb = box();
    const rcpts = BAD_ADDRESSES.map((a) => (a.startsWith('<') ? `RCPT TO:${a}\r\n` : `RCPT TO:<${a}>\r\n`));
    const r = await sendmail(sb, ['-bs'], ['HELO c\r\n', 'MAIL FROM:<a@example.net>\r\n', ...rcpts, 'DATA\r\n', 'QUIT\r\n'].join(''));
    assert.equal(r.code, 0, r.stderr);
    const replies = r.stdout.split('\r\n').filter(Boolean);
    assert.equal(replies.length, 3 + BAD_ADDRESSES.length + 2, r.stdout);
    BAD_ADDRESSES.forEach((a, i) => {
      const reply = replies[3 + i]!;
      assert.match(reply, /^553 5\.1\.3 bad recipient: /, reply);
      assert.ok(reply.includes(a.replace(/^</, '')), `${reply} names ${a}`);
    });
    assert.match(replies.at(-2)!, /^554 /, 'DATA without a good recipient');
    assert.deepEqual(spoolFiles(sb), []);
  });
});

describe('unusual but valid addresses still pass', { concurrency: 4 }, () => {
  test('quoted local part, UTF-8 domain, address literals, a bare name', async () => {
    const sb = box();
    const good = ['"john smith"@example.net', 'müller@bücher.example', 'ops@[192.0.2.1]', 'ops@[IPv6:2001:db8::1]', 'o\'brien+tag@sub-domain.example.net', 'root'];
    const r = await sendmail(sb, ['-i', ...good], 'Subject: ok\n\nbody\n');
    assert.equal(r.code, 0, r.stderr);
    const [d] = readDrops(sb);
    assert.deepEqual(
      d!.env.recipients.map((x) => x.address),
      good.map((a) => (a === 'root' ? 'root@test.example' : a)),
    );
  });

  test('-t: groups, display names, comments and a bare name', async () => {
    const sb = box();
    const r = await sendmail(
      sb,
      ['-t', '-i'],
      'To: undisclosed-recipients:;\nCc: "Doe, Jane" <jane@example.net>, team: a@example.net, b@example.net;, postmaster, Web <www@example.net>\nBcc: c@example.net (Carol)\nSubject: t\n\nbody\n',
    );
    assert.equal(r.code, 0, r.stderr);
    const [d] = readDrops(sb);
    assert.deepEqual(
      d!.env.recipients.map((x) => x.address),
      ['jane@example.net', 'a@example.net', 'b@example.net', 'postmaster@test.example', 'www@example.net', 'c@example.net'],
    );
  });
});
