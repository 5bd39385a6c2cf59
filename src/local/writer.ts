// The writing half of local delivery: prepared bytes into a mailbox (Maildir
// or mbox), through a |command, or appended to a /file. It parses nothing of
// the message; deliver.ts prepares the bytes (trace headers, LF line ends, the
// loop check) and chooses the target. Under privilege separation this half
// runs in the root process (privileged.ts), everything else does not.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import { systemAccount } from '../shared/passwd.js';
import { outcomeForError } from './classify.js';
import { createDirSyncer } from './dir-sync.js';
import { deliverToFile } from './file-target.js';
import { createMaildirWriter, type MaildirModes, type Owner } from './maildir.js';
import { appendMbox, mboxEntry } from './mbox.js';
import type { DeliveryOutcome } from '../shared/delivery.js';
import { replies } from '../shared/replies.js';
import { runPipe } from './pipe.js';

/** One write that local delivery asks for; `data` is ready to store as it is. */
export type LocalWrite =
  | { kind: 'mailbox'; user: string; id: string; sender: string; data: Buffer }
  | { kind: 'pipe'; command: string; alias: string; id: string; sender: string; recipient: string; data: Buffer }
  | { kind: 'file'; path: string; alias: string; id: string; sender: string; data: Buffer };

export interface LocalWriterOptions {
  /** Time limit for |command targets (default 5 minutes). */
  pipeTimeoutMs?: number;
  /** How long to wait for an mbox dot-lock before deferring (default 10 s). */
  lockTimeoutMs?: number;
  /** Dot-locks older than this are stale (default 5 minutes). */
  lockStaleMs?: number;
  /** The unprivileged account for commands and other users' files (default nobody). */
  pipeUser?: string;
  /** passwd file for owner lookups (tests). */
  passwd?: string;
  /**
   * Runs a Maildir write with the file-system identity of the mailbox's owner
   * (privilege separation); without it, a root daemon writes and chowns.
   */
  asOwner?: <T>(owner: Owner, fn: () => Promise<T>) => Promise<T>;
  /** Owner for mailboxes without a system account (the daemon's own user). */
  virtualOwner?: Owner;
  /** Group of every mailbox (the daemon's group, so that POP3 running as the daemon reads them). */
  mailGroup?: number;
  /** Directory and file modes of new Maildirs (default 0700 / 0600). */
  maildirModes?: MaildirModes;
}

export interface LocalWriter {
  write(w: LocalWrite): Promise<DeliveryOutcome>;
}

const isRoot = () => process.getuid?.() === 0;

export function createLocalWriter(config: Config, opts: LocalWriterOptions = {}): LocalWriter {
  const base = config.local.mailboxes;
  const maildir = createMaildirWriter(createDirSyncer(), opts.maildirModes);
  const lock = { timeoutMs: opts.lockTimeoutMs ?? 10_000, staleMs: opts.lockStaleMs ?? 5 * 60_000 };

  /** The mailbox's system account when it exists and we may chown; else the daemon's own user. */
  const ownerOf = (user: string): Owner | undefined => {
    if (!isRoot()) return undefined;
    const a = systemAccount(user, opts.passwd);
    const o = a ? { uid: a.uid, gid: a.gid } : opts.virtualOwner;
    return o && opts.mailGroup !== undefined ? { uid: o.uid, gid: opts.mailGroup } : o;
  };
  /** Commands and other users' files run as nobody; a non-root daemon cannot switch and runs them as itself. */
  const unprivileged = (): (Owner & { name: string }) | undefined => {
    if (!isRoot()) return undefined;
    const name = opts.pipeUser ?? 'nobody';
    const a = systemAccount(name, opts.passwd);
    if (!a) return { name, uid: 65534, gid: 65534 };
    return { name: a.name, uid: a.uid, gid: a.gid };
  };

  async function toMaildir(user: string, data: Buffer): Promise<DeliveryOutcome> {
    const root = join(base, user);
    const relay = `maildir:${root}`;
    const owner = ownerOf(user);
    try {
      // The mailbox's own directory is made here, by root, in a directory only
      // root may write; everything inside it is written as its owner.
      if (opts.asOwner && owner) await maildir.prepare(root, owner);
      const run = async (): Promise<DeliveryOutcome> => {
        const quota = config.local.quota;
        if (quota !== undefined) {
          if (data.length > quota) return { ...replies.overQuota(data.length, quota), relay };
          const used = await maildir.usage(root);
          if (used + data.length > quota) return { ...replies.mailboxFull(`${used} of ${quota} bytes used`), relay };
        }
        await maildir.deliver(root, opts.asOwner ? undefined : owner, data);
        return { ...replies.delivered('delivered to maildir'), relay };
      };
      return opts.asOwner && owner ? await opts.asOwner(owner, run) : await run();
    } catch (err) {
      return outcomeForError(err, relay, root);
    }
  }

  async function toMbox(user: string, sender: string, data: Buffer): Promise<DeliveryOutcome> {
    const file = join(base, user);
    const relay = `mbox:${file}`;
    try {
      await fsp.mkdir(base, { recursive: true, mode: 0o755 });
      await appendMbox(file, mboxEntry(sender, new Date(), data), ownerOf(user), lock);
      return { ...replies.delivered('delivered to mbox'), relay };
    } catch (err) {
      return outcomeForError(err, relay, file);
    }
  }

  return {
    async write(w) {
      switch (w.kind) {
        case 'mailbox':
          return config.local.format === 'mbox' ? toMbox(w.user, w.sender, w.data) : toMaildir(w.user, w.data);
        case 'pipe':
          return runPipe({
            command: w.command,
            as: unprivileged(),
            input: w.data,
            timeoutMs: opts.pipeTimeoutMs ?? 5 * 60_000,
            env: { SENDER: w.sender, RECIPIENT: w.recipient, ORIGINAL_RECIPIENT: w.recipient, QUEUE_ID: w.id },
            relay: `pipe:${w.alias}`,
          });
        case 'file':
          return deliverToFile(w.path, w.data, unprivileged(), { lock, timeoutMs: opts.pipeTimeoutMs ?? 5 * 60_000 });
      }
    },
  };
}
