// The listener's rules as functions: the forwarding forms never relayed,
// relayFrom networks (IPv4, IPv6, IPv4-mapped clients), sender ownership, the
// users file's optional third field, and the rate window.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { RateLimiter } from '../../src/submit/listener/limits.js';
import { forwardingForm, inNetworks, isOwnHost, networksOf, ownsSender } from '../../src/submit/listener/policy.js';
import { setUserHash } from '../../src/users/file.js';
import { parseUserLine } from '../../src/users/names.js';

it('names every forwarding form, and nothing else', () => {
  for (const p of ['<@a.example:b@c.example>', '<user%remote@local.example>', '<"user@remote"@local.example>', '<host!user@local.example>']) assert.ok(forwardingForm(p), p);
  for (const p of ['<user@local.example>', '<"john smith"@local.example>', 'postmaster', '<first.last+tag@local.example>']) assert.equal(forwardingForm(p), undefined, p);
});

it('matches relayFrom networks for IPv4, IPv6 and IPv4-mapped clients', () => {
  const n = networksOf(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
  assert.ok(inNetworks(n, '10.1.2.3') && inNetworks(n, '::ffff:10.1.2.3') && inNetworks(n, '2001:db8::5') && inNetworks(n, '192.0.2.7'));
  assert.ok(!inNetworks(n, '11.0.0.1') && !inNetworks(n, '192.0.2.8') && !inNetworks(n, undefined));
  assert.ok(isOwnHost('127.0.0.1') && isOwnHost('::1') && isOwnHost('::ffff:127.0.0.1') && !isOwnHost('127.0.0.2'));
});

it('lets a user send as user@local domain and as the users file grants', () => {
  const extras = ['alias@other.example', '*@brand.example'];
  assert.ok(ownsSender('alice', 'Alice@Test.Example', ['test.example'], extras));
  assert.ok(ownsSender('alice', 'alias@other.example', ['test.example'], extras));
  assert.ok(ownsSender('alice', 'x@brand.example', ['test.example'], extras));
  assert.ok(!ownsSender('alice', 'bob@test.example', ['test.example'], extras));
  assert.ok(!ownsSender('alice', 'alice@elsewhere.example', ['test.example'], extras));
  assert.ok(!ownsSender('alice', 'x@sub.brand.example', ['test.example'], extras));
});

it('reads the optional third field of a users line, and a password change keeps it', async () => {
  assert.deepEqual(parseUserLine('alice:scrypt$1$2$3$s$h'), { name: 'alice', hash: 'scrypt$1$2$3$s$h' });
  assert.deepEqual(parseUserLine('alice:scrypt$1$2$3$s$h: A@x.example , *@y.example'), { name: 'alice', hash: 'scrypt$1$2$3$s$h', addresses: ['a@x.example', '*@y.example'] });
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-users3-'));
  try {
    const f = join(dir, 'users');
    writeFileSync(f, 'alice:old:a@x.example\nbob:old\n', { mode: 0o600 });
    await setUserHash(f, 'alice', 'new');
    await setUserHash(f, 'bob', 'new');
    assert.equal(readFileSync(f, 'utf8'), 'alice:new:a@x.example\nbob:new\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses past the window, counts nothing refused, and opens again after it', () => {
  let now = 0;
  const r = new RateLimiter(() => now);
  const rate = { messages: 2, per: 1000 };
  assert.ok(r.take([['c:x', rate]]) && r.take([['c:x', rate]]));
  assert.ok(!r.take([['c:x', rate], ['u:a', rate]]));
  assert.ok(r.take([['u:a', rate]]) && r.take([['u:a', rate]]), 'the refused message counted for no key');
  now = 1000;
  assert.ok(r.take([['c:x', rate]]));
});
