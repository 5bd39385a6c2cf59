// STLS (RFC 2595) and implicit TLS with a throw-away self-signed certificate,
// driven by Python poplib; plain-text login refused before TLS when loopback
// is not trusted (the rule production applies to non-loopback clients).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLoopback, isPlaintextAllowed } from '../../src/pop3/auth-rules.js';
import { startPop3Server, type Pop3Server } from '../../src/pop3/server.js';
import { createLogger } from '../../src/shared/log.js';
import { makeCert, message, writeMaildir, writeUsersFile } from '../mailbox/fixture.js';
import { python } from './py.js';
import { RawPop3 } from './raw-client.js';

let dir: string;
let cert: { cert: string; key: string };
let server: Pop3Server;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-pop3tls-'));
  cert = makeCert(dir);
  await writeUsersFile(join(dir, 'users'), { alice: 'pw1' });
  writeMaildir(join(dir, 'mail'), 'alice', [{ content: message('over tls', ['secret body']) }]);
  server = await startPop3Server({
    listen: '127.0.0.1:0',
    tlsListen: '127.0.0.1:0',
    tls: 'starttls',
    cert,
    usersFile: join(dir, 'users'),
    mailboxes: join(dir, 'mail'),
    hostname: 'test.example',
    log: createLogger('error'),
    loopbackIsSecure: false,
  });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ctx = `import poplib, ssl, json, os\nctx = ssl.create_default_context(cafile=os.environ['CA'])\n`;

describe('POP3 over TLS', () => {
  it('the plain-text rule: TLS or loopback only', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('127.5.6.7') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
    assert.ok(!isLoopback('10.0.0.1') && !isLoopback('::ffff:192.0.2.1') && !isLoopback('2001:db8::1') && !isLoopback(undefined));
    assert.ok(!isPlaintextAllowed({ secure: false, remoteAddress: '192.0.2.7', loopbackIsSecure: true }));
    assert.ok(isPlaintextAllowed({ secure: true, remoteAddress: '192.0.2.7', loopbackIsSecure: true }));
    assert.ok(isPlaintextAllowed({ secure: false, remoteAddress: '127.0.0.1', loopbackIsSecure: true }));
  });

  it('refuses USER, PASS and AUTH PLAIN before TLS and hides them in CAPA', async () => {
    const { client } = await RawPop3.open(server.address!.port);
    assert.match(await client.cmd('CAPA'), /^\+OK/);
    const caps = (await client.multi()).toString();
    assert.ok(caps.includes('STLS\r\n'));
    assert.ok(!caps.includes('USER\r\n') && !caps.includes('SASL'));
    assert.match(await client.cmd('USER alice'), /^-ERR \[AUTH\]/);
    assert.match(await client.cmd(`AUTH PLAIN ${Buffer.from('\0alice\0pw1').toString('base64')}`), /^-ERR \[AUTH\]/);
    client.close();
  });

  it('logs in after STLS (poplib stls()) and retrieves', async () => {
    const out = await python(
      ctx +
        `p = poplib.POP3('127.0.0.1', int(os.environ['PORT']), timeout=20)\ncaps1 = p.capa()\np.stls(context=ctx)\ncaps2 = p.capa()\n` +
        `p.user('alice')\np.pass_('pw1')\nbody = b'\\r\\n'.join(p.retr(1)[1]).decode()\np.quit()\n` +
        `print(json.dumps({'before': sorted(caps1), 'after': sorted(caps2), 'body': body}))`,
      { PORT: String(server.address!.port), CA: cert.cert },
    );
    assert.ok(out.before.includes('STLS') && !out.before.includes('USER'));
    assert.ok(out.after.includes('USER') && out.after.includes('SASL') && !out.after.includes('STLS'));
    assert.match(out.body, /secret body/);
  });

  it('serves implicit TLS on tlsListen (poplib POP3_SSL)', async () => {
    const out = await python(
      ctx + `p = poplib.POP3_SSL('127.0.0.1', int(os.environ['PORT']), context=ctx, timeout=20)\np.user('alice')\np.pass_('pw1')\nst = p.stat()\np.quit()\nprint(json.dumps(st))`,
      { PORT: String(server.tlsAddress!.port), CA: cert.cert },
    );
    assert.equal(out[0], 1);
  });
});
