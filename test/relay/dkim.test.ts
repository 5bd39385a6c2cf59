// DKIM end to end: `mailroom dkim keygen` writes a key and prints a record; mail
// relayed through the daemon to a real smart host (aiosmtpd) arrives signed, and
// Debian's python3-dkim verifies it against the printed record (RSA-2048 and
// Ed25519); other domains stay unsigned; a changed body fails verification.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mailroom, sendmail, startDaemon, waitFor } from '../helpers/env.js';
import { startSmartHost, type SmartHost } from './peers.js';
import { relaySandbox } from './sandbox.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The TXT value from keygen's zone-file output: its quoted strings joined. */
function recordOf(stdout: string): string {
  const m = /IN TXT \(([\s\S]*?)\)/.exec(stdout);
  assert.ok(m, `a TXT record in: ${stdout}`);
  return [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]).join('');
}

/** python3-dkim's verdict on a message, with a DNS function answering only NAME. */
function verify(message: Buffer, name: string, record: string): string {
  const py = `
import sys, dkim
name, rec = sys.argv[1].encode(), sys.argv[2].encode()
def dns(q, timeout=5):
    return rec if q.rstrip(b'.') == name else None
print('pass' if dkim.verify(sys.stdin.buffer.read(), dnsfunc=dns) else 'fail')
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py, name, record], { input: message });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString().trim();
}

async function relayWithKey(type: 'rsa' | 'ed25519'): Promise<{ host: SmartHost; record: string; name: string; sb: ReturnType<typeof relaySandbox> }> {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  const key = join(sb.dir, `${type}.key`);
  const gen = await mailroom(sb, ['dkim', 'keygen', 'example.com', `s-${type}`, '--type', type, '--out', key]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.equal(statSync(key).mode & 0o777, 0o600, 'the key is written 0600');
  const host = await startSmartHost(sb.dir, 'sink');
  cleanups.push(() => host.stop());
  writeFileSync(
    sb.config,
    `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay:\n  mode: smarthost\n  smarthosts:\n    - { host: 127.0.0.1, port: ${host.port}, tls: none }\n` +
      `dkim:\n  - { domain: example.com, selector: s-${type}, privateKeyFile: ${key} }\n`,
  );
  const d = await startDaemon(sb);
  cleanups.push(() => d.stop());
  return { host, record: recordOf(gen.stdout), name: `s-${type}._domainkey.example.com`, sb };
}

for (const type of ['rsa', 'ed25519'] as const) {
  test(`${type}: relayed mail from a signing domain verifies with python3-dkim; a changed body does not`, async () => {
    const { host, record, name, sb } = await relayWithKey(type);
    if (type === 'rsa') assert.match(record, /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
    else assert.match(record, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
    const msg = 'From: Ops <ops@mail.example.com>\nTo: a@example.net\nSubject: signed\n\nhello\n';
    assert.equal((await sendmail(sb, ['-i', '-f', 'ops@mail.example.com', 'a@example.net'], msg)).code, 0);
    await waitFor(() => host.received().length === 1, 10_000, 'delivered to the smart host');
    const raw = host.received()[0]!.raw;
    assert.match(raw.toString(), /^DKIM-Signature: [^]*d=example\.com/m, 'signed by the parent domain');
    assert.equal(verify(raw, name, record), 'pass');
    assert.equal(verify(Buffer.from(raw.toString().replace('hello', 'hellO')), name, record), 'fail', 'a changed body fails');
    // The spool keeps the message as it was accepted: nothing there is signed.
  });
}

test('mail from a domain without a key is sent unsigned', async () => {
  const { host, sb } = await relayWithKey('rsa');
  assert.equal((await sendmail(sb, ['-i', '-f', 'ops@other.example', 'a@example.net'], 'Subject: plain\n\nhi\n')).code, 0);
  await waitFor(() => host.received().length === 1, 10_000, 'delivered');
  assert.doesNotMatch(host.received()[0]!.data, /DKIM-Signature/i);
});

test('keygen refuses to overwrite a key without --force (73); config check and the daemon refuse a key that cannot sign', async () => {
  const sb = relaySandbox(() => '');
  cleanups.push(() => sb.cleanup());
  const key = join(sb.dir, 'k.key');
  assert.equal((await mailroom(sb, ['dkim', 'keygen', 'example.com', 's1', '--out', key])).code, 0);
  const before = statSync(key).mtimeMs;
  const again = await mailroom(sb, ['dkim', 'keygen', 'example.com', 's1', '--out', key]);
  assert.equal(again.code, 73);
  assert.match(again.stderr, /already exists; use --force/);
  assert.equal(statSync(key).mtimeMs, before);
  assert.equal((await mailroom(sb, ['dkim', 'keygen', 'example.com', 's1', '--out', key, '--force'])).code, 0);
  assert.equal((await mailroom(sb, ['dkim', 'keygen', 'not a domain', 's1', '--out', key])).code, 64);
  writeFileSync(key, 'not a key\n');
  writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\nrelay: { mode: none }\ndkim:\n  - { domain: example.com, selector: s1, privateKeyFile: ${key} }\n`);
  const check = await mailroom(sb, ['config', 'check']);
  assert.equal(check.code, 78, check.stderr);
  assert.match(check.stderr, /dkim\[0\]\.privateKeyFile: not a private key/);
  const r = await mailroom(sb, ['daemon', '--foreground'], { timeoutMs: 15_000 });
  assert.equal(r.code, 78, r.stderr);
  assert.match(r.stderr, /dkim\[0\]\.privateKeyFile .*not a private key/);
});
