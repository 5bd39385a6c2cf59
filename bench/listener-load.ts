// Network listener submissions: C parallel SMTP clients over TCP share N
// messages, pipelined as on the socket row: plain TCP from a relayFrom
// address, and STARTTLS + AUTH PLAIN as a user. The clock runs from the first
// MAIL to the last "250 queued"; connection set-up is not timed.
import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { hashPassword } from '../src/users/hash.js';
import type { BenchBox } from './sandbox.js';
import { expect, SmtpClient } from './smtp-client.js';
import { submitPipelined, type SocketResult } from './socket-load.js';
import { since } from './stats.js';

const PASSWORD = 'bench password';
const envelope = (i: number) => `MAIL FROM:<bench@bench.example>\r\nRCPT TO:<ops${i % 7}@example.net>\r\nDATA\r\n`;

/** Adds a certificate, a user and two listen entries (plain, STARTTLS) to the box's config; returns their ports. */
export async function configureListeners(box: BenchBox, plainPort: number, tlsPort: number): Promise<void> {
  const key = join(box.dir, 'key.pem');
  const cert = join(box.dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const users = join(box.dir, 'users');
  writeFileSync(users, `bench:${await hashPassword(PASSWORD)}:*@bench.example\n`, { mode: 0o600 });
  appendFileSync(
    box.config,
    `users: ${users}\ntls: { cert: ${cert}, key: ${key} }\nlisten:\n` +
      `  - { address: "127.0.0.1:${plainPort}", tls: none, auth: off, relayFrom: [127.0.0.0/8] }\n` +
      `  - { address: "127.0.0.1:${tlsPort}", tls: starttls, auth: required }\n`,
  );
}

function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

async function greet(c: SmtpClient): Promise<void> {
  expect((await c.replies(1))[0]!, 220, 'greeting');
  c.write('EHLO bench.example\r\n');
  const [ehlo] = await c.replies(1);
  expect(ehlo!, 250, 'EHLO');
  if (!/PIPELINING/i.test(ehlo!.text)) throw new Error('the server does not offer PIPELINING');
}

async function plainClient(port: number): Promise<SmtpClient> {
  const c = SmtpClient.over(await tcp(port));
  await greet(c);
  return c;
}

async function tlsAuthClient(port: number): Promise<SmtpClient> {
  const first = SmtpClient.over(await tcp(port));
  await greet(first);
  first.write('STARTTLS\r\n');
  expect((await first.replies(1))[0]!, 220, 'STARTTLS');
  const raw = first.detach();
  const secure = await new Promise<Socket>((resolve, reject) => {
    const t = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' }, () => resolve(t));
    t.once('error', reject);
  });
  secure.setNoDelay(true);
  const c = SmtpClient.over(secure);
  c.write('EHLO bench.example\r\n');
  expect((await c.replies(1))[0]!, 250, 'EHLO after STARTTLS');
  c.write(`AUTH PLAIN ${Buffer.from(`\0bench\0${PASSWORD}`).toString('base64')}\r\n`);
  expect((await c.replies(1))[0]!, 235, 'AUTH');
  return c;
}

/** `total` messages over `clients` connections to the listener on `port`, plain or STARTTLS + AUTH. */
export async function measureListener(port: number, mode: 'plain' | 'tls', total: number, clients: number, budgetMs: number): Promise<SocketResult> {
  let t0 = performance.now();
  const sent = await submitPipelined('', total, clients, {
    envelope,
    connect: () => (mode === 'plain' ? plainClient(port) : tlsAuthClient(port)),
    ready: () => (t0 = performance.now()),
    more: () => since(t0) < budgetMs,
  });
  return { sent, wanted: total, clients, ms: since(t0), capped: sent < total };
}
