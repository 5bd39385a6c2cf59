// Dropped connections (RFC 1939 §6: only QUIT enters UPDATE): a client that
// DELEs, drops its socket without QUIT and logs in again at once is never
// refused and never loses a message, over plain TCP and TLS; a login waits
// for a session that is still ending; a live session still gets [IN-USE].
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPop3Server, type Pop3Server } from '../../src/pop3/server.js';
import { createLogger } from '../../src/shared/log.js';
import { makeCert, message, writeMaildir, writeUsersFile } from '../mailbox/fixture.js';
import { python } from './py.js';
import { RawPop3 } from './raw-client.js';

const log = createLogger('error');
let dir: string;
let mailboxes: string;
let cert: { cert: string; key: string };
let server: Pop3Server;

const onDisk = (user: string) => [...readdirSync(join(mailboxes, user, 'new')), ...readdirSync(join(mailboxes, user, 'cur'))].sort();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-pop3drop-'));
  mailboxes = join(dir, 'mail');
  cert = makeCert(dir);
  await writeUsersFile(join(dir, 'users'), { phone: 'phonepw', laptop: 'laptoppw', pipe: 'pipepw' });
  for (const user of ['phone', 'laptop', 'pipe']) writeMaildir(mailboxes, user, [1, 2, 3].map((i) => ({ content: message(`${user} ${i}`, [`body ${i}`]) })));
  server = await startPop3Server({
    listen: '127.0.0.1:0',
    tlsListen: '127.0.0.1:0',
    tls: 'starttls',
    cert,
    usersFile: join(dir, 'users'),
    mailboxes,
    hostname: 'test.example',
    log,
  });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each round: log in, DELE 1, then leave without QUIT: an orderly close (FIN),
// a reset (SO_LINGER 0) or closing only the socket object, in turn.
const dropLoop = (connect: string, rounds: number) => `
import poplib, json, os, socket, ssl, struct
ctx = ssl.create_default_context(cafile=os.environ['CA'])
refused, counts = [], []
for i in range(${rounds}):
    p = ${connect}
    p.user(os.environ['USER_NAME'])
    try:
        p.pass_(os.environ['PASSWORD'])
    except poplib.error_proto as e:
        refused.append(str(e))
        p.close()
        continue
    counts.append(p.stat()[0])
    p.dele(1)
    if i % 3 == 0:
        p.close()
    elif i % 3 == 1:
        p.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        p.file.close()
        p.sock.close()
    else:
        p.file.close()
        p.sock.close()
p = ${connect}
p.user(os.environ['USER_NAME'])
p.pass_(os.environ['PASSWORD'])
final = p.stat()[0]
uidls = [l.decode().split(' ')[1] for l in p.uidl()[1]]
p.quit()
print(json.dumps({'refused': refused, 'counts': counts, 'final': final, 'uidls': uidls}))
`;

interface DropResult {
  refused: string[];
  counts: number[];
  final: number;
  uidls: string[];
}

describe('POP3 after a dropped connection', () => {
  it('50 rounds of DELE, drop without QUIT, reconnect at once (poplib): never refused, nothing lost', async () => {
    const before = onDisk('phone');
    const out = await python<DropResult>(dropLoop(`poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)`, 50), {
      PORT: String(server.address!.port),
      CA: cert.cert,
      USER_NAME: 'phone',
      PASSWORD: 'phonepw',
    });
    assert.deepEqual(out.refused, []);
    assert.deepEqual(out.counts, Array(50).fill(3));
    assert.equal(out.final, 3);
    assert.deepEqual(onDisk('phone'), before);
    assert.deepEqual(out.uidls.sort(), before.map((n) => n.split(':')[0]).sort());
  });

  it('the same over implicit TLS (poplib POP3_SSL), 20 rounds', async () => {
    const before = onDisk('laptop');
    const out = await python<DropResult>(dropLoop(`poplib.POP3_SSL('127.0.0.1', int(os.environ['PORT']), context=ctx, timeout=20)`, 20), {
      PORT: String(server.tlsAddress!.port),
      CA: cert.cert,
      USER_NAME: 'laptop',
      PASSWORD: 'laptoppw',
    });
    assert.deepEqual(out.refused, []);
    assert.deepEqual(out.counts, Array(20).fill(3));
    assert.equal(out.final, 3);
    assert.deepEqual(onDisk('laptop'), before);
  });

  it('a login waits for a live session that ends meanwhile; one that stays gets [IN-USE]', async () => {
    const patient = await startPop3Server({ listen: '127.0.0.1:0', tls: 'none', usersFile: join(dir, 'users'), mailboxes, hostname: 'test.example', log, lockWaitMs: 10_000 });
    try {
      const port = patient.address!.port;
      const a = (await RawPop3.open(port)).client;
      await a.cmd('USER phone');
      assert.match(await a.cmd('PASS phonepw'), /^\+OK/);
      assert.match(await a.cmd('DELE 2'), /^\+OK/);
      const b = (await RawPop3.open(port)).client;
      assert.match(await b.cmd('USER phone'), /^\+OK/);
      b.send('PASS phonepw');
      // Give the server time to see B's PASS while A still holds the mailbox, then drop A.
      await new Promise((r) => setTimeout(r, 300));
      a.close();
      assert.match(await b.line(), /^\+OK Logged in, 3 messages/);
      assert.match(await b.cmd('QUIT'), /^\+OK/);
    } finally {
      await patient.close();
    }
    // The server under test waits 1.5 s by default: a session that stays is still exclusive.
    const port = server.address!.port;
    const a = (await RawPop3.open(port)).client;
    await a.cmd('USER phone');
    assert.match(await a.cmd('PASS phonepw'), /^\+OK/);
    const b = (await RawPop3.open(port)).client;
    await b.cmd('USER phone');
    assert.match(await b.cmd('PASS phonepw'), /^-ERR \[IN-USE\]/);
    assert.match(await a.cmd('QUIT'), /^\+OK/);
    assert.match(await b.cmd('USER phone'), /^\+OK/);
    assert.match(await b.cmd('PASS phonepw'), /^\+OK Logged in, 3 messages/);
    b.close();
  });

  it('a QUIT that arrived before the connection ended is applied', async () => {
    const before = onDisk('pipe');
    const { client } = await RawPop3.open(server.address!.port);
    await client.cmd('USER pipe');
    assert.match(await client.cmd('PASS pipepw'), /^\+OK/);
    client.sock.end('DELE 1\r\nQUIT\r\n');
    await client.waitClosed();
    // Then the mailbox is free and holds one message less.
    const out = await python<number>(
      `import poplib, json, os\np = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\np.user('pipe')\np.pass_('pipepw')\nn = p.stat()[0]\np.quit()\nprint(json.dumps(n))`,
      { PORT: String(server.address!.port) },
    );
    assert.equal(out, 2);
    assert.deepEqual(onDisk('pipe'), before.slice(1));
  });
});
