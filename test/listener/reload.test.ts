// The listener as a service object, in this process: an IPv6 address,
// reload() giving new sessions new limits while an open session keeps its
// own, and close(). The publisher is a stand-in that records what it got.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/shared/log.js';
import type { Envelope } from '../../src/spool/envelope.js';
import type { Publisher } from '../../src/spool/publish.js';
import { startSmtpListeners, type SmtpListeners } from '../../src/submit/listener/server.js';
import { LoginThrottle } from '../../src/users/throttle.js';
import { freePort } from '../helpers/env.js';
import { TcpSmtp } from './client.js';

let dir: string;
let port: number;
let listeners: SmtpListeners;
const published: Envelope[] = [];
const publisher = { publish: async (env: Envelope) => void published.push(env) } as unknown as Publisher;
const configWith = (maxRecipients: number) =>
  validateConfig({ hostname: 'test.example', spool: join(dir, 'spool'), users: join(dir, 'users'), listen: [{ address: `[::1]:${port}`, tls: 'none', auth: 'none', relayFrom: ['::1/128'], maxRecipients }] });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-listener-'));
  port = await freePort();
  listeners = await startSmtpListeners(configWith(1), { publisher, log: createLogger('error'), throttle: new LoginThrottle() });
});
after(async () => {
  await listeners?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('listens on IPv6, takes new limits for new sessions on reload, and closes', async () => {
  assert.equal(listeners.listeners[0]!.address.address, '::1');
  const open = await TcpSmtp.open(port, '::1', '::1');
  await open.hello();
  listeners.reload(configWith(2));
  const fresh = await TcpSmtp.open(port, '::1', '::1');
  await fresh.hello();
  for (const c of [open, fresh]) assert.match(await c.cmd('MAIL FROM:<app@test.example>'), /^250/);
  for (const c of [open, fresh]) assert.match(await c.cmd('RCPT TO:<a@remote.example>'), /^250/);
  assert.match(await open.cmd('RCPT TO:<b@remote.example>'), /^452 4\.5\.3/, 'the open session keeps its limit');
  assert.match(await fresh.cmd('RCPT TO:<b@remote.example>'), /^250/, 'a new session has the new one');
  assert.match(await fresh.data('Subject: v6\r\n\r\nbody'), /^250 2\.0\.0 Ok: queued as/);
  assert.deepEqual(published.at(-1)!.recipients.map((r) => r.address), ['a@remote.example', 'b@remote.example']);
  assert.equal(published.at(-1)!.client, '::1');
  open.close();
  fresh.close();
  await listeners.close();
  await assert.rejects(TcpSmtp.open(port, '::1', '::1'), 'nothing listens after close()');
});
