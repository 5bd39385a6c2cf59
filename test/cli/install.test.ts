// mailroom install/uninstall into a temporary --root: the account, the spool's
// modes and owners, the files and links; a second install is a no-op; another
// MTA's sendmail is refused (exit 73) or moved aside with --force and put back
// exactly by uninstall; --dry-run changes nothing. One real install (no
// --root) runs only in CI as root, where the machine is thrown away after.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readConfigFile, validateConfig } from '../../src/config/load.js';
import { BIN, ROOT, run, startDaemon, waitFor, type Sandbox } from '../helpers/env.js';
import { startSmartHost } from '../relay/peers.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nsvc:x:999:999::/:/usr/sbin/nologin\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\nsvc:x:999:\n';

/** An image with account files (uid/gid 999 taken, so the free id is 998) and an empty /usr/sbin. */
function makeRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-install-'));
  roots.push(dir);
  mkdirSync(join(dir, 'etc'));
  mkdirSync(join(dir, 'usr/sbin'), { recursive: true });
  writeFileSync(join(dir, 'etc/passwd'), PASSWD);
  writeFileSync(join(dir, 'etc/group'), GROUP);
  writeFileSync(join(dir, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  return dir;
}

/** Every entry under dir: type, mode, owner, and content hash or link target. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    const st = lstatSync(p);
    const what = st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : st.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'dir';
    out.set(name, `${(st.mode & 0o177777).toString(8)} ${st.uid}:${st.gid} ${what}`);
  }
  return out;
}

/** sendmail links point at the compiled front end when it was built, else at bin/sendmail. */
const FRONT_END = join(ROOT, 'native/sendmail/build/mailroom-sendmail');
const SENDMAIL_TARGET = existsSync(FRONT_END) ? FRONT_END : join(ROOT, 'bin/sendmail');

const mailroom = (args: string[]) => run(join(BIN, 'mailroom'), args);

test('install into a --root: account, spool modes and owners, files, links; a second install changes nothing', async () => {
  const dir = makeRoot();
  const before = snapshot(dir);
  const r = await mailroom(['install', '--root', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^create user mailroom \(uid 998\)/m);

  const passwd = readFileSync(join(dir, 'etc/passwd'), 'utf8');
  assert.equal(passwd, `${PASSWD}mailroom:x:998:998:mailroom mail transfer agent:/var/spool/mailroom:/usr/sbin/nologin\n`);
  assert.equal(readFileSync(join(dir, 'etc/group'), 'utf8'), `${GROUP}mailroom:x:998:\n`);
  assert.match(readFileSync(join(dir, 'etc/shadow'), 'utf8'), /\nmailroom:!:\d+:/);

  const spool = join(dir, 'var/spool/mailroom');
  const expected: [string, number][] = [['', 0o711], ['maildrop', 0o1733], ...['tmp', 'data', 'locks', 'corrupt', 'incoming', 'deferred', 'hold'].map((d): [string, number] => [d, 0o700])];
  for (const [d, mode] of expected) {
    const st = lstatSync(join(spool, d));
    assert.ok(st.isDirectory(), d);
    assert.equal((st.mode & 0o7777).toString(8), mode.toString(8), `mode of spool/${d}`);
    if (isRoot) assert.deepEqual([st.uid, st.gid], [998, 998], `owner of spool/${d}`);
  }
  const users = lstatSync(join(dir, 'etc/mailroom/users'));
  assert.equal(users.mode & 0o777, 0o600);
  assert.equal(users.size, 0);
  if (isRoot) assert.equal(users.uid, 998);

  assert.equal(readFileSync(join(dir, 'usr/lib/tmpfiles.d/mailroom.conf'), 'utf8').split('\n').filter((l) => !l.startsWith('#'))[0], 'd /run/mailroom 0755 mailroom mailroom -');
  const unit = readFileSync(join(dir, 'etc/systemd/system/mailroom.service'), 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=${join(ROOT, 'bin/mailroom')} daemon --foreground$`, 'm'));
  assert.equal(unit.replace(/^ExecStart=.*$/m, ''), readFileSync(join(ROOT, 'etc/mailroom.service'), 'utf8').replace(/^ExecStart=.*$/m, ''));

  const cfgFile = join(dir, 'etc/mailroom/mailroom.yaml');
  const config = validateConfig(await readConfigFile(cfgFile), cfgFile);
  assert.equal(config.user, 'mailroom');
  assert.equal(config.spool, '/var/spool/mailroom');
  assert.equal(lstatSync(cfgFile).mode & 0o777, 0o644);

  for (const [link, bin] of [['usr/sbin/sendmail', 'sendmail'], ['usr/lib/sendmail', 'sendmail'], ['usr/bin/mailq', 'mailq'], ['usr/bin/newaliases', 'newaliases'], ['usr/bin/mailroom', 'mailroom']]) {
    assert.equal(readlinkSync(join(dir, link!)), bin === 'sendmail' ? SENDMAIL_TARGET : join(ROOT, 'bin', bin!), link);
  }

  const installed = snapshot(dir);
  const again = await mailroom(['install', '--root', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'already installed; nothing to do\n');
  assert.deepEqual(snapshot(dir), installed);

  // Uninstall keeps the spool, config, users file and account; a second one is a no-op; --purge removes the rest.
  const u = await mailroom(['uninstall', '--root', dir]);
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, /^keep spool \/var\/spool\/mailroom/m);
  assert.ok(!existsSync(join(dir, 'usr/bin')) && !existsSync(join(dir, 'usr/sbin/sendmail')) && !existsSync(join(dir, 'etc/systemd')));
  assert.ok(existsSync(join(spool, 'maildrop')) && existsSync(cfgFile));
  const uninstalled = snapshot(dir);
  const u2 = await mailroom(['uninstall', '--root', dir]);
  assert.equal(u2.code, 0, u2.stderr);
  assert.match(u2.stdout, /nothing to do\n$/);
  assert.deepEqual(snapshot(dir), uninstalled);

  writeFileSync(join(spool, 'maildrop', 'queued-message'), 'x');
  const p = await mailroom(['uninstall', '--root', dir, '--purge']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /delete spool \/var\/spool\/mailroom \(1 file in it\)/);
  assert.deepEqual(snapshot(dir), before);
  const p2 = await mailroom(['uninstall', '--root', dir, '--purge']);
  assert.match(p2.stdout, /^not installed/);
});

for (const kind of ['link', 'file'] as const) {
  test(`a Postfix sendmail (${kind}) is refused without --force and put back exactly by uninstall`, async () => {
    const dir = makeRoot();
    const sendmail = join(dir, 'usr/sbin/sendmail');
    if (kind === 'link') {
      writeFileSync(join(dir, 'usr/sbin/sendmail.postfix'), '\x7fELF fake binary\n');
      symlinkSync('../../usr/sbin/sendmail.postfix', sendmail);
    } else {
      writeFileSync(sendmail, '\x7fELF\0\0 fake binary reading /etc/postfix/main.cf\0', { mode: 0o2755 });
    }
    const before = snapshot(dir);

    const refused = await mailroom(['install', '--root', dir]);
    assert.equal(refused.code, 73, refused.stderr);
    assert.match(refused.stderr, /\/usr\/sbin\/sendmail: Postfix/);
    assert.match(refused.stderr, /--force/);
    assert.equal(refused.stdout, '');
    assert.deepEqual(snapshot(dir), before, 'a refused install changes nothing');

    const forced = await mailroom(['install', '--root', dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /move \/usr\/sbin\/sendmail \(Postfix\) aside to \/usr\/sbin\/sendmail\.mailroom-saved/);
    assert.equal(readlinkSync(sendmail), SENDMAIL_TARGET);
    assert.equal(lstatSync(join(dir, 'usr/sbin/sendmail.mailroom-saved')).isSymbolicLink(), kind === 'link');
    assert.equal((await mailroom(['install', '--root', dir, '--force'])).stdout, 'already installed; nothing to do\n');

    const u = await mailroom(['uninstall', '--root', dir, '--purge']);
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /restore \/usr\/sbin\/sendmail \(Postfix: /);
    assert.deepEqual(snapshot(dir), before, 'the previous sendmail and everything else is back');
  });
}

test('an existing configuration is not overwritten; its spool setting is used; purge leaves it', async () => {
  const dir = makeRoot();
  mkdirSync(join(dir, 'etc/mailroom'));
  const mine = 'hostname: mx.example.org\nspool: /srv/mailspool\n';
  writeFileSync(join(dir, 'etc/mailroom/mailroom.yaml'), mine);
  const r = await mailroom(['install', '--root', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^keep \/etc\/mailroom\/mailroom.yaml: there already/m);
  assert.equal(readFileSync(join(dir, 'etc/mailroom/mailroom.yaml'), 'utf8'), mine);
  assert.equal(lstatSync(join(dir, 'srv/mailspool/maildrop')).mode & 0o7777, 0o1733);
  assert.ok(!existsSync(join(dir, 'var/spool/mailroom')));
  const p = await mailroom(['uninstall', '--root', dir, '--purge']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(readFileSync(join(dir, 'etc/mailroom/mailroom.yaml'), 'utf8'), mine);
  assert.deepEqual(readdirSync(join(dir, 'etc/mailroom')), ['mailroom.yaml']);
  assert.ok(!existsSync(join(dir, 'srv')));
});

test('--dry-run prints one line per step and changes nothing (install and uninstall)', async () => {
  const dir = makeRoot();
  const before = snapshot(dir);
  const r = await mailroom(['install', '--root', dir, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  for (const re of [/^create group mailroom \(gid 998\)$/m, /^create spool \/var\/spool\/mailroom /m, /^write \/etc\/mailroom\/mailroom.yaml /m, /^link \/usr\/sbin\/sendmail -> /m, /^dry run: nothing changed$/m]) assert.match(r.stdout, re);
  assert.deepEqual(snapshot(dir), before);

  assert.equal((await mailroom(['install', '--root', dir])).code, 0);
  const installed = snapshot(dir);
  const u = await mailroom(['uninstall', '--root', dir, '--dry-run', '--purge']);
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, /^remove link \/usr\/sbin\/sendmail$/m);
  assert.match(u.stdout, /^delete spool \/var\/spool\/mailroom and every message in it$/m);
  assert.deepEqual(snapshot(dir), installed);
});

test('without --root, install needs root (exit 77)', { skip: !isRoot && 'needs setpriv from root' }, async () => {
  const r = await run(join(BIN, 'mailroom'), ['install', '--dry-run'], '', { asUser: 'nobody' });
  assert.equal(r.code, 77, r.stderr);
  assert.match(r.stderr, /must be run as root/);
});

test('a real install and uninstall (CI only, as root)', { skip: !(process.env.CI && isRoot) && 'runs only with CI set, as root' }, async (t) => {
  const state = (p: string) => {
    try {
      const st = lstatSync(p);
      return st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : `${st.mode} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    } catch {
      return 'absent';
    }
  };
  const watched = ['/usr/sbin/sendmail', '/usr/lib/sendmail', '/usr/bin/mailq', '/usr/bin/newaliases', '/usr/bin/mailroom', '/etc/mailroom', '/var/spool/mailroom'];
  const before = watched.map(state);
  const hadUser = (await run('getent', ['passwd', 'mailroom'])).code === 0;
  const occupied = before[0] !== 'absent';

  const r = await mailroom(['install', ...(occupied ? ['--force'] : [])]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /systemctl enable --now mailroom/);
  assert.equal(readlinkSync('/usr/sbin/sendmail'), SENDMAIL_TARGET);
  const pw = await run('getent', ['passwd', 'mailroom']);
  assert.equal(pw.code, 0);
  const uid = Number(pw.stdout.split(':')[2]);
  assert.ok(uid > 0 && uid < 1000, pw.stdout);
  assert.equal(lstatSync('/var/spool/mailroom/maildrop').uid, uid);
  if (readableBy('nobody', join(ROOT, 'dist/src/cli/main.js'))) await cronThroughInstalledSendmail(uid);
  else t.diagnostic(`skipped the daemon run: ${ROOT} cannot be read by other users`);

  const u = await mailroom(['uninstall']);
  assert.equal(u.code, 0, u.stderr);
  assert.equal(state('/usr/sbin/sendmail'), before[0], '/usr/sbin/sendmail is as it was');
  // The spool, config and account stay without --purge; --purge takes them (the account only if install made it).
  const p = await mailroom(['uninstall', '--purge']);
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(watched.map(state), before);
  assert.equal((await run('getent', ['passwd', 'mailroom'])).code === 0, hadUser);
});

/** True when `user` may read `path` (the daemon's account must load this package's code). */
function readableBy(user: string, path: string): boolean {
  return spawnSync('setpriv', ['--reuid', user, '--regid', user === 'nobody' ? 'nogroup' : user, '--clear-groups', 'test', '-r', path]).status === 0;
}

/**
 * On the installed system: the daemon (started as root, as systemd would, on
 * the installed spool and run directory) runs as mailroom, and a cron-style
 * submission by an unprivileged user through /usr/sbin/sendmail reaches an
 * aiosmtpd smart host.
 */
async function cronThroughInstalledSendmail(uid: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-installed-'));
  chmodSync(dir, 0o755); // the daemon's account reads its configuration
  const sink = await startSmartHost(dir, 'sink');
  // The installed configuration with a smart host: same spool, socket and user.
  const config = join(dir, 'mailroom.yaml');
  writeFileSync(config, `user: mailroom\nrelay:\n  mode: smarthost\n  smarthosts:\n    - { host: 127.0.0.1, port: ${sink.port}, tls: none }\n`);
  const daemon = await startDaemon({ config } as Sandbox);
  try {
    const pid = Number(/daemon started pid=(\d+)/.exec(daemon.log())![1]);
    assert.equal(Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]), uid, 'the daemon runs as mailroom');
    const r = await run('/usr/sbin/sendmail', ['-i', 'ops@example.net'], 'Subject: nightly backup\n\nall good\n', { asUser: 'nobody' });
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => sink.received().length === 1, 20_000, 'the smart host to receive it').catch(() => assert.fail(daemon.log()));
    const got = sink.received()[0]!;
    assert.deepEqual(got.rcpt_tos, ['ops@example.net']);
    assert.match(got.mail_from, /^nobody@/);
    assert.match(got.data, /all good/);
  } finally {
    assert.equal(await daemon.stop(), 0, daemon.log());
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
