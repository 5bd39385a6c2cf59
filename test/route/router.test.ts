// Alias expansion through the real router: chains, self-reference, loops,
// :include:, remote targets, trust of |command and /file, users and system
// accounts; plus masquerading of sender headers.
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/load.js';
import { masqueradeHeaders } from '../../src/route/masquerade.js';
import { checkAliases, createLocalRouter } from '../../src/route/router.js';
import { unknownLocalRecipient } from '../../src/route/known-local.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailroom-route-'));
  writeFileSync(join(dir, 'users'), '# mailbox users\nalice:$scrypt$x\nbob:$scrypt$y\n');
  writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  writeFileSync(join(dir, 'list'), '# a mailing list\nalice\ncarol@example.org, "|/usr/bin/archive list"\n');
  writeFileSync(join(dir, 'list-untrusted'), 'bob, |/bin/evil, /tmp/evil\n');
  chownSync(join(dir, 'list-untrusted'), 65534, 65534);
  writeFileSync(
    join(dir, 'aliases'),
    [
      '# comment',
      'root: root, admin@example.com',
      'ops: root,',
      '  alice',
      'team: ops, bob@test.example, bob',
      'a: b',
      'b: c, alice',
      'c: a',
      'list: :include:' + join(dir, 'list'),
      'other: :include:' + join(dir, 'list-untrusted'),
      'missing: :include:' + join(dir, 'nope'),
      'archive: "|/usr/bin/archive all", /var/log/all-mail',
      'ghost: nosuchuser',
      'direct: \\alice, \\root',
      '',
    ].join('\n'),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (extra: Record<string, unknown> = {}) =>
  validateConfig({ hostname: 'test.example', aliases: join(dir, 'aliases'), users: join(dir, 'users'), ...extra });

test('an alias that names itself delivers to that mailbox, and an alias may point to a remote address', async () => {
  const r = await createLocalRouter(config(), { passwd: join(dir, 'passwd') });
  assert.deepEqual(r.resolve('root@test.example'), [
    { kind: 'mailbox', user: 'root' },
    { kind: 'remote', address: 'admin@example.com' },
  ]);
  assert.deepEqual(r.resolve('ROOT@localhost'), r.resolve('root@test.example'));
});

test('chains are followed, continuation lines read, duplicates delivered once', async () => {
  const r = await createLocalRouter(config(), { passwd: join(dir, 'passwd') });
  assert.deepEqual(r.resolve('team@test.example'), [
    { kind: 'mailbox', user: 'root' },
    { kind: 'remote', address: 'admin@example.com' },
    { kind: 'mailbox', user: 'alice' },
    { kind: 'mailbox', user: 'bob' },
  ]);
});

test('a loop is an error for that branch only, with the loop named; expansion ends', async () => {
  const r = await createLocalRouter(config(), { passwd: join(dir, 'passwd') });
  const d = r.resolve('a@test.example');
  assert.deepEqual(d.find((x) => x.kind === 'unknown'), { kind: 'unknown', address: 'a', reason: 'alias loop: a -> b -> c -> a' });
  assert.deepEqual(d.find((x) => x.kind === 'mailbox'), { kind: 'mailbox', user: 'alice' });
  assert.equal(d.length, 2);
});

test(':include: files are read; their commands run only when both files are root-owned', async () => {
  const r = await createLocalRouter(config(), { passwd: join(dir, 'passwd') });
  assert.deepEqual(r.resolve('list@test.example'), [
    { kind: 'mailbox', user: 'alice' },
    { kind: 'remote', address: 'carol@example.org' },
    { kind: 'pipe', command: '/usr/bin/archive list', alias: 'list' },
  ]);
  const other = r.resolve('other@test.example');
  assert.deepEqual(other[0], { kind: 'mailbox', user: 'bob' });
  assert.equal(other.filter((x) => x.kind === 'unknown').length, 2);
  assert.ok(other.every((x) => x.kind !== 'pipe' && x.kind !== 'file'));
  const missing = r.resolve('missing');
  assert.equal(missing.length, 1);
  assert.equal(missing[0]!.kind, 'unknown');
  assert.match((missing[0] as { reason: string }).reason, /cannot read :include: file .*nope: ENOENT/);
});

test('|command and /file targets: honoured from a root-owned aliases file only', async () => {
  const r = await createLocalRouter(config(), { passwd: join(dir, 'passwd') });
  assert.deepEqual(r.resolve('archive'), [
    { kind: 'pipe', command: '/usr/bin/archive all', alias: 'archive' },
    { kind: 'file', path: '/var/log/all-mail', alias: 'archive' },
  ]);
  const notRoot = join(dir, 'aliases-nobody');
  writeFileSync(notRoot, 'archive: |/usr/bin/archive, /var/log/x, alice\n');
  chownSync(notRoot, 65534, 65534);
  const r2 = await createLocalRouter(config({ aliases: notRoot }), { passwd: join(dir, 'passwd') });
  const d = r2.resolve('archive');
  assert.deepEqual(d.map((x) => x.kind), ['unknown', 'unknown', 'mailbox']);
  assert.match((d[0] as { reason: string }).reason, /root-owned aliases file/);
  // Inline aliases from the config are never trusted with commands.
  const r3 = await createLocalRouter(config({ aliases: { archive: ['|/bin/cat', 'alice'] } }), { passwd: join(dir, 'passwd') });
  assert.deepEqual(r3.resolve('archive').map((x) => x.kind), ['unknown', 'mailbox']);
});

test('users-file users and system accounts are local; anything else local is unknown; remote stays remote', async () => {
  const r = await createLocalRouter(config(), { passwd: join(dir, 'passwd') });
  assert.deepEqual(r.resolve('bob'), [{ kind: 'mailbox', user: 'bob' }]);
  assert.deepEqual(r.resolve('nobody@test.example'), [{ kind: 'mailbox', user: 'nobody' }]);
  assert.deepEqual(r.resolve('zed@test.example'), [{ kind: 'unknown', address: 'zed@test.example', reason: 'no such user: zed' }]);
  assert.deepEqual(r.resolve('ghost'), [{ kind: 'unknown', address: 'nosuchuser', reason: 'no such user: nosuchuser' }]);
  assert.deepEqual(r.resolve('x@example.net'), [{ kind: 'remote', address: 'x@example.net' }]);
  assert.equal(r.isLocal('x@example.net'), false);
  assert.equal(r.isLocal('x@LOCALHOST'), true);
  assert.deepEqual(r.resolve('direct'), [{ kind: 'mailbox', user: 'alice' }, { kind: 'mailbox', user: 'root' }]);
  // postmaster always exists (RFC 5321 §4.5.1): root's, through root's alias.
  assert.deepEqual(r.resolve('postmaster@test.example'), r.resolve('root'));
  const noSys = await createLocalRouter(config({ local: { systemUsers: false } }), { passwd: join(dir, 'passwd') });
  assert.equal(noSys.resolve('nobody')[0]!.kind, 'unknown');
});

test('an edited aliases file is picked up; reload() re-reads it', async () => {
  const file = join(dir, 'aliases-edit');
  writeFileSync(file, 'help: alice\n');
  const r = await createLocalRouter(config({ aliases: file }), { passwd: join(dir, 'passwd') });
  assert.deepEqual(r.resolve('help'), [{ kind: 'mailbox', user: 'alice' }]);
  writeFileSync(file, 'help: bob, someone@example.net\n');
  await r.reload();
  assert.deepEqual(r.resolve('help'), [{ kind: 'mailbox', user: 'bob' }, { kind: 'remote', address: 'someone@example.net' }]);
});

test('checkAliases reports loops and unreadable :include: files with line numbers', async () => {
  const { problems } = await checkAliases(config(), { passwd: join(dir, 'passwd') });
  const errors = problems.filter((p) => !p.warning).map((p) => `${p.line}: ${p.message}`);
  assert.deepEqual(errors, [
    '6: alias a: alias loop: a -> b -> c -> a',
    `11: alias missing: cannot read :include: file ${join(dir, 'nope')}: ENOENT`,
  ]);
  assert.ok(problems.some((p) => p.warning && p.line === 10 && /will be refused/.test(p.message)));
});

test('the submission check knows aliases, users, system accounts and postmaster', () => {
  const v = { localDomains: ['localhost', 'test.example'], aliases: join(dir, 'aliases'), users: join(dir, 'users'), systemUsers: true };
  const pw = join(dir, 'passwd');
  assert.equal(unknownLocalRecipient(v, ['ops@test.example', 'alice@localhost', 'nobody@test.example', 'postmaster@test.example', 'x@example.org'], pw), undefined);
  assert.equal(unknownLocalRecipient(v, ['alice@test.example', 'zed@test.example'], pw), 'zed@test.example');
  assert.equal(unknownLocalRecipient({ ...v, systemUsers: false }, ['nobody@test.example'], pw), 'nobody@test.example');
  assert.equal(unknownLocalRecipient({ ...v, aliases: { helpdesk: 'alice' } }, ['helpdesk@test.example', 'ops@test.example'], pw), 'ops@test.example');
  // A users-file line without a colon is no user, for the submission check as for logins.
  const loose = join(dir, 'users-loose');
  writeFileSync(loose, 'alice:$scrypt$x\ndave\n');
  assert.equal(unknownLocalRecipient({ ...v, users: loose }, ['alice@test.example', 'dave@test.example'], pw), 'dave@test.example');
});

test('masquerade rewrites sender headers with exactly the host name, nothing else', () => {
  const f = (name: string, ...lines: string[]) => ({ name, lines: [`${name}: ${lines[0]}`, ...lines.slice(1)] });
  const out = masqueradeHeaders(
    [
      f('From', 'Cron Daemon <root@web1.example.com>'),
      f('Sender', 'www-data@WEB1.example.com'),
      f('Reply-To', 'a@web1.example.com.evil.org, b@x.web1.example.com'),
      f('To', 'ops@web1.example.com'),
      f('Subject', 'mail from root@web1.example.com'),
    ],
    'web1.example.com',
    'example.com',
  );
  assert.deepEqual(
    out.map((x) => x.lines.join('\n')),
    ['From: Cron Daemon <root@example.com>', 'Sender: www-data@example.com', 'Reply-To: a@web1.example.com.evil.org, b@x.web1.example.com', 'To: ops@web1.example.com', 'Subject: mail from root@web1.example.com'],
  );
});
