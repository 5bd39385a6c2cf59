// The command line bound on the local socket, SMTP and LMTP, over a raw
// client: the longest legal line (a RCPT with DSN parameters, 1,012 octets
// with CRLF) is taken; a longer one, a 10 KB RCPT and 100 KB without a line
// end are answered "500 5.5.2 Line too long" and the connection is closed.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { queuedIds, sandbox, startDaemon, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { rawClient, type RawClient } from '../helpers/smtp-client.js';

/** A RCPT line of exactly `len` octets before its CRLF (the padding is in ORCPT). */
function rcptOf(len: number): string {
  const head = 'RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;';
  const tail = '@example.net';
  return head + 'b'.repeat(len - head.length - tail.length) + tail;
}

async function closed(c: RawClient): Promise<boolean> {
  if (c.sock.destroyed || c.sock.readableEnded) return true;
  return new Promise((r) => {
    const t = setTimeout(() => r(false), 10_000);
    const done = () => {
      clearTimeout(t);
      r(true);
    };
    c.sock.once('end', done);
    c.sock.once('close', done);
  });
}

for (const lmtp of [false, true]) {
  const hello = lmtp ? 'LHLO' : 'EHLO';
  describe(`socket command lines (${lmtp ? 'LMTP' : 'SMTP'})`, () => {
    let sb: Sandbox;
    let daemon: DaemonProc;
    before(async () => {
      sb = sandbox();
      if (lmtp) writeFileSync(sb.config, readFileSync(sb.config, 'utf8').replace(/^socket: (.*)$/m, 'socket:\n  path: $1\n  lmtp: true'));
      daemon = await startDaemon(sb);
    });
    after(async () => {
      await daemon.stop();
      sb.cleanup();
    });

    async function session(): Promise<RawClient> {
      const c = await rawClient(sb.socket);
      assert.match((await c.replies(1))[0]!, /^220 /);
      c.write(`${hello} client.example\r\nMAIL FROM:<alice@example.org>\r\n`);
      const [ehlo, mail] = await c.replies(2);
      assert.match(ehlo!, /^250/);
      assert.match(mail!, /^250 /);
      return c;
    }

    it('takes the longest legal RCPT line (1,012 octets) and delivers', async () => {
      const before = queuedIds(sb).length;
      const c = await session();
      try {
        c.write(`${rcptOf(1010)}\r\nDATA\r\n`);
        const [rcpt, data] = await c.replies(2);
        assert.match(rcpt!, /^250 /);
        assert.match(data!, /^354/);
        c.write('Subject: long rcpt\r\n\r\nhello\r\n.\r\n');
        assert.match((await c.replies(1))[0]!, /^250 .*queued as/);
        assert.equal(queuedIds(sb).length, before + 1);
      } finally {
        c.close();
      }
    });

    for (const [what, bytes] of [
      ['a RCPT line one octet too long', `${rcptOf(1011)}\r\n`],
      ['a 10 KB RCPT line', `${rcptOf(10 * 1024)}\r\n`],
      ['100 KB without a line end', 'x'.repeat(100 * 1024)],
    ] as const) {
      it(`${what}: 500 5.5.2 Line too long, connection closed, nothing queued`, async () => {
        const before = queuedIds(sb).length;
        const c = await session();
        try {
          c.write(bytes);
          assert.equal((await c.replies(1))[0], '500 5.5.2 Line too long');
          assert.ok(await closed(c), 'closed');
        } finally {
          c.close();
        }
        assert.equal(queuedIds(sb).length, before);
        // The daemon still serves the next client.
        const next = await session();
        next.write('QUIT\r\n');
        assert.match((await next.replies(1))[0]!, /^221/);
        next.close();
      });
    }
  });
}
