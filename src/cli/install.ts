// mailroom install|uninstall: set this system (or an image under --root DIR)
// up to run mailroom as its sendmail, and undo exactly that. Another MTA's
// sendmail is moved aside only with --force; without it install exits 73.
import type { CommandModule } from 'yargs';
import { applyInstall } from '../install/apply.js';
import { describeOccupant } from '../install/detect.js';
import { readManifest } from '../install/manifest.js';
import { planInstall } from '../install/plan.js';
import { PATHS, runCommand, savedPath, systemdRunning, targetFor, type Target } from '../install/system.js';
import { runUninstall } from '../install/uninstall.js';
import { isMailroomError, MailroomError } from '../shared/errors.js';

type Args = { root?: string; user: string; force?: boolean; 'dry-run'?: boolean; purge?: boolean };

const out = (line: string) => process.stdout.write(`${line}\n`);

function targetOf(args: Args): Target {
  if (args.root === undefined && process.getuid?.() !== 0) throw new MailroomError('INSTALL_NOT_ROOT', 'must be run as root (or with --root DIR to work on an image)');
  return targetFor(args.root);
}

/** A failed system call (EACCES on a path, ENOSPC, ...) is an exit status, not a bug. */
async function classified(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (isMailroomError(err) || typeof code !== 'string') throw err;
    throw new MailroomError(code === 'EACCES' || code === 'EPERM' ? 'INSTALL_NOT_PERMITTED' : 'INSTALL_FAILED', (err as Error).message, { cause: err });
  }
}

async function install(args: Args): Promise<void> {
  const t = targetOf(args);
  const plan = await planInstall(t, { user: args.user, force: args.force ?? false });
  if (plan.conflicts.length) {
    if (args['dry-run']) for (const s of plan.steps) out(s.line);
    for (const c of plan.conflicts) process.stderr.write(`mailroom: ${describeOccupant(c)}\n`);
    const names = [...new Set(plan.conflicts.map((c) => c.mta ?? 'unrecognised'))].join(', ');
    throw new MailroomError('INSTALL_CONFLICT', `another mail system is installed (${names}); nothing changed. With --force it is moved aside (to ${savedPath(plan.conflicts[0]!.path)}) and uninstall puts it back`);
  }
  if (!plan.steps.length) {
    out('already installed; nothing to do');
    return;
  }
  for (const n of plan.notes) out(n);
  if (args['dry-run']) {
    for (const s of plan.steps) out(s.line);
    out('dry run: nothing changed');
    return;
  }
  await applyInstall(t, plan.steps, args.user, out);
  if (t.root) return;
  if (systemdRunning(t)) {
    await runCommand('systemd-tmpfiles', ['--create', PATHS.tmpfiles]);
    await runCommand('systemctl', ['daemon-reload']);
  }
  out('');
  out('Next steps:');
  out(`  edit ${PATHS.config} (relay, hostname), then: mailroom config check`);
  out('  systemctl daemon-reload && systemctl enable --now mailroom');
}

async function uninstall(args: Args): Promise<void> {
  const t = targetOf(args);
  const m = await readManifest(t);
  if (!m) {
    out(`not installed (no ${PATHS.manifest}); nothing to do`);
    return;
  }
  const changed = await runUninstall(t, m, { purge: args.purge ?? false, dryRun: args['dry-run'] ?? false }, out);
  if (args['dry-run']) out('dry run: nothing changed');
  else if (!changed) out('nothing to do');
}

const common = {
  root: { type: 'string', describe: 'work on the system image under DIR (paths prefixed; accounts from DIR/etc/passwd)' },
  'dry-run': { type: 'boolean', describe: 'print the plan, one line per step, and change nothing' },
} as const;

export const installCommand: CommandModule<{ config?: string }, Args> = {
  command: 'install',
  describe: 'install mailroom as the system mailer: account, spool, config, systemd unit, sendmail links',
  builder: (y) =>
    y.options({
      ...common,
      user: { type: 'string', default: 'mailroom', describe: 'the system account the daemon runs as' },
      force: { type: 'boolean', describe: "move another mail system's sendmail (mailq, newaliases) aside" },
    }) as never,
  handler: (args) => classified(() => install(args)),
};

export const uninstallCommand: CommandModule<{ config?: string }, Args> = {
  command: 'uninstall',
  describe: 'undo mailroom install (the spool, config and account stay unless --purge)',
  builder: (y) =>
    y.options({
      ...common,
      purge: { type: 'boolean', describe: 'also delete the spool (with any mail in it), the config, the users file and the account' },
    }) as never,
  handler: (args) => classified(() => uninstall(args)),
};
