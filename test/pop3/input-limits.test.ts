// Hostile and malformed POP3 input: over-long lines (RFC 2449 §4: 255 octets),
// binary bytes, arguments RFC 1939 does not allow, before and after login.
// Each is answered -ERR or the session is closed; the mailbox is unchanged
// and the server still serves the next client.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPop3Server, type Pop3Server } from '../../src/pop3/server.js';
import { createLogger } from '../../src/shared/log.js';
import { message, writeMaildir, writeUsersFile } from '../mailbox/fixture.js';
import { python } from './py.js';
import { RawPop3 } from './raw-client.js';

let dir: string;
let mailboxes: string;
let server: Pop3Server;
let port: number;
let files: string[];
const LONG_PW = 'long password '.repeat(25); // 350 octets: its PLAIN response is 476 base64 octets

const onDisk = () => [...readdirSync(join(mailboxes, 'eve', 'new')), ...readdirSync(join(mailboxes, 'eve', 'cur'))].sort();
const b64 = (s: string) => Buffer.from(s).toString('base64');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-pop3input-'));
  mailboxes = join(dir, 'mail');
  await writeUsersFile(join(dir, 'users'), { eve: 'evepw', dave: LONG_PW });
  writeMaildir(mailboxes, 'eve', [1, 2].map((i) => ({ content: message(`eve ${i}`, [`body ${i}`]) })));
  writeMaildir(mailboxes, 'dave', [{ content: message('dave', ['body']) }]);
  files = onDisk();
  server = await startPop3Server({ listen: '127.0.0.1:0', tls: 'none', usersFile: join(dir, 'users'), mailboxes, hostname: 'test.example', log: createLogger('error') });
  port = server.address!.port;
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function loggedIn(): Promise<RawPop3> {
  const { client } = await RawPop3.open(port);
  assert.match(await client.cmd('USER eve'), /^\+OK/);
  assert.match(await client.cmd('PASS evepw'), /^\+OK/);
  return client;
}

/** Sends raw bytes and expects "-ERR Line too long" and the connection closed. */
async function refusedAndClosed(client: RawPop3, bytes: Buffer | string): Promise<void> {
  client.sock.write(bytes);
  assert.match(await client.line(), /^-ERR Line too long/);
  assert.ok(await client.waitClosed(), 'closed after an over-long line');
}

describe('POP3 line limits', () => {
  it('a 10 KB USER line, NOOP + 10 KB and 100 KB without a line end: -ERR and closed', async () => {
    await refusedAndClosed((await RawPop3.open(port)).client, `USER ${'a'.repeat(10 * 1024)}\r\n`);
    await refusedAndClosed(await loggedIn(), `NOOP ${'x'.repeat(10 * 1024)}\r\n`);
    await refusedAndClosed((await RawPop3.open(port)).client, 'y'.repeat(100 * 1024));
    const c = await loggedIn();
    assert.match(await c.cmd('DELE 1'), /^\+OK/);
    await refusedAndClosed(c, Buffer.concat([Buffer.from('RETR 1 '), Buffer.alloc(64 * 1024, 0xff)]));
    assert.deepEqual(onDisk(), files, 'a DELE before the over-long line is not applied');
  });

  it('a line over 255 octets is refused, the session goes on', async () => {
    const c = (await RawPop3.open(port)).client;
    assert.match(await c.cmd(`USER ${'e'.repeat(300)}`), /^-ERR Line too long \(at most 255 octets\)/);
    assert.match(await c.cmd(`USER ${'e'.repeat(248)}`), /^\+OK/); // 255 octets with CRLF
    assert.match(await c.cmd('USER eve'), /^\+OK/);
    assert.match(await c.cmd('PASS evepw'), /^\+OK/);
    assert.match(await c.cmd(`LIST ${'1'.repeat(300)}`), /^-ERR Line too long/);
    assert.match(await c.cmd('STAT'), /^\+OK 2 /);
    c.close();
  });

  it('AUTH PLAIN: 255 octets for the command, more for the response after "+ " (RFC 5034)', async () => {
    const response = b64(`\0dave\0${LONG_PW}`);
    assert.ok(response.length > 255);
    const c = (await RawPop3.open(port)).client;
    assert.match(await c.cmd(`AUTH PLAIN ${response}`), /^-ERR Line too long/);
    assert.match(await c.cmd('AUTH PLAIN'), /^\+ ?$/);
    assert.match(await c.cmd(response), /^\+OK Logged in, 1 messages/);
    assert.match(await c.cmd('QUIT'), /^\+OK/);
    const d = (await RawPop3.open(port)).client;
    assert.match(await d.cmd('AUTH PLAIN'), /^\+ ?$/);
    await refusedAndClosed(d, `${'QUFB'.repeat(2000)}\r\n`);
  });
});

describe('POP3 malformed commands', () => {
  it('binary bytes: -ERR, the session is kept; a UTF-8 password still works', async () => {
    const c = (await RawPop3.open(port)).client;
    for (const bad of [Buffer.from('USER ev\0e\r\n'), Buffer.from('USER \xe9ve\r\n', 'latin1'), Buffer.from('CAPA\x01\r\n'), Buffer.from('US\xffER eve\r\n', 'latin1')]) {
      c.sock.write(bad);
      assert.match(await c.line(), /^-ERR Binary data/);
    }
    assert.match(await c.cmd('USER eve'), /^\+OK/);
    c.sock.write(Buffer.from('PASS eve\0pw\r\n'));
    assert.match(await c.line(), /^-ERR Binary data/);
    assert.match(await c.cmd('USER eve'), /^\+OK/);
    assert.match(await c.cmd('PASS evepw'), /^\+OK/);
    c.sock.write(Buffer.from('DELE \x001\r\n'));
    assert.match(await c.line(), /^-ERR Binary data/);
    assert.match(await c.cmd('STAT'), /^\+OK 2 /);
    c.close();
    // PASS may carry UTF-8 (poplib sends it so): a wrong one is an [AUTH] failure, not a refused line.
    const d = (await RawPop3.open(port, '127.0.0.7')).client;
    assert.match(await d.cmd('USER eve'), /^\+OK/);
    d.sock.write(Buffer.from('PASS evé\r\n'));
    assert.match(await d.line(), /^-ERR \[AUTH\] Authentication failed/);
    d.close();
  });

  it('arguments RFC 1939 does not allow are refused', async () => {
    const c = (await RawPop3.open(port)).client;
    assert.match(await c.cmd('CAPA x'), /^-ERR CAPA takes no arguments/);
    assert.match(await c.cmd('STLS now'), /^-ERR STLS takes no arguments/);
    assert.match(await c.cmd('USER'), /^-ERR Wrong number of arguments/);
    assert.match(await c.cmd('USER eve adam'), /^-ERR Wrong number of arguments/);
    assert.match(await c.cmd('QUIT please'), /^-ERR QUIT takes no arguments/);
    c.close();
    const t = await loggedIn();
    const refused: [string, RegExp][] = [
      ['NOOP 1', /takes no arguments/],
      ['STAT all', /takes no arguments/],
      ['RSET 1', /takes no arguments/],
      ['LIST 1 2', /Wrong number of arguments/],
      ['LIST one', /Invalid message number/],
      ['UIDL 99999999999', /Invalid message number/],
      ['RETR -1', /Invalid message number/],
    ];
    for (const [line, why] of refused) {
      const reply = await t.cmd(line);
      assert.ok(reply.startsWith('-ERR ') && why.test(reply), `${line}: ${reply}`);
    }
    assert.match(await t.cmd('LIST 3'), /^-ERR No such message/); // well-formed: not counted
    assert.match(await t.cmd('DELE 1'), /^\+OK/);
    assert.match(await t.cmd('TOP 2 x'), /^-ERR Invalid line count/);
    assert.match(await t.cmd('RETR'), /^-ERR Wrong number of arguments/);
    // The tenth bad command of the session ends it.
    assert.match(await t.cmd('DELE 1x'), /^-ERR Invalid message number/);
    assert.equal(await t.line(), '-ERR Too many bad commands.');
    assert.ok(await t.waitClosed());
    assert.deepEqual(onDisk(), files, 'the DELE of a session that ended without QUIT is not applied');
  });

  it('the server still serves a new client (poplib) with the mailbox unchanged', async () => {
    const out = await python<[number, string[]]>(
      `import poplib, json, os\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\np.user('eve')\np.pass_('evepw')\nn = p.stat()[0]\nu = [l.decode().split(' ')[1] for l in p.uidl()[1]]\np.quit()\nprint(json.dumps([n, u]))`,
      { PORT: String(port) },
    );
    assert.equal(out[0], 2);
    assert.deepEqual(out[1].sort(), files.map((n) => n.split(':')[0]).sort());
    assert.deepEqual(onDisk(), files);
  });
});
