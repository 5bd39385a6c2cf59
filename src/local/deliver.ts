// Local delivery: one recipient's Destination (mailbox, |command, /file) ->
// one DeliveryOutcome. Mailboxes go to a Maildir (local.mailboxes/<user>/),
// an mbox file (format: mbox) or the LMTP server of local.lmtp. Temporary vs
// permanent is decided here (classify.ts). Never writes outside the mailbox,
// never runs a command as root, never leaves a partial message where a reader looks.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/load.js';
import type { Destination } from '../route/destination.js';
import { isMailboxName } from '../route/expand.js';
import { systemAccount } from '../route/passwd.js';
import type { Logger } from '../shared/log.js';
import type { Envelope } from '../spool/envelope.js';
import { outcomeForError } from './classify.js';
import { createDirSyncer } from './dir-sync.js';
import { deliverToFile } from './file-target.js';
import { alreadyDeliveredTo, toUnixLines, traceHeaders } from './headers.js';
import { deliverLmtp, parseLmtpUrl } from './lmtp.js';
import { createMaildirWriter, type Owner } from './maildir.js';
import { appendMbox, mboxEntry } from './mbox.js';
import type { DeliveryOutcome } from './outcome.js';
import { runPipe } from './pipe.js';

export interface LocalDelivery {
  /** Delivers `message` (the spool's bytes) for `recipient` to one mailbox, command or file. */
  deliver(dest: Destination, env: Envelope, recipient: string, message: Buffer): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

export interface LocalDeliveryOptions {
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
  /** LMTP time limit per phase (default 60 s). */
  lmtpTimeoutMs?: number;
}

const isRoot = () => process.getuid?.() === 0;

export function createLocalDelivery(config: Config, log: Logger, opts: LocalDeliveryOptions = {}): LocalDelivery {
  const base = config.local.mailboxes;
  const maildir = createMaildirWriter(createDirSyncer());
  const lock = { timeoutMs: opts.lockTimeoutMs ?? 10_000, staleMs: opts.lockStaleMs ?? 5 * 60_000 };
  const lmtp = config.local.lmtp ? parseLmtpUrl(config.local.lmtp) : undefined;
  let closed = false;

  /** The mailbox's system account when it exists and we may chown; else the daemon's own user. */
  const ownerOf = (user: string): Owner | undefined => {
    if (!isRoot()) return undefined;
    const a = systemAccount(user, opts.passwd);
    return a ? { uid: a.uid, gid: a.gid } : undefined;
  };
  /** Commands and other users' files run as nobody; a non-root daemon cannot switch and runs them as itself. */
  const unprivileged = (): (Owner & { name: string }) | undefined => {
    if (!isRoot()) return undefined;
    const name = opts.pipeUser ?? 'nobody';
    const a = systemAccount(name, opts.passwd);
    if (!a) return { name, uid: 65534, gid: 65534 };
    return { name: a.name, uid: a.uid, gid: a.gid };
  };

  async function toMailbox(user: string, env: Envelope, recipient: string, message: Buffer): Promise<DeliveryOutcome> {
    if (lmtp) return (await deliverLmtp(lmtp, { name: config.hostname, timeoutMs: opts.lmtpTimeoutMs ?? 60_000 }, env.sender, [user], message))[0]!;
    const data = Buffer.concat([traceHeaders(env.sender, recipient), toUnixLines(message)]);
    const owner = ownerOf(user);
    if (config.local.format === 'mbox') {
      const file = join(base, user);
      const relay = `mbox:${file}`;
      try {
        await fsp.mkdir(base, { recursive: true, mode: 0o755 });
        await appendMbox(file, mboxEntry(env.sender, new Date(), data), owner, lock);
        return { status: 'delivered', reply: '250 2.0.0 delivered to mbox', relay };
      } catch (err) {
        return outcomeForError(err, relay, file);
      }
    }
    const root = join(base, user);
    const relay = `maildir:${root}`;
    try {
      const quota = config.local.quota;
      if (quota !== undefined) {
        if (data.length > quota) return { status: 'failed', reply: `552 5.2.2 message of ${data.length} bytes is larger than the mailbox quota (${quota})`, relay };
        const used = await maildir.usage(root);
        if (used + data.length > quota) return { status: 'deferred', reply: `452 4.2.2 mailbox full (${used} of ${quota} bytes used)`, relay };
      }
      await maildir.deliver(root, owner, data);
      return { status: 'delivered', reply: '250 2.0.0 delivered to maildir', relay };
    } catch (err) {
      return outcomeForError(err, relay, root);
    }
  }

  return {
    async deliver(dest, env, recipient, message) {
      if (closed) return { status: 'deferred', reply: '451 4.3.0 local delivery is shutting down' };
      if (dest.kind !== 'remote' && dest.kind !== 'unknown' && alreadyDeliveredTo(message, recipient)) {
        return { status: 'failed', reply: `554 5.4.6 mail forwarding loop for ${recipient} (it already has Delivered-To: ${recipient})` };
      }
      switch (dest.kind) {
        case 'mailbox':
          if (!isMailboxName(dest.user)) return { status: 'failed', reply: `550 5.1.3 ${JSON.stringify(dest.user)} is not a usable mailbox name` };
          return toMailbox(dest.user.toLowerCase(), env, recipient, message);
        case 'pipe': {
          const as = unprivileged();
          const input = Buffer.concat([traceHeaders(env.sender, recipient), toUnixLines(message)]);
          const o = await runPipe({
            command: dest.command,
            as,
            input,
            timeoutMs: opts.pipeTimeoutMs ?? 5 * 60_000,
            env: { SENDER: env.sender, RECIPIENT: recipient, ORIGINAL_RECIPIENT: recipient, QUEUE_ID: env.id },
            relay: `pipe:${dest.alias}`,
          });
          if (o.status !== 'delivered') log.debug('command delivery', { id: env.id, alias: dest.alias, reply: o.reply });
          return o;
        }
        case 'file': {
          const entry = mboxEntry(env.sender, new Date(), Buffer.concat([traceHeaders(env.sender, recipient), toUnixLines(message)]));
          return deliverToFile(dest.path, entry, unprivileged(), { lock, timeoutMs: opts.pipeTimeoutMs ?? 5 * 60_000 });
        }
        case 'unknown':
          return { status: 'failed', reply: `550 5.1.1 <${dest.address}>: ${dest.reason}` };
        case 'remote':
          // A caller bug: remote destinations belong to the relay. Keep the mail.
          log.error('local delivery given a remote destination', { id: env.id, to: dest.address });
          return { status: 'deferred', reply: '451 4.3.0 not a local destination' };
      }
    },
    async close() {
      closed = true;
    },
  };
}
