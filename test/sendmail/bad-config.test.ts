// A configuration that does not validate is refused by every face of sendmail
// (plain, -bs, -bp, -bv, mailq, newaliases) and by the daemon: exit 78
// (EX_CONFIG), one line on stderr naming the key path `mailroom config check`
// names, nothing in the spool, and no .submit.json cache written from it. A
// good configuration writes the cache, the next run reads it, and an edit or
// a removed file makes it stale.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cachePathFor } from '../../src/config/submit-view.js';
import { BIN, headerValues, mailroom, readDrops, run, sandbox, sendmail, type RunResult, type Sandbox, SENDMAIL_PATH, spoolFiles } from '../helpers/env.js';

const boxes: Sandbox[] = [];
after(() => boxes.forEach((b) => b.cleanup()));

/** Every regular file under the spool (it may not exist at all). */

interface BadConfig {
  what: string;
  /** The key path config check and sendmail must both name ('(file)' for the file itself). */
  key: string;
  yaml: (dir: string) => string;
}

const BAD: BadConfig[] = [
  { what: 'an invalid value (relay.mode: carrier-pigeon)', key: 'relay.mode', yaml: () => 'relay:\n  mode: carrier-pigeon\n' },
  { what: 'a file that is not YAML', key: '(file)', yaml: () => 'relay:\n  mode: hold\nlocal: [unclosed\n' },
  { what: 'an aliases file the config names that does not exist', key: 'aliases', yaml: (d) => `relay:\n  mode: hold\naliases: ${d}/no-such-aliases\n` },
  { what: 'a users file in a directory that does not exist', key: 'users', yaml: (d) => `relay:\n  mode: hold\nusers: ${d}/no-such-dir/users\n` },
];

const MODES: [string, (sb: Sandbox) => Promise<RunResult>, string][] = [
  ['plain', (sb) => sendmail(sb, ['-i', 'rcpt@example.net'], 'Subject: s\n\nbody\n'), 'sendmail'],
  ['-bs', (sb) => sendmail(sb, ['-bs'], 'EHLO c\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\nSubject: s\r\n\r\nbody\r\n.\r\nQUIT\r\n'), 'sendmail'],
  ['-bp', (sb) => sendmail(sb, ['-bp']), 'sendmail'],
  ['-bv', (sb) => sendmail(sb, ['-bv', 'rcpt@example.net']), 'sendmail'],
  ['mailq', (sb) => run(join(BIN, 'mailq'), ['-C', sb.config]), 'mailq'],
  ['newaliases', (sb) => run(join(BIN, 'newaliases'), ['-C', sb.config]), 'newaliases'],
];

function assertRefused(sb: Sandbox, r: RunResult, name: string, key: string): void {
  assert.equal(r.code, 78, `exit ${r.code}: ${r.stdout}${r.stderr}`);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(r.stderr, new RegExp(`^${name}: ${esc(sb.config)}: ${esc(key)}: [^\\n]+\\n$`), `one line naming ${key}: ${JSON.stringify(r.stderr)}`);
  assert.deepEqual(spoolFiles(sb), [], 'nothing in the spool');
  assert.equal(existsSync(cachePathFor(sb.config)), false, 'no .submit.json written from a bad config');
}

for (const bad of BAD) {
  describe(`refused: ${bad.what}`, { concurrency: 3 }, () => {
    const sb = sandbox(); // rewritten below: hostname, spool and socket, then the bad part
    boxes.push(sb);
    writeFileSync(sb.config, `hostname: test.example\nspool: ${sb.spool}\nsocket: ${sb.socket}\n${bad.yaml(sb.dir)}`);

    test('mailroom config check names the key, exit 78', async () => {
      const r = await mailroom(sb, ['config', 'check']);
      assert.equal(r.code, 78, r.stderr);
      assert.ok(r.stderr.split('\n').some((l) => l.startsWith(`  ${bad.key}: `)), `${bad.key} in:\n${r.stderr}`);
      assert.equal(existsSync(cachePathFor(sb.config)), false);
    });

    for (const [mode, go, name] of MODES) {
      test(`${mode}: exit 78, the key path, nothing queued, no cache`, async () => {
        assertRefused(sb, await go(sb), name, bad.key);
      });
    }

    test('the daemon refuses to start, exit 78', async () => {
      const r = await run(join(BIN, 'mailroom'), ['daemon', '--foreground', '--config', sb.config]);
      assert.equal(r.code, 78, r.stderr);
      assert.match(r.stderr, new RegExp(`${bad.key.replace(/[.()]/g, '\\$&')}: `));
      assert.equal(existsSync(sb.socket), false, 'no socket: it never started');
      assert.equal(existsSync(cachePathFor(sb.config)), false);
    });
  });
}

// The cache is the Node path's: through the front end the daemon composes with its own validated configuration.
describe('the cache', { concurrency: 1, skip: SENDMAIL_PATH === 'frontend' ? 'the Node path reads the cache; the front end hands the message to the daemon' : false }, () => {
  test('a good config writes it, the next run reads it, and an edit to a bad config is refused again', async () => {
    const sb = sandbox();
    boxes.push(sb);
    const cache = cachePathFor(sb.config);
    const first = await sendmail(sb, ['-i', 'a@example.net'], 'Subject: 1\n\nbody\n');
    assert.equal(first.code, 0, first.stderr);
    assert.ok(existsSync(cache), 'a good config is cached');
    // Prove the next run reads the cache and not the file: change what the cache says.
    const c = JSON.parse(readFileSync(cache, 'utf8'));
    c.view.hostname = 'from-the-cache.example';
    writeFileSync(cache, JSON.stringify(c));
    const second = await sendmail(sb, ['-i', 'b@example.net'], 'Subject: 2\n\nbody\n');
    assert.equal(second.code, 0, second.stderr);
    const drops = readDrops(sb);
    assert.equal(drops.length, 2);
    assert.match(headerValues(drops[1]!.content, 'Received')[0]!, /by from-the-cache\.example /);

    // The edit changes the file's size and mtime: the cache is stale, the file is validated again.
    writeFileSync(sb.config, readFileSync(sb.config, 'utf8').replace('mode: hold', 'mode: carrier-pigeon'));
    const before = readFileSync(cache, 'utf8');
    for (const r of [await sendmail(sb, ['-i', 'c@example.net'], 'Subject: 3\n\nbody\n'), await sendmail(sb, ['-bp'])]) {
      assert.equal(r.code, 78, r.stderr);
      assert.match(r.stderr, /^sendmail: \S+: relay\.mode: [^\n]+\n$/);
    }
    assert.equal(readDrops(sb).length, 2, 'nothing more queued');
    assert.equal(readFileSync(cache, 'utf8'), before, 'the stale cache is not rewritten from the bad config');
  });

  test('a file the config names that disappears makes the cache stale', async () => {
    const sb = sandbox();
    boxes.push(sb);
    const aliases = join(sb.dir, 'aliases');
    writeFileSync(aliases, 'postmaster: root\n');
    writeFileSync(sb.config, `aliases: ${aliases}\n`, { flag: 'a' });
    const ok = await sendmail(sb, ['-i', 'a@example.net'], 'Subject: 1\n\nbody\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(cachePathFor(sb.config)));
    rmSync(aliases);
    const r = await sendmail(sb, ['-i', 'b@example.net'], 'Subject: 2\n\nbody\n');
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /^sendmail: \S+: aliases: file \S+ does not exist\n$/);
    assert.equal(readDrops(sb).length, 1);
  });

  test('a users file may be absent while its directory exists (no users yet)', async () => {
    const sb = sandbox();
    boxes.push(sb);
    mkdirSync(join(sb.dir, 'state'));
    writeFileSync(sb.config, `users: ${sb.dir}/state/users\n`, { flag: 'a' });
    const r = await sendmail(sb, ['-i', 'root'], 'Subject: 1\n\nbody\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readDrops(sb).length, 1);
    const check = await mailroom(sb, ['config', 'check']);
    assert.equal(check.code, 0, check.stderr);
  });
});
