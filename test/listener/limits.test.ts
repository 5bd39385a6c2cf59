// The listener's limits: SIZE refused at MAIL and at DATA (552), too many
// recipients (452), the error budget (421 and close), connections per client
// (421), and the message rate limit (450 at MAIL, and a later retry succeeds).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/env.js';
import { TcpSmtp } from './client.js';
import { msg, queuedOf, startWorld, type World } from './setup.js';

let w: World;
before(async () => {
  w = await startWorld({
    small: 'tls: none, auth: off, relayFrom: [127.0.0.1/32], maxMessageSize: 2KB, maxRecipients: 2, maxErrors: 3, maxConnectionsPerClient: 2',
    rate: 'tls: none, auth: off, relayFrom: [127.0.0.1/32], rateLimit: { perClient: { messages: 2, per: 2s } }',
  });
});
after(async () => {
  await w?.stop();
});

async function client(name: string): Promise<TcpSmtp> {
  const c = await TcpSmtp.open(w.port[name]!, '127.0.0.1');
  await c.hello();
  return c;
}

describe('listener limits', () => {
  it('refuses a message too big at MAIL SIZE= and at DATA, with 552', async () => {
    const c = await client('small');
    const ehlo = await c.cmd('EHLO client.example');
    assert.match(ehlo, /SIZE 2048/);
    assert.match(await c.cmd('MAIL FROM:<app@test.example> SIZE=5000'), /^552 /);
    assert.match(await c.cmd('MAIL FROM:<app@test.example> SIZE=500'), /^250/);
    assert.match(await c.cmd('RCPT TO:<friend@remote.example>'), /^250/);
    const big = msg('big') + '\r\n' + 'x'.repeat(70).concat('\r\n').repeat(60);
    assert.match(await c.data(big), /^552 /);
    // The connection goes on: a small one is taken.
    assert.match(await c.cmd('MAIL FROM:<app@test.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<friend@remote.example>'), /^250/);
    const r = await c.data(msg('small enough', 'app@test.example'));
    assert.match(r, /^250 /);
    assert.ok(queuedOf(w, r).eml.includes('small enough'));
    c.close();
  });

  it('answers 452 4.5.3 past maxRecipients', async () => {
    const c = await client('small');
    assert.match(await c.cmd('MAIL FROM:<app@test.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<a@remote.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<b@remote.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<c@remote.example>'), /^452 4\.5\.3/);
    const r = await c.data(msg('two of three', 'app@test.example'));
    assert.deepEqual(queuedOf(w, r).env.recipients.map((x: { address: string }) => x.address), ['a@remote.example', 'b@remote.example']);
    c.close();
  });

  it('closes with 421 after maxErrors refused commands', async () => {
    const c = await client('small');
    assert.match(await c.cmd('MAIL FROM:<app@test.example>'), /^250/);
    assert.match(await c.cmd('RCPT TO:<nobody1@test.example>'), /^550/);
    assert.match(await c.cmd('RCPT TO:<nobody2@test.example>'), /^550/);
    assert.match(await c.cmd('RCPT TO:<nobody3@test.example>'), /^421 4\.7\.0/);
    await waitFor(() => c.isClosed, 5000, 'the server to close');
  });

  it('refuses a client its third connection with 421', async () => {
    const a = await client('small');
    const b = await client('small');
    const c = await TcpSmtp.open(w.port.small!, '127.0.0.1');
    assert.match(await c.reply(), /^421 4\.7\.0 Too many connections/);
    b.close();
    c.close();
    await w.daemon.waitLog(/smtp connection refused/);
    // Once one closes, a new one is let in.
    await waitFor(async () => {
      const d = await TcpSmtp.open(w.port.small!, '127.0.0.1');
      const ok = (await d.reply()).startsWith('220');
      d.close();
      return ok;
    }, 10_000, 'a connection to be let in again');
    a.close();
  });

  it('answers 450 4.7.1 past the rate limit, and a later retry is taken', async () => {
    const c = await client('rate');
    const send = async (subject: string) => {
      const m = await c.cmd('MAIL FROM:<app@test.example>');
      if (!m.startsWith('250')) return m;
      assert.match(await c.cmd('RCPT TO:<friend@remote.example>'), /^250/);
      return c.data(msg(subject, 'app@test.example'));
    };
    assert.match(await send('one'), /^250 /);
    assert.match(await send('two'), /^250 /);
    assert.match(await send('three'), /^450 4\.7\.1/);
    let last = '';
    // Retries, as a client's queue would, until the window has passed (bounded).
    await waitFor(async () => (last = await send('three again')).startsWith('250'), 10_000, 'the retry to be taken');
    assert.ok(queuedOf(w, last).eml.includes('three again'));
    c.close();
  });
});
