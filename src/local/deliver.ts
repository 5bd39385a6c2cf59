// Local delivery: one recipient's Destination (mailbox, |command, /file) ->
// one DeliveryOutcome. Mailboxes go to a Maildir (local.mailboxes/<user>/),
// an mbox file (format: mbox) or the LMTP server of local.lmtp. This half
// prepares the bytes (trace headers, LF line ends, the loop check); writer.ts
// stores them, in this process or, under privilege separation, in the root
// process (privileged.ts). Never runs a command as root, never leaves a
// partial message where a reader looks.
import type { Config } from '../config/load.js';
import { isMailboxName } from '../route/expand.js';
import type { Logger } from '../shared/log.js';
import { alreadyDeliveredTo, toUnixLines, traceHeaders } from './headers.js';
import { deliverLmtp, parseLmtpUrl } from './lmtp.js';
import { mboxEntry } from './mbox.js';
import type { DeliveryEnvelope, DeliveryOutcome, LocalDelivery } from '../shared/delivery.js';
import { replies, replyLine } from '../shared/replies.js';
import { createLocalWriter, type LocalWrite, type LocalWriterOptions } from './writer.js';

export interface LocalDeliveryOptions extends LocalWriterOptions {
  /** LMTP time limit per phase (default 60 s). */
  lmtpTimeoutMs?: number;
  /** Where writes go instead of this process (the root process under privilege separation). */
  write?: (w: LocalWrite) => Promise<DeliveryOutcome>;
}

export function createLocalDelivery(config: Config, log: Logger, opts: LocalDeliveryOptions = {}): LocalDelivery {
  const lmtp = config.local.lmtp ? parseLmtpUrl(config.local.lmtp) : undefined;
  const write = opts.write ?? createLocalWriter(config, opts).write;
  let closed = false;
  const withTrace = (env: DeliveryEnvelope, recipient: string, message: Buffer) => Buffer.concat([traceHeaders(env.sender, recipient), toUnixLines(message)]);

  return {
    async deliver(dest, env, recipient, message) {
      if (closed) return replies.localTemporary('local delivery is shutting down');
      if (dest.kind !== 'remote' && dest.kind !== 'unknown' && alreadyDeliveredTo(message, recipient)) {
        return replies.loop(recipient);
      }
      switch (dest.kind) {
        case 'mailbox': {
          if (!isMailboxName(dest.user)) return replies.badMailboxName(dest.user);
          const user = dest.user.toLowerCase();
          if (lmtp) return (await deliverLmtp(lmtp, { name: config.hostname, timeoutMs: opts.lmtpTimeoutMs ?? 60_000 }, env.sender, [user], message))[0]!;
          return write({ kind: 'mailbox', user, id: env.id, sender: env.sender, data: withTrace(env, recipient, message) });
        }
        case 'pipe': {
          const o = await write({ kind: 'pipe', command: dest.command, alias: dest.alias, id: env.id, sender: env.sender, recipient, data: withTrace(env, recipient, message) });
          if (o.status !== 'delivered') log.debug('command delivery', { id: env.id, alias: dest.alias, reply: replyLine(o) });
          return o;
        }
        case 'file':
          return write({ kind: 'file', path: dest.path, alias: dest.alias, id: env.id, sender: env.sender, data: mboxEntry(env.sender, new Date(), withTrace(env, recipient, message)) });
        case 'unknown':
          return replies.userUnknown(dest.address, dest.reason);
        case 'remote':
          // A caller bug: remote destinations belong to the relay. Keep the mail.
          log.error('local delivery given a remote destination', { id: env.id, to: dest.address });
          return replies.localTemporary('not a local destination');
      }
    },
    async close() {
      closed = true;
    },
  };
}
