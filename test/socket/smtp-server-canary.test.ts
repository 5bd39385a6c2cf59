// The private members of smtp-server's SMTPConnection that
// src/submit/socket/smtp-server-adapter.ts relies on, checked on a real
// connection to an in-process server: each prototype method must exist as a
// function, each field with its type, and the accepted socket must be the one
// replies are written to. A failure names the member, so an smtp-server update
// that renames or drops one is caught here.
import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { SMTP_SERVER_PRIVATE_FIELDS, SMTP_SERVER_PRIVATE_METHODS } from '../../src/submit/socket/smtp-server-adapter.js';

let server: SMTPServer;
let port: number;
let accepted: Socket | undefined;

function field(obj: object, name: string): unknown {
  assert.ok(name in obj, `smtp-server SMTPConnection has no member ${name} (src/submit/socket/smtp-server-adapter.ts relies on it)`);
  return (obj as Record<string, unknown>)[name];
}

function expectType(obj: object, name: string, type: string): unknown {
  const v = field(obj, name);
  assert.equal(v === null ? 'null' : typeof v, type, `smtp-server SMTPConnection.${name}: expected ${type}, found ${v === null ? 'null' : typeof v}`);
  return v;
}

before(async () => {
  server = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, disableReverseLookup: true });
  server.server.on('connection', (s: Socket) => (accepted = s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.server.address() as AddressInfo).port;
});

after(() => new Promise<void>((r) => server.close(() => r())));

test('the SMTPConnection prototype has every method the adapter wraps or calls', () => {
  const proto = (SMTPConnection as unknown as { prototype: object }).prototype;
  for (const name of SMTP_SERVER_PRIVATE_METHODS) expectType(proto, name, 'function');
});

test('a live connection has the fields the adapter reads, and writes its replies to the accepted socket', { timeout: 30_000 }, async () => {
  const client = connect(port, '127.0.0.1');
  try {
    let got = '';
    client.on('data', (d) => (got += d.toString()));
    /** Resolves when what the server wrote so far matches. */
    const seen = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!re.test(got)) return;
          client.off('data', check);
          resolve();
        };
        client.on('data', check);
        client.once('error', reject);
        check();
      });
    await seen(/^220 /);
    const connections = field(server, 'connections') as Set<object>;
    assert.equal(connections.size, 1, 'smtp-server SMTPServer.connections: does not hold the live connection');
    const conn = [...connections][0]!;
    for (const [name, type] of Object.entries(SMTP_SERVER_PRIVATE_FIELDS)) expectType(conn, name, type);
    const options = expectType(field(conn, '_server') as object, 'options', 'object') as Record<string, unknown>;
    assert.equal(options.disableReverseLookup, true, 'smtp-server SMTPConnection._server.options: not the options the server was created with');
    assert.equal(field(conn, '_socket'), accepted, "smtp-server SMTPConnection._socket: not the socket of the server's 'connection' event");
    // hasSender reads session.envelope.mailFrom, filled by MAIL FROM.
    client.write('EHLO canary\r\nMAIL FROM:<a@example.org>\r\n');
    await seen(/\r\n250 [^\r]*\r\n250 [^\r]*\r\n$/);
    const session = field(conn, 'session') as { envelope?: { mailFrom?: unknown } };
    assert.ok(session.envelope?.mailFrom, 'smtp-server SMTPConnection.session.envelope.mailFrom: not set after MAIL FROM');
  } finally {
    client.destroy();
  }
});
