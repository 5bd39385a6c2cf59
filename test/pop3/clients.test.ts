// POP3 against real clients (curl, Python poplib) and a byte-exact raw client,
// over a Maildir written in the standard layout by the test itself.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPop3Server, type Pop3Server } from '../../src/pop3/server.js';
import { createLogger } from '../../src/shared/log.js';
import { LoginThrottle } from '../../src/users/throttle.js';
import { run } from '../helpers/env.js';
import { addMessage, message, writeMaildir, writeUsersFile } from '../mailbox/fixture.js';
import { python } from './py.js';
import { RawPop3 } from './raw-client.js';

const log = createLogger('error');
let dir: string;
let mailboxes: string;
let usersFile: string;
let server: Pop3Server;
let port: number;
const contents: Buffer[] = [];

async function start(opts: { throttle?: LoginThrottle } = {}): Promise<Pop3Server> {
  return startPop3Server({ listen: '127.0.0.1:0', tls: 'none', usersFile, mailboxes, hostname: 'test.example', log, ...opts });
}

const pyLogin = (user = 'alice', pw = 'secret wörd') =>
  `import poplib, json, os\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\np.user('${user}')\np.pass_(${JSON.stringify(pw)})\n`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-pop3-'));
  mailboxes = join(dir, 'mail');
  usersFile = join(dir, 'users');
  await writeUsersFile(usersFile, { alice: 'secret wörd', bob: 'bobpw', carol: 'carolpw' });
  const big = Array.from({ length: 20000 }, (_, i) => (i % 7 === 0 ? `.line ${i} starts with a dot` : `line ${i} ${'x'.repeat(60)}`));
  const msgs = [
    message('first', ['hello', 'world']),
    message('dots', ['.', '..two dots', '.one dot', 'end']),
    message('seen', ['already read']),
    message('big', big),
  ].map((m) => Buffer.from(m));
  // An LF-only message without ,S= (written by some other MDA): the size comes from a scan.
  const lf = Buffer.from('From: x@example.com\nSubject: lf only\n\nbody line\n.dotted\n');
  writeMaildir(mailboxes, 'alice', [
    { content: msgs[0]! },
    { content: msgs[1]! },
    { content: msgs[2]!, folder: 'cur', flags: 'S' },
    { content: msgs[3]! },
    { content: lf, noSize: true },
  ]);
  contents.push(...msgs, Buffer.from(lf.toString().replace(/\n/g, '\r\n')));
  writeMaildir(mailboxes, 'bob', [{ content: message('for bob', ['b']) }]);
  writeMaildir(mailboxes, 'carol', [1, 2, 3].map((i) => ({ content: message(`c${i}`, [`body ${i}`]) })));
  server = await start();
  port = server.address!.port;
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POP3 with curl', () => {
  it('lists the messages with their CRLF sizes', async () => {
    const r = await run('curl', ['-sS', '--max-time', '20', `pop3://alice:secret%20w%C3%B6rd@127.0.0.1:${port}/`]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split(/\r?\n/);
    assert.deepEqual(rows, contents.map((c, i) => `${i + 1} ${c.length}`));
  });

  it('retrieves a message with dot lines intact', async () => {
    const r = await run('curl', ['-sS', '--max-time', '20', `pop3://alice:secret%20w%C3%B6rd@127.0.0.1:${port}/2`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, contents[1]!.toString());
  });
});

describe('POP3 with Python poplib', () => {
  it('STAT, LIST and RETR agree byte for byte, TOP cuts after the header', async () => {
    const out = await python(
      pyLogin() +
        `st = p.stat()\nls = p.list()[1]\nmsgs = []\nfor i in range(1, st[0]+1):\n  r = p.retr(i)\n  msgs.append([r[2], b'\\r\\n'.join(r[1]).decode('latin1') + '\\r\\n'])\n` +
        `top = b'\\r\\n'.join(p.top(4, 2)[1]).decode()\ntop0 = b'\\r\\n'.join(p.top(1, 0)[1]).decode()\np.quit()\n` +
        `print(json.dumps({'stat': st, 'list': [l.decode() for l in ls], 'msgs': msgs, 'top': top, 'top0': top0}))`,
      { PORT: String(port) },
    );
    assert.deepEqual(out.stat, [contents.length, contents.reduce((a, c) => a + c.length, 0)]);
    assert.deepEqual(out.list, contents.map((c, i) => `${i + 1} ${c.length}`));
    out.msgs.forEach(([octets, text]: [number, string], i: number) => {
      assert.equal(octets, contents[i]!.length, `octets of message ${i + 1}`);
      assert.equal(text, contents[i]!.toString('latin1'), `content of message ${i + 1}`);
    });
    const big = contents[3]!.toString();
    const head = big.slice(0, big.indexOf('\r\n\r\n'));
    assert.equal(out.top, `${head}\r\n\r\n.line 0 starts with a dot\r\nline 1 ${'x'.repeat(60)}`);
    assert.equal(out.top0, contents[0]!.toString().slice(0, contents[0]!.indexOf('\r\n\r\n')) + '\r\n');
  });

  it('keeps UIDLs stable across server restarts and flag changes', async () => {
    const script = pyLogin() + `u = [l.decode() for l in p.uidl()[1]]\np.retr(1)\np.quit()\nprint(json.dumps(u))`;
    const first = await python<string[]>(script, { PORT: String(port) });
    assert.equal(first.length, contents.length);
    assert.ok(first.every((l) => /^\d+ [\x21-\x7e]{1,70}$/.test(l)));
    // RETR + QUIT moved message 1 to cur/ with the S flag: same id.
    assert.ok(readdirSync(join(mailboxes, 'alice/cur')).some((n) => n.endsWith(':2,S') && n.startsWith(first[0]!.split(' ')[1]!)));
    await server.close();
    server = await start();
    port = server.address!.port;
    const second = await python<string[]>(script, { PORT: String(port) });
    assert.deepEqual(second, first);
  });

  it('DELE + QUIT removes; RSET restores; a dropped session deletes nothing', async () => {
    const count = (user: string) => readdirSync(join(mailboxes, user, 'new')).length + readdirSync(join(mailboxes, user, 'cur')).length;
    const rset = await python(
      pyLogin('carol', 'carolpw') + `p.dele(1)\np.dele(2)\nbefore = p.stat()\np.rset()\nafter = p.stat()\np.quit()\nprint(json.dumps([before[0], after[0]]))`,
      { PORT: String(port) },
    );
    assert.deepEqual(rset, [1, 3]);
    assert.equal(count('carol'), 3);
    await python(pyLogin('carol', 'carolpw') + `p.dele(1)\np.sock.close()\nprint('[]')`, { PORT: String(port) });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(count('carol'), 3);
    const left = await python(pyLogin('carol', 'carolpw') + `u = p.uidl(1)\np.dele(1)\nr = p.quit()\nprint(json.dumps([u.decode(), r.decode()]))`, { PORT: String(port) });
    assert.match(left[1], /^\+OK/);
    assert.equal(count('carol'), 2);
    const uid = left[0].split(' ')[2];
    assert.ok(![...readdirSync(join(mailboxes, 'carol/new')), ...readdirSync(join(mailboxes, 'carol/cur'))].some((n) => n.startsWith(uid)));
  });
});

describe('POP3 sessions', () => {
  it('answers bad commands with -ERR and keeps the session, then drops after too many', async () => {
    const { client, greeting } = await RawPop3.open(port);
    assert.match(greeting, /^\+OK/);
    assert.match(await client.cmd('FROBNICATE'), /^-ERR/);
    assert.match(await client.cmd('STAT'), /^-ERR/); // not valid before login
    assert.match(await client.cmd('USER bob'), /^\+OK/);
    assert.match(await client.cmd('PASS bobpw'), /^\+OK/);
    assert.match(await client.cmd('RETR 99'), /^-ERR No such message/); // well-formed: not a bad command
    assert.match(await client.cmd('RETR x'), /^-ERR Invalid message number/);
    assert.match(await client.cmd('TOP 1'), /^-ERR Wrong number of arguments/);
    assert.match(await client.cmd('DELE 0'), /^-ERR Invalid message number/);
    assert.match(await client.cmd('STAT'), /^\+OK 1 \d+$/);
    // Five bad commands so far; the tenth ends the session.
    for (let i = 0; i < 5; i++) assert.match(await client.cmd(`BOGUS${i}`), /^-ERR Unknown command/);
    assert.equal(await client.line(), '-ERR Too many bad commands.');
    assert.ok(await client.waitClosed());
  });

  it('is exclusive per mailbox ([IN-USE]) and frees the lock at QUIT', async () => {
    const a = (await RawPop3.open(port)).client;
    assert.match(await a.cmd('USER bob'), /^\+OK/);
    assert.match(await a.cmd('PASS bobpw'), /^\+OK/);
    const out = await python(`import poplib, json, os\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']))\np.user('bob')\ntry:\n  p.pass_('bobpw')\n  print(json.dumps('ok'))\nexcept poplib.error_proto as e:\n  print(json.dumps(str(e)))`, { PORT: String(port) });
    assert.match(out, /\[IN-USE\]/);
    assert.match(await a.cmd('QUIT'), /^\+OK/);
    const b = (await RawPop3.open(port)).client;
    assert.match(await b.cmd('USER bob'), /^\+OK/);
    assert.match(await b.cmd('PASS bobpw'), /^\+OK/);
    b.close();
    a.close();
  });

  it('AUTH PLAIN with an initial response and with the + continuation; pipelined commands', async () => {
    const { client } = await RawPop3.open(port);
    const capa = await client.cmd('CAPA');
    assert.match(capa, /^\+OK/);
    const caps = (await client.multi()).toString();
    for (const c of ['TOP', 'UIDL', 'USER', 'SASL PLAIN', 'RESP-CODES', 'PIPELINING', 'IMPLEMENTATION mailroom']) assert.ok(caps.includes(`${c}\r\n`), c);
    assert.ok(!caps.includes('STLS'), 'no STLS without a certificate');
    assert.match(await client.cmd('AUTH PLAIN'), /^\+ ?$/);
    assert.match(await client.cmd('*'), /^-ERR/);
    assert.match(await client.cmd('AUTH PLAIN'), /^\+ ?$/);
    assert.match(await client.cmd(Buffer.from('\0bob\0wrong').toString('base64').replace(/./, '!')), /^-ERR/);
    assert.match(await client.cmd(`AUTH PLAIN ${Buffer.from('\0bob\0bobpw').toString('base64')}`), /^\+OK/);
    client.sock.write('STAT\r\nLIST 1\r\nNOOP\r\nUIDL 1\r\n');
    assert.match(await client.line(), /^\+OK 1 /);
    assert.match(await client.line(), /^\+OK 1 \d+$/);
    assert.equal(await client.line(), '+OK');
    assert.match(await client.line(), /^\+OK 1 \S+$/);
    client.close();
    const c2 = (await RawPop3.open(port)).client;
    assert.match(await c2.cmd('AUTH PLAIN'), /^\+ ?$/);
    assert.match(await c2.cmd(Buffer.from('bob\0bob\0bobpw').toString('base64')), /^\+OK/);
    c2.close();
  });

  it('shows a snapshot: mail delivered during a session waits for the next one', async () => {
    const { client } = await RawPop3.open(port);
    await client.cmd('USER bob');
    assert.match(await client.cmd('PASS bobpw'), /^\+OK/);
    assert.match(await client.cmd('STAT'), /^\+OK 1 /);
    addMessage(join(mailboxes, 'bob'), { content: message('late', ['arrived during the session']) });
    assert.match(await client.cmd('STAT'), /^\+OK 1 /);
    assert.match(await client.cmd('QUIT'), /^\+OK/);
    const c2 = (await RawPop3.open(port)).client;
    await c2.cmd('USER bob');
    await c2.cmd('PASS bobpw');
    assert.match(await c2.cmd('STAT'), /^\+OK 2 /);
    // A message removed behind the session's back is an -ERR, not a dropped session.
    const uid = (await c2.cmd('UIDL 2')).split(' ')[2]!;
    const file = readdirSync(join(mailboxes, 'bob/new')).find((n) => n.startsWith(uid))!;
    unlinkSync(join(mailboxes, 'bob/new', file));
    assert.match(await c2.cmd('RETR 2'), /^-ERR/);
    assert.match(await c2.cmd('RETR 1'), /^\+OK/);
    assert.match((await c2.multi()).toString(), /Subject: for bob/);
    assert.match(await c2.cmd('QUIT'), /^\+OK/);
    assert.ok(!existsSync(join(mailboxes, 'bob/new', file)));
  });
});

describe('POP3 login throttling', () => {
  it('slows down failed logins (second failure takes >= 1 s)', async () => {
    const { client } = await RawPop3.open(port, '127.0.0.3');
    await client.cmd('USER alice');
    assert.match(await client.cmd('PASS nope'), /^-ERR \[AUTH\]/);
    await client.cmd('USER alice');
    const t0 = Date.now();
    assert.match(await client.cmd('PASS still-nope'), /^-ERR \[AUTH\]/);
    assert.ok(Date.now() - t0 >= 1000, `took ${Date.now() - t0} ms`);
    client.close();
  });

  it('refuses an address after too many failures, even with the right password', async () => {
    const s = await start({ throttle: new LoginThrottle({ baseDelayMs: 5, maxDelayMs: 5, maxFailures: 3, windowMs: 60_000 }) });
    try {
      const { client } = await RawPop3.open(s.address!.port, '127.0.0.4');
      for (let i = 0; i < 3; i++) {
        await client.cmd('USER bob');
        assert.match(await client.cmd('PASS bad'), /^-ERR \[AUTH\] Authentication failed/);
      }
      await client.cmd('USER bob');
      assert.match(await client.cmd('PASS bobpw'), /^-ERR \[AUTH\] too many failures/);
      client.close();
      // Another address is not affected.
      const other = (await RawPop3.open(s.address!.port, '127.0.0.5')).client;
      await other.cmd('USER bob');
      assert.match(await other.cmd('PASS bobpw'), /^\+OK/);
      other.close();
    } finally {
      await s.close();
    }
  });
});
