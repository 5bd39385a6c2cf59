// STARTTLS (RFC 3501 §6.2.1) and implicit TLS with a throw-away certificate,
// driven by imaplib; before TLS, when loopback is not trusted (as for any
// remote client), LOGINDISABLED is advertised and LOGIN/AUTHENTICATE refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCert } from '../mailbox/fixture.js';
import { IMAPLIB, python } from './py.js';
import { RawImap } from './raw-client.js';
import { startTestImap, type TestImap } from './fixture.js';

let t: TestImap;
let cert: { cert: string; key: string };
let certDir: string;
before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'mailroom-imapcert-'));
  cert = makeCert(certDir);
  t = await startTestImap({ tls: 'starttls', tlsListen: '127.0.0.1:0', loopbackIsSecure: false, cert });
});
after(async () => {
  await t?.stop();
  rmSync(certDir, { recursive: true, force: true });
});

describe('IMAP over TLS', () => {
  it('advertises STARTTLS and LOGINDISABLED and refuses plain-text logins before TLS', async () => {
    const { client, greeting } = await RawImap.open(t.port);
    assert.match(greeting, /STARTTLS/);
    assert.match(greeting, /LOGINDISABLED/);
    assert.ok(!greeting.includes('AUTH=PLAIN'));
    assert.equal((await client.cmd('a', 'LOGIN alice pw1')).pop(), 'a NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections');
    assert.match((await client.cmd('b', `AUTHENTICATE PLAIN ${Buffer.from('\0alice\0pw1').toString('base64')}`)).pop()!, /^b NO \[PRIVACYREQUIRED\]/);
    client.close();
  });

  it('logs in after STARTTLS (imaplib starttls)', async () => {
    const out = await python(
      IMAPLIB.replace("M = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']), timeout=20)", '') +
        `ctx = ssl.create_default_context(cafile=os.environ['CA'])\nM = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']), timeout=20)\n` +
        `before = list(M.capabilities)\nM.starttls(ssl_context=ctx)\nafter = list(M.capabilities)\nl = M.login('alice', 'pw1')[0]\nsel = M.select('INBOX')[0]\nM.logout()\n` +
        `print(json.dumps([before, after, l, sel]))`,
      { PORT: String(t.port), CA: cert.cert },
    );
    const [beforeCaps, afterCaps, l, sel] = out;
    assert.ok(beforeCaps.includes('STARTTLS') && beforeCaps.includes('LOGINDISABLED'));
    assert.ok(!afterCaps.includes('STARTTLS') && !afterCaps.includes('LOGINDISABLED') && afterCaps.includes('AUTH=PLAIN'));
    assert.equal(l, 'OK');
    assert.equal(sel, 'OK');
  });

  it('serves implicit TLS on tlsListen (imaplib IMAP4_SSL)', async () => {
    const out = await python(
      `import imaplib, ssl, json, os\nctx = ssl.create_default_context(cafile=os.environ['CA'])\nM = imaplib.IMAP4_SSL('127.0.0.1', int(os.environ['PORT']), ssl_context=ctx, timeout=20)\n` +
        `caps = list(M.capabilities)\ntyp = M.authenticate('PLAIN', lambda _: b'\\0alice\\0pw1')[0]\nM.logout()\nprint(json.dumps([caps, typ]))`,
      { PORT: String(t.server.tlsAddress!.port), CA: cert.cert },
    );
    assert.ok(out[0].includes('AUTH=PLAIN') && !out[0].includes('STARTTLS'));
    assert.equal(out[1], 'OK');
  });
});
