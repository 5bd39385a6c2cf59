// SIGHUP under privilege separation (root only): the root process checks the
// file first and refuses an invalid one itself; a valid one gives both
// processes the new aliases, so a /file target that only the new aliases file
// names is accepted by root's own check of local writes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, run, sandboxWith, startDaemon, waitFor, type DaemonProc, type Sandbox } from '../helpers/env.js';

const DAEMON_USER = 'mailroom-t';
const isRoot = process.getuid?.() === 0;
const codeReadable = isRoot && spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', 'test', '-r', join(ROOT, 'dist/src/cli/main.js')]).status === 0;
const skip = !isRoot ? 'needs root (it creates a system account)' : !codeReadable ? `${ROOT} cannot be read by other users` : false;

let sb: Sandbox;
let daemon: DaemonProc;
const configFor = (dir: string, aliases: string, extra = '') => `hostname: test.example\nspool: ${dir}/spool\nsocket: ${dir}/run/submit.sock\nuser: ${DAEMON_USER}\nusers: ${dir}/users\nlocal:\n  mailboxes: ${dir}/mail\n  systemUsers: false\naliases: ${dir}/${aliases}\nrelay:\n  mode: hold\n${extra}`;

before(async () => {
  if (skip) return;
  try {
    execFileSync('id', ['-u', DAEMON_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', DAEMON_USER]);
  }
  sb = sandboxWith((dir) => `user: ${DAEMON_USER}\n`, { worldReadable: true, prefix: 'mailroom-reload-' });
  writeFileSync(join(sb.dir, 'aliases1'), 'postmaster: root\n');
  writeFileSync(join(sb.dir, 'aliases2'), `postmaster: root\narchive: ${sb.dir}/archive.mbox\n`);
  writeFileSync(join(sb.dir, 'archive.mbox'), '');
  chmodSync(join(sb.dir, 'archive.mbox'), 0o666);
  writeFileSync(sb.config, configFor(sb.dir, 'aliases1'));
  daemon = await startDaemon(sb);
});
after(async () => {
  if (skip) return;
  await daemon?.stop();
  sb?.cleanup();
});

async function hup(): Promise<string> {
  const from = daemon.log().length;
  daemon.proc.kill('SIGHUP'); // the root process: the one systemd's ExecReload signals
  await waitFor(() => /reloaded|reload refused/.test(daemon.log().slice(from)), 10_000, 'reload');
  return daemon.log().slice(from);
}

test('an invalid file is refused by the root process; the daemon is not asked', { skip }, async () => {
  writeFileSync(sb.config, configFor(sb.dir, 'aliases2', 'relay2: {}\n'));
  const out = await hup();
  assert.match(out, /reload refused .*relay2: unknown key/);
  // Give the daemon process time to answer a signal it should not have had.
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(daemon.log(), /reloading|reloaded/);
  assert.equal(daemon.proc.exitCode, null);
});

test('a new aliases file with a /file target reaches the root process', { skip }, async () => {
  writeFileSync(sb.config, configFor(sb.dir, 'aliases2'));
  const out = await hup();
  assert.match(out, /reloaded .*aliases/);
  const r = await run(join(BIN, 'sendmail'), ['-C', sb.config, '-i', 'archive'], 'Subject: keep\n\nfor the archive\n');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => readFileSync(join(sb.dir, 'archive.mbox'), 'utf8').includes('for the archive'), 15_000, 'file delivery').catch(() => assert.fail(daemon.log()));
  assert.doesNotMatch(daemon.log(), /privileged delivery refused/);
});
