// The network listener's relay rules, over loopback with the client's address
// bound: 127.0.0.1 is inside relayFrom (and counts as this machine, where AUTH
// may go without TLS), 127.0.0.2 is outside (a remote client). Open-relay
// probes are refused, relaying from the allowed network and after STARTTLS +
// AUTH reaches the queue, and swaks submits as an independent client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { run } from '../helpers/env.js';
import { TcpSmtp } from './client.js';
import { msg, PASSWORD, queuedOf, startWorld, type World } from './setup.js';

let w: World;
before(async () => {
  w = await startWorld({ mx: 'tls: starttls, auth: optional, relayFrom: [127.0.0.1/32]' });
});
after(async () => {
  await w?.stop();
});

async function outsider(): Promise<TcpSmtp> {
  const c = await TcpSmtp.open(w.port.mx!, '127.0.0.2');
  await c.hello();
  return c;
}

describe('relay rules', () => {
  it('refuses every open-relay probe from outside relayFrom, and takes local mail', async () => {
    const c = await outsider();
    assert.match(await c.cmd('MAIL FROM:<probe@spam.example>'), /^250/);
    for (const rcpt of ['<victim@remote.example>', '<victim%remote.example@test.example>', '<"victim@remote.example"@test.example>', '<@test.example:victim@remote.example>', '<@a.example,@test.example:victim@remote.example>', '<remote.example!victim@test.example>']) {
      assert.match(await c.cmd(`RCPT TO:${rcpt}`), /^554 5\.7\.1 Relay access denied/, rcpt);
    }
    assert.match(await c.cmd('RCPT TO:<nobody-here@test.example>'), /^550 5\.1\.1/);
    assert.match(await c.cmd('RCPT TO:<alice@test.example>'), /^250/);
    const r = await c.data(msg('to a local user', 'probe@spam.example', 'alice@test.example'));
    assert.match(r, /^250 2\.0\.0 Ok: queued as/);
    const q = queuedOf(w, r);
    assert.deepEqual(q.env.recipients.map((x: { address: string }) => x.address), ['alice@test.example']);
    assert.equal(q.env.source, 'smtp');
    assert.equal(q.env.client, '127.0.0.2');
    assert.match(q.eml, /^Received: from client\.example \(unknown \[127\.0\.0\.2\]\)/);
    assert.match(q.eml, /with ESMTP\s+id /);
    c.close();
  });

  it('relays for a client in relayFrom, but never a source route or % form', async () => {
    const c = await TcpSmtp.open(w.port.mx!, '127.0.0.1');
    await c.hello();
    assert.match(await c.cmd('MAIL FROM:<app@test.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<@hop.example:victim@remote.example>'), /^554 5\.7\.1/);
    assert.match(await c.cmd('RCPT TO:<victim%remote.example@test.example>'), /^554 5\.7\.1/);
    assert.match(await c.cmd('RCPT TO:<friend@remote.example>'), /^250/);
    const r = await c.data(msg('relayed from the lan', 'app@test.example'));
    assert.match(r, /^250 /);
    const q = queuedOf(w, r);
    assert.deepEqual(q.env.recipients.map((x: { address: string }) => x.address), ['friend@remote.example']);
    assert.equal(q.env.sender, 'app@test.example');
    c.close();
  });

  it('offers AUTH to a remote client only after STARTTLS, then relays as the user', async () => {
    const c = await outsider();
    // hello() returned the first EHLO: ask again to see its capabilities
    const ehlo = await c.cmd('EHLO client.example');
    assert.doesNotMatch(ehlo, /AUTH/);
    assert.match(ehlo, /STARTTLS/);
    assert.match(await c.authPlain('alice', PASSWORD), /^5\d\d /);
    const secureEhlo = await c.starttls(w.ca);
    assert.match(secureEhlo, /AUTH PLAIN LOGIN/);
    assert.match(await c.authPlain('alice', PASSWORD), /^235/);
    assert.match(await c.cmd('MAIL FROM:<alice@test.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<friend@remote.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<@hop.example:victim@remote.example>'), /^554 5\.7\.1/, 'not even for a user');
    const r = await c.data(msg('authenticated relay'));
    assert.match(r, /^250 /);
    const q = queuedOf(w, r);
    assert.equal(q.env.user, 'alice');
    assert.match(q.eml, /\(using TLSv1\.[23] with cipher [A-Z0-9_-]+\)/);
    assert.match(q.eml, /\(Authenticated sender: alice\)/);
    assert.match(q.eml, /with ESMTPSA\s+id /);
    assert.ok(!q.eml.includes(PASSWORD), 'no password in the message');
    assert.ok(!w.daemon.log().includes(PASSWORD), 'no password in the log');
    c.close();
  });

  it('offers AUTH without TLS to 127.0.0.1, this machine', async () => {
    const c = await TcpSmtp.open(w.port.mx!, '127.0.0.1');
    assert.match(await c.hello(), /AUTH PLAIN LOGIN/);
    assert.match(await c.authPlain('alice', PASSWORD), /^235/);
    c.close();
  });

  it('answers a wrong password 535, later and later (the shared login throttle)', async () => {
    const c = await outsider();
    await c.starttls(w.ca);
    assert.match(await c.authPlain('alice', 'wrong'), /^535 5\.7\.8/);
    assert.match(await c.authPlain('alice', 'wrong again'), /^535 5\.7\.8/);
    await w.daemon.waitLog(/smtp login failed.*delay_ms.?.?2000/);
    assert.match(w.daemon.log(), /smtp login failed.*delay_ms.?.?1000/);
    assert.match(await c.authPlain('alice', PASSWORD), /^235/, 'the right password still works');
    c.close();
  });

  it('refuses a sender the user does not own, accepts the ones the users file gives', async () => {
    const c = await outsider();
    await c.starttls(w.ca);
    assert.match(await c.authPlain('alice', PASSWORD), /^235/);
    assert.match(await c.cmd('MAIL FROM:<bob@test.example>'), /^553 5\.7\.1/);
    assert.match(await c.cmd('MAIL FROM:<alice@elsewhere.example>'), /^553 5\.7\.1/);
    for (const own of ['alias@other.example', 'sales@brand.example', 'Alice@Test.Example']) {
      assert.match(await c.cmd(`MAIL FROM:<${own}>`), /^250/, own);
      assert.match(await c.cmd('RSET'), /^250/);
    }
    c.close();
  });

  it('swaks submits with STARTTLS and AUTH from outside', async () => {
    const r = await run('/usr/bin/swaks', ['--server', '127.0.0.1', '--port', String(w.port.mx), '--local-interface', '127.0.0.2', '--tls', '--auth', 'LOGIN', '--auth-user', 'alice', '--auth-password', PASSWORD, '--from', 'alice@test.example', '--to', 'friend@remote.example', '--header', 'Subject: via swaks', '--body', 'swaks body', '--helo', 'swaks.example']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const last = /<~?\s+(250 2\.0\.0 Ok: queued as \w+)/.exec(r.stdout)?.[1];
    assert.ok(last, r.stdout);
    const q = queuedOf(w, last);
    assert.match(q.eml, /Subject: via swaks/);
    assert.match(q.eml, /\(Authenticated sender: alice\)/);
    assert.equal(q.env.client, '127.0.0.2');
  });
});
