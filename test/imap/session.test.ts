// The IMAP session over a raw socket: greeting and CAPABILITY, LOGIN and
// AUTHENTICATE PLAIN (right and wrong, throttled), literals {n} and {n+}
// with their limits, over-long lines, the bad-command limit, state checks,
// ENABLE/ID/NAMESPACE, LOGOUT, and the connection limits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawImap } from './raw-client.js';
import { startTestImap, type TestImap } from './fixture.js';

let t: TestImap;
before(async () => {
  t = await startTestImap({ maxConnectionsPerUser: 3, maxConnectionsPerAddress: 6 });
});
after(() => t?.stop());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const open = async () => (await RawImap.open(t.port)).client;
async function loggedIn(): Promise<RawImap> {
  const c = await open();
  assert.match((await c.cmd('L', 'LOGIN alice pw1')).pop()!, /^L OK/);
  return c;
}

describe('IMAP session: greeting, capabilities, login', () => {
  it('greets with CAPABILITY and lists AUTH=PLAIN on loopback, not after login', async () => {
    const { client, greeting } = await RawImap.open(t.port);
    assert.match(greeting, /^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN.*\] test\.example/);
    const caps = await client.cmd('a1', 'CAPABILITY');
    assert.equal(caps.length, 2);
    for (const c of ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'CHILDREN', 'SPECIAL-USE', 'CONDSTORE', 'QRESYNC', 'AUTH=PLAIN']) {
      assert.ok(caps[0]!.split(' ').includes(c), `${c} in ${caps[0]}`);
    }
    assert.ok(!caps[0]!.includes('STARTTLS') && !caps[0]!.includes('LOGINDISABLED'));
    assert.equal(caps[1], 'a1 OK CAPABILITY completed');
    const login = await client.cmd('a2', 'LOGIN ALICE pw1');
    assert.match(login[0]!, /^a2 OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/);
    assert.ok(!login[0]!.includes('AUTH=PLAIN'));
    const again = await client.cmd('a3', 'LOGIN alice pw1');
    assert.match(again.pop()!, /^a3 BAD/);
    client.close();
  });

  it('refuses a wrong password (after the throttle delay) and accepts the right one', async () => {
    const c = await open();
    assert.equal((await c.cmd('x', 'LOGIN alice wrong')).pop(), 'x NO [AUTHENTICATIONFAILED] Authentication failed');
    assert.equal((await c.cmd('y', 'LOGIN nobody pw1')).pop(), 'y NO [AUTHENTICATIONFAILED] Authentication failed');
    assert.match((await c.cmd('z', 'LOGIN alice pw1')).pop()!, /^z OK/);
    c.close();
  });

  it('AUTHENTICATE PLAIN with an initial response, with a continuation, and cancelled', async () => {
    let c = await open();
    assert.match((await c.cmd('a', `AUTHENTICATE PLAIN ${b64('\0alice\0pw1')}`)).pop()!, /^a OK \[CAPABILITY /);
    c.close();
    c = await open();
    c.write('b AUTHENTICATE PLAIN\r\n');
    assert.equal(await c.line(), '+ ');
    c.write(`${b64('alice\0alice\0pw1')}\r\n`);
    assert.match(await c.line(), /^b OK/);
    c.close();
    c = await open();
    c.write('c AUTHENTICATE PLAIN\r\n');
    assert.equal(await c.line(), '+ ');
    c.write('*\r\n');
    assert.match(await c.line(), /^c BAD .*cancel/i);
    assert.match((await c.cmd('d', `AUTHENTICATE PLAIN ${b64('bob\0alice\0pw1')}`)).pop()!, /^d NO/);
    assert.match((await c.cmd('e', 'AUTHENTICATE CRAM-MD5')).pop()!, /^e NO/);
    assert.match((await c.cmd('f', `AUTHENTICATE PLAIN ${b64('\0alice\0nope')}`)).pop()!, /^f NO \[AUTHENTICATIONFAILED\]/);
    c.close();
  });

  it('takes synchronising and non-synchronising literals', async () => {
    const c = await open();
    c.write('l1 LOGIN {5}\r\n');
    assert.match(await c.line(), /^\+ /);
    c.write('alice {3+}\r\npw1\r\n');
    assert.match(await c.line(), /^l1 OK/);
    const r = await c.cmd('l2', 'ID ("name" {7+}\r\nimaplib)');
    assert.deepEqual(r, ['* ID ("name" "mailroom")', 'l2 OK ID completed']);
    c.close();
  });

  it('refuses a literal over the limit: {n} with a tagged BAD, {n+} with BYE', async () => {
    const c = await open();
    assert.equal((await c.cmd('t1', 'LOGIN alice {70000}')).pop(), 't1 BAD [TOOBIG] Literal too big (at most 65536 octets)');
    assert.match((await c.cmd('t2', 'NOOP')).pop()!, /^t2 OK/);
    assert.match((await c.cmd('t3', 'APPEND INBOX {2000000}')).pop()!, /^t3 NO \[TOOBIG\]/);
    c.write('t4 LOGIN alice {70000+}\r\n');
    assert.match(await c.line(), /^t4 BAD \[TOOBIG\]/);
    assert.match(await c.line(), /^\* BYE/);
    await c.waitClosed();
  });

  it('answers an over-long line with BAD and stays usable; closes on endless input', async () => {
    const c = await open();
    assert.deepEqual(await c.cmd('long', `NOOP ${'x'.repeat(10_000)}`), ['long BAD Line too long']);
    assert.match((await c.cmd('n', 'NOOP')).pop()!, /^n OK/);
    c.write(Buffer.alloc(200_000, 'y'));
    assert.match(await c.line(), /^\* BYE .*too long/i);
    await c.waitClosed();
  });

  it('keeps the session after a bad command, ends it after ten in a row', async () => {
    const c = await open();
    assert.match((await c.cmd('b1', 'FROB')).pop()!, /^b1 BAD Unknown command/);
    assert.match(await (c.write('\r\n'), c.line()), /^\* BAD/);
    assert.match((await c.cmd('b2', 'SELECT INBOX')).pop()!, /^b2 BAD Log in first/);
    assert.match((await c.cmd('b3', 'FETCH 1 FLAGS')).pop()!, /^b3 BAD/);
    assert.match((await c.cmd('ok', 'NOOP')).pop()!, /^ok OK/);
    for (let i = 0; i < 9; i++) assert.match((await c.cmd(`x${i}`, 'FROB')).pop()!, /BAD/);
    c.write('x9 FROB\r\n');
    assert.match(await c.line(), /^x9 BAD/);
    assert.match(await c.line(), /^\* BYE Too many invalid commands/);
    await c.waitClosed();
  });

  it('ENABLE, ID, NAMESPACE, state checks and LOGOUT', async () => {
    const c = await loggedIn();
    assert.deepEqual(await c.cmd('e', 'ENABLE QRESYNC X-UNKNOWN'), ['* ENABLED QRESYNC', 'e OK ENABLE completed']);
    assert.deepEqual(await c.cmd('e2', 'ENABLE CONDSTORE'), ['* ENABLED', 'e2 OK ENABLE completed']);
    assert.deepEqual(await c.cmd('n', 'NAMESPACE'), ['* NAMESPACE (("" ".")) NIL NIL', 'n OK NAMESPACE completed']);
    assert.deepEqual(await c.cmd('i', 'ID NIL'), ['* ID ("name" "mailroom")', 'i OK ID completed']);
    assert.match((await c.cmd('s', 'STARTTLS')).pop()!, /^s BAD/);
    assert.match((await c.cmd('f', 'FETCH 1 FLAGS')).pop()!, /^f BAD No mailbox selected/);
    assert.match((await c.cmd('x', 'CLOSE')).pop()!, /^x BAD/);
    assert.deepEqual(await c.cmd('o', 'LOGOUT'), ['* BYE Logging out', 'o OK LOGOUT completed']);
    await c.waitClosed();
  });

  it('logs out a silent client (autologout)', async () => {
    const quick = await startTestImap({ idleTimeoutMs: 300 });
    try {
      const { client } = await RawImap.open(quick.port);
      assert.match((await client.cmd('L', 'LOGIN alice pw1')).pop()!, /^L OK/);
      client.write('i IDLE\r\n');
      assert.equal(await client.line(), '+ idling');
      assert.equal(await client.line(), '* BYE Autologout; idle for too long');
      await client.waitClosed();
    } finally {
      await quick.stop();
    }
  });

  it('limits connections per user and per address', async () => {
    const users = [await loggedIn(), await loggedIn(), await loggedIn()];
    const fourth = await open();
    assert.equal((await fourth.cmd('L', 'LOGIN alice pw1')).pop(), 'L NO [LIMIT] Too many connections for this user');
    users.pop()!.close();
    const others: RawImap[] = [fourth];
    for (let i = 0; i < 3; i++) others.push(await open());
    const { client, greeting } = await RawImap.open(t.port);
    assert.match(greeting, /^\* BYE \[LIMIT\]/);
    await client.waitClosed();
    for (const c of [...users, ...others]) c.close();
  });
});
