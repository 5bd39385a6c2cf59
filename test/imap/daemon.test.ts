// The daemon serves IMAP when imap.listen is set: mail it delivers into
// alice's Maildir shows up in SELECT, and a delivery made while a client
// idles is pushed to it as EXISTS; what POP3 and `mailroom mail` remove from
// the same Maildir is pushed as EXPUNGE. Logins go through the users file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, freePort, run, sendmail, startDaemon, type DaemonProc, type Sandbox } from '../helpers/env.js';
import { IMAPLIB, python } from './py.js';
import { RawImap } from './raw-client.js';

describe('IMAP from the daemon', () => {
  let sb: Sandbox;
  let daemon: DaemonProc | undefined;
  let port: number;
  let pop3Port: number;

  before(async () => {
    port = await freePort();
    pop3Port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-imapd-'));
    const config = join(dir, 'mailroom.yaml');
    writeFileSync(
      config,
      `hostname: test.example\nspool: ${dir}/spool\nsocket: ${dir}/run/submit.sock\nusers: ${dir}/users\n` +
        `local:\n  mailboxes: ${dir}/mail\n  domains: [test.example, localhost]\n  systemUsers: false\n` +
        `relay:\n  mode: hold\nimap:\n  listen: 127.0.0.1:${port}\n  tls: none\npop3:\n  listen: 127.0.0.1:${pop3Port}\n  tls: none\n`,
    );
    sb = { dir, config, spool: join(dir, 'spool'), socket: join(dir, 'run/submit.sock'), control: join(dir, 'run/control.sock'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    const add = await run(join(BIN, 'mailroom'), ['user', 'add', 'alice', '--password-stdin', '--config', config], 'imap pw\n');
    assert.equal(add.code, 0, add.stderr);
    daemon = await startDaemon(sb);
    const r = await sendmail(sb, ['-i', '--', 'alice'], 'Subject: first\n\nhello\n');
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    if (daemon) assert.equal(await daemon.stop(), 0);
    sb?.cleanup();
  });

  it('logs in with imaplib, lists the special-use folders and sees the delivery', async () => {
    // Delivery is asynchronous: poll with NOOP-free STATUS until it is there (bounded).
    const out = await python(
      IMAPLIB +
        `M.login('alice', 'imap pw')\nimport time\nn = 0\nfor i in range(100):\n    n = int(M.status('INBOX', '(MESSAGES)')[1][0].decode().split()[-1].rstrip(')'))\n    if n: break\n    time.sleep(0.1)\n` +
        `lst = s(M.list()[1])\nsel = s(M.select('INBOX'))\nM.logout()\nprint(json.dumps([n, lst, sel]))`,
      { PORT: String(port) },
    );
    const [n, lst, sel] = out;
    assert.equal(n, 1);
    for (const use of ['\\Sent', '\\Drafts', '\\Trash', '\\Junk']) assert.ok(lst.some((l: string) => l.includes(use)), `${use} in ${lst.join('\n')}`);
    assert.deepEqual(sel, ['OK', ['1']]);
  });

  it('refuses a wrong password', async () => {
    const { client } = await RawImap.open(port);
    assert.equal((await client.cmd('a', 'LOGIN alice nope')).pop(), 'a NO [AUTHENTICATIONFAILED] Authentication failed');
    client.close();
  });

  it('pushes a delivery to an idling client', async () => {
    const { client } = await RawImap.open(port);
    assert.match((await client.cmd('a', 'LOGIN alice "imap pw"')).pop()!, /^a OK/);
    const sel = await client.cmd('b', 'SELECT INBOX');
    const exists = Number(/^\* (\d+) EXISTS$/m.exec(sel.join('\n'))![1]);
    client.write('c IDLE\r\n');
    assert.equal(await client.line(), '+ idling');
    const r = await sendmail(sb, ['-i', '--', 'alice'], 'Subject: second\n\nwhile idle\n');
    assert.equal(r.code, 0, r.stderr);
    let line = await client.line();
    while (!/ EXISTS$/.test(line)) line = await client.line();
    assert.equal(line, `* ${exists + 1} EXISTS`);
    client.write('DONE\r\n');
    let done = await client.line();
    while (!done.startsWith('c ')) done = await client.line();
    assert.equal(done, 'c OK IDLE terminated');
    assert.deepEqual(await client.cmd('d', 'LOGOUT'), ['* BYE Logging out', 'd OK LOGOUT completed']);
  });

  it('pushes to an idling client what POP3 and `mailroom mail` remove from the same Maildir', async () => {
    for (const subject of ['pop3 takes me', 'the console takes me']) {
      const r = await sendmail(sb, ['-i', '--', 'alice'], `Subject: ${subject}\n\nbye\n`);
      assert.equal(r.code, 0, r.stderr);
    }
    const { client } = await RawImap.open(port);
    assert.match((await client.cmd('a', 'LOGIN alice "imap pw"')).pop()!, /^a OK/);
    // Both deliveries in (bounded wait), then the INBOX selected and idling.
    let exists = 0;
    for (let i = 0; i < 100 && exists < 4; i++) {
      const st = (await client.cmd('s', 'STATUS INBOX (MESSAGES)')).join('\n');
      exists = Number(/MESSAGES (\d+)/.exec(st)![1]);
      if (exists < 4) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(exists, 4, 'two earlier messages and these two');
    await client.cmd('b', 'SELECT INBOX');
    const untilExpunge = async (): Promise<string> => {
      let line = await client.line();
      while (!/ EXPUNGE$/.test(line)) line = await client.line();
      return line;
    };
    client.write('c IDLE\r\n');
    assert.equal(await client.line(), '+ idling');
    // POP3 deletes message 3 (DELE, then QUIT applies it).
    const pop = await run('curl', ['-s', '--max-time', '10', '-I', '-X', 'DELE', `pop3://alice:imap%20pw@127.0.0.1:${pop3Port}/3`]);
    assert.equal(pop.code, 0, pop.stderr);
    assert.equal(await untilExpunge(), '* 3 EXPUNGE');
    // The console deletes what is now message 3.
    const del = await run(join(BIN, 'mailroom'), ['mail', 'delete', '3', '--user', 'alice', '--config', sb.config]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(await untilExpunge(), '* 3 EXPUNGE');
    client.write('DONE\r\n');
    let done = await client.line();
    while (!done.startsWith('c ')) done = await client.line();
    assert.equal(done, 'c OK IDLE terminated');
    const left = (await client.cmd('d', 'FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])')).join('\n');
    assert.doesNotMatch(left, /takes me/);
    client.close();
  });
});
