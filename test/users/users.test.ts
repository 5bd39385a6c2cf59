// The users file: scrypt hashes, the light name reader, the throttle, and the
// `mailroom user` commands (password from stdin, never argv; mode 0600).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkPassword, hashPassword } from '../../src/users/hash.js';
import { parseUserLine, parseUsers, readUserNames, userNameSet } from '../../src/users/names.js';
import { LoginThrottle } from '../../src/users/throttle.js';
import { verifyPassword } from '../../src/users/verify.js';
import { BIN, run, sandbox, type Sandbox } from '../helpers/env.js';

let sb: Sandbox;
let users: string;
before(() => {
  sb = sandbox();
  users = join(sb.dir, 'etc/users');
  mkdirSync(join(sb.dir, 'etc')); // a users path in a missing directory is a configuration error
  writeFileSync(sb.config, `\nusers: ${users}\n`, { flag: 'a' });
});
after(() => sb.cleanup());

const user = (args: string[], input = '') => run(join(BIN, 'mailroom'), ['user', ...args, '--config', sb.config], input);

describe('password hashes', () => {
  it('scrypt$N$r$p$salt$hash, salted, checked in constant time', async () => {
    const h = await hashPassword('correct horse');
    assert.match(h, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(await hashPassword('correct horse'), h);
    assert.equal(await checkPassword(h, 'correct horse'), true);
    assert.equal(await checkPassword(h, 'correct horsE'), false);
    assert.equal(await checkPassword('scrypt$3$8$1$AAAA$AAAA', 'x'), false);
    assert.equal(await checkPassword('plain', 'plain'), false);
  });
});

describe('users file format', () => {
  it('a line without a colon, or with nothing before it, is no user (for every reader)', async () => {
    const text = '# comment\n\nalice:$scrypt$x\nbob\n:orphan-hash\n  Carol : $scrypt$y \n';
    assert.deepEqual(parseUsers(text), [
      { name: 'alice', hash: '$scrypt$x' },
      { name: 'carol', hash: '$scrypt$y' },
    ]);
    assert.equal(parseUserLine('bob'), undefined);
    assert.equal(parseUserLine(':x'), undefined);
    const f = join(sb.dir, 'format-users');
    writeFileSync(f, text);
    assert.deepEqual(readUserNames(f), ['alice', 'carol']);
    assert.deepEqual([...userNameSet(f)], ['alice', 'carol'], 'the router and sendmail read it the same way');
    assert.equal(await verifyPassword(f, 'bob', ''), false);
    writeFileSync(f, text + 'bob:$scrypt$z\n');
    assert.ok(userNameSet(f).has('bob'), 're-read once the file changed');
  });
});

describe('login throttle', () => {
  it('delays growing per failure and blocks an address after the limit', () => {
    let now = 0;
    const t = new LoginThrottle({ baseDelayMs: 1000, maxDelayMs: 8000, maxFailures: 10, windowMs: 600_000 }, () => now);
    const delays = Array.from({ length: 10 }, () => t.recordFailure('192.0.2.1'));
    assert.deepEqual(delays.slice(0, 5), [1000, 2000, 4000, 8000, 8000]);
    assert.ok(t.isBlocked('192.0.2.1'));
    assert.ok(!t.isBlocked('192.0.2.2'));
    now += 600_001;
    assert.ok(!t.isBlocked('192.0.2.1'));
    t.recordFailure('192.0.2.3');
    t.recordSuccess('192.0.2.3');
    assert.equal(t.recordFailure('192.0.2.3'), 1000);
  });
});

describe('mailroom user', () => {
  it('adds with the password on stdin, lists, changes, deletes; the file stays 0600', async () => {
    let r = await user(['add', 'Alice'], 'first pw\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(users).mode & 0o777, 0o600);
    assert.equal((await user(['add', 'bob', '--password-stdin'], 'bob pw')).code, 0);
    assert.equal((await user(['add', 'alice'], 'again\n')).code, 64);
    assert.equal((await user(['add', '../etc'], 'x\n')).code, 64);
    assert.equal((await user(['add', 'carol'], '')).code, 64, 'an empty password is refused');
    r = await user(['list']);
    assert.equal(r.stdout, 'alice\nbob\n');
    assert.deepEqual(readUserNames(users), ['alice', 'bob']);
    assert.deepEqual(readUserNames(join(sb.dir, 'missing')), []);
    assert.equal(await verifyPassword(users, 'alice', 'first pw'), true);
    assert.equal(await verifyPassword(users, 'ALICE', 'first pw'), true);
    assert.equal(await verifyPassword(users, 'alice', 'first pw '), false);
    assert.equal(await verifyPassword(users, 'nobody', 'first pw'), false);
    assert.equal((await user(['passwd', 'alice'], 'second pw\n')).code, 0);
    assert.equal(await verifyPassword(users, 'alice', 'second pw'), true);
    assert.equal(await verifyPassword(users, 'alice', 'first pw'), false);
    assert.equal((await user(['passwd', 'zed'], 'x\n')).code, 67);
    assert.equal((await user(['del', 'bob'])).code, 0);
    assert.equal((await user(['del', 'bob'])).code, 67);
    assert.deepEqual(readUserNames(users), ['alice']);
    assert.equal(statSync(users).mode & 0o777, 0o600);
    assert.match(readFileSync(users, 'utf8'), /^#.*\nalice:scrypt\$/);
    assert.deepEqual(readdirSync(join(sb.dir, 'etc')), ['users'], 'no temporary files left');
    // A password is never taken from argv.
    assert.notEqual((await user(['add', 'dave', 'secret'], 'x\n')).code, 0);
  });
});
