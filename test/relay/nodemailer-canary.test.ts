// The private members of nodemailer's SMTPConnection that
// src/relay/nodemailer-adapter.ts relies on, checked on a real connection to
// an in-process smtp-server: each must exist with the expected type, and do
// what the adapter takes it to do. A failure names the member, so a nodemailer
// update that renames or drops one is caught here, not as odd relay behaviour.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { SMTPServer } from 'smtp-server';
import { disableNagle, forceSmtpUtf8, NODEMAILER_PRIVATE_MEMBERS, offeredAuth, offersExtension, peerAddress } from '../../src/relay/nodemailer-adapter.js';

let server: SMTPServer;
let port: number;
const mailArgs: Record<string, unknown>[] = [];

function member(obj: object, name: string): unknown {
  assert.ok(name in obj, `nodemailer SMTPConnection has no member ${name} (src/relay/nodemailer-adapter.ts relies on it)`);
  return (obj as Record<string, unknown>)[name];
}

function expectType(obj: object, name: string, type: string, what = type): void {
  const v = member(obj, name);
  const ok = what === 'array' ? Array.isArray(v) : what === 'Socket' ? v instanceof Socket : typeof v === type;
  assert.ok(ok, `nodemailer SMTPConnection.${name}: expected ${what}, found ${v === null ? 'null' : typeof v}`);
}

function connect(): Promise<SMTPConnection> {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, logger: false, allowInternalNetworkInterfaces: true, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 10_000 });
  return new Promise((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => resolve(conn));
  });
}

function send(conn: SMTPConnection, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => conn.send({ from, to: [to] }, Buffer.from('Subject: canary\r\n\r\nhi\r\n'), (err) => (err ? reject(err) : resolve())));
}

before(async () => {
  server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(address, _session, cb) {
      mailArgs.push((address.args || {}) as Record<string, unknown>);
      cb();
    },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.server.address() as AddressInfo).port;
});

after(() => new Promise<void>((r) => server.close(() => r())));

test('a fresh SMTPConnection has every private member the adapter names, with its type', () => {
  const conn = new SMTPConnection({ host: '127.0.0.1', port: 25, logger: false });
  for (const [name, type] of Object.entries(NODEMAILER_PRIVATE_MEMBERS)) expectType(conn, name, type);
  expectType(conn, '_supportedAuth', 'object', 'array');
  expectType(conn, '_supportedExtensions', 'object', 'array');
});

test('after EHLO: _socket is the socket, _supportedAuth and _supportedExtensions list what the server offered', async () => {
  const conn = await connect();
  try {
    expectType(conn, '_socket', 'object', 'Socket');
    disableNagle(conn);
    assert.equal(peerAddress(conn), '127.0.0.1', 'nodemailer SMTPConnection._socket.remoteAddress: not the peer address');
    expectType(conn, '_supportedAuth', 'object', 'array');
    assert.deepEqual(offeredAuth(conn).sort(), ['LOGIN', 'PLAIN'], 'nodemailer SMTPConnection._supportedAuth: not the mechanisms of the EHLO reply');
    expectType(conn, '_supportedExtensions', 'object', 'array');
    assert.ok(offersExtension(conn, 'SMTPUTF8'), 'nodemailer SMTPConnection._supportedExtensions: SMTPUTF8 offered but not listed');
    assert.ok(offersExtension(conn, 'PIPELINING'), 'nodemailer SMTPConnection._supportedExtensions: PIPELINING offered but not listed');
    assert.ok(!offersExtension(conn, 'CHUNKING'), 'nodemailer SMTPConnection._supportedExtensions: lists CHUNKING, which was not offered');
  } finally {
    conn.close();
  }
});

test('MAIL FROM goes through _sendCommand: forceSmtpUtf8 adds SMTPUTF8 for an ASCII sender, and its undo removes it', async () => {
  const conn = await connect();
  try {
    expectType(conn, '_sendCommand', 'function');
    mailArgs.length = 0;
    const undo = forceSmtpUtf8(conn);
    assert.ok(Object.prototype.hasOwnProperty.call(conn, '_sendCommand'), 'forceSmtpUtf8 did not replace _sendCommand');
    await send(conn, 'alice@example.org', 'bob@example.net');
    undo();
    assert.equal((conn as unknown as { _usingSmtpUtf8?: unknown })._usingSmtpUtf8, true, 'nodemailer SMTPConnection._usingSmtpUtf8: not set with SMTPUTF8 on MAIL FROM');
    assert.ok(!Object.prototype.hasOwnProperty.call(conn, '_sendCommand'), 'the undo of forceSmtpUtf8 left _sendCommand replaced');
    await send(conn, 'alice@example.org', 'bob@example.net');
    assert.equal(mailArgs.length, 2, 'the server did not see both MAIL FROM commands');
    assert.equal(mailArgs[0]!.SMTPUTF8, true, 'nodemailer SMTPConnection._sendCommand: MAIL FROM did not go through it (no SMTPUTF8 reached the server)');
    assert.equal(mailArgs[1]!.SMTPUTF8, undefined, 'SMTPUTF8 sent after the undo');
  } finally {
    conn.close();
  }
});
