// The root side of local delivery under privilege separation. The daemon runs
// as its own user and sends each write here over an IPC channel; this process
// trusts none of it: a mailbox name must be a mailbox name (its path is made
// here from local.mailboxes), and a |command or /file must be a target of the
// root-owned aliases that this process reads itself. Maildir writes run with
// the file-system identity of the mailbox's owner (seteuid), one at a time,
// so a link planted in a user's Maildir never lends root's rights to anyone.
import type { Config } from '../config/load.js';
import { isMailboxName } from '../route/expand.js';
import { createLocalRouter } from '../route/router.js';
import type { Logger } from '../shared/log.js';
import type { Owner } from './maildir.js';
import type { DeliveryOutcome } from '../shared/delivery.js';
import { replies } from '../shared/replies.js';
import { createLocalWriter, type LocalWrite } from './writer.js';

export interface DaemonAccount {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Runs `fn` with effective uid/gid `owner`, one call at a time: a process has
 * one identity, shared by its I/O threads.
 */
function identitySwitcher(): <T>(owner: Owner, fn: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(owner: Owner, fn: () => Promise<T>): Promise<T> => {
    const run = async (): Promise<T> => {
      process.setegid!(owner.gid);
      process.seteuid!(owner.uid);
      try {
        return await fn();
      } finally {
        process.seteuid!(0);
        process.setegid!(0);
      }
    };
    const p = chain.then(run, run);
    chain = p.catch(() => undefined);
    return p;
  };
}

export async function createPrivilegedWriter(config: Config, account: DaemonAccount, log: Logger): Promise<{ write(w: LocalWrite): Promise<DeliveryOutcome>; reload(config?: Config): Promise<void> }> {
  // New mailbox files are rw for their owner and readable by the daemon's
  // group (POP3 runs as the daemon); directories are setgid to that group.
  process.umask(0o022);
  const writer = createLocalWriter(config, {
    asOwner: identitySwitcher(),
    virtualOwner: { uid: account.uid, gid: account.gid },
    mailGroup: account.gid,
    maildirModes: { dir: 0o2770, file: 0o640 },
  });
  const router = await createLocalRouter(config);
  const refuse = (why: string): DeliveryOutcome => {
    log.warn('privileged delivery refused', { reason: why });
    return replies.localTemporary(`local delivery refused: ${why}`);
  };
  /** True when `alias` really expands (in this process's reading of the aliases) to this target. */
  const isTarget = (w: Extract<LocalWrite, { kind: 'pipe' | 'file' }>): boolean =>
    router.resolve(w.alias).some((d) => (w.kind === 'pipe' ? d.kind === 'pipe' && d.command === w.command : d.kind === 'file' && d.path === w.path));
  return {
    async write(w) {
      if (!w || typeof w !== 'object' || !Buffer.isBuffer(w.data)) return refuse('malformed request');
      if (w.kind === 'mailbox') {
        if (typeof w.user !== 'string' || !isMailboxName(w.user) || w.user !== w.user.toLowerCase()) return refuse('not a mailbox name');
        return writer.write(w);
      }
      if (w.kind === 'pipe' || w.kind === 'file') {
        if (typeof w.alias !== 'string' || !isTarget(w)) return refuse(`${w.kind} target is not in the aliases`);
        return writer.write(w);
      }
      return refuse('unknown request');
    },
    reload: (next?: Config) => router.reload(next),
  };
}
