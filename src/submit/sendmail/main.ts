// The sendmail(8) entry point (also mailq and newaliases by argv[0]). The fast
// path — read stdin, fix headers, write maildrop/, poke the daemon — imports
// only what it needs; other modes are loaded on demand. Every failure ends as
// one line on stderr and a sysexits code, as scripts calling sendmail expect.
import { basename } from 'node:path';
import type { SubmitView } from '../../config/submit-view.js';
import { MailroomError } from '../../shared/errors.js';
import { exitCodeFor } from '../../shared/exit-codes.js';
import { newQueueId, type QueueId } from '../../spool/queue-id.js';
import { cutAtDot } from '../../message/normalize.js';
import { composeSubmission, type Composed } from '../compose.js';
import { dropMessage } from './drop.js';
import { parseFlags, type SendmailOptions } from './flags.js';
import { currentIdentity, gecosName, type Identity } from './identity.js';
import { loadSubmitView } from './load-view.js';
import { readStdin } from './read-input.js';
import { cleanSender } from '../sanitize.js';

/**
 * What is checked on the arguments alone, before the message is read. Also the
 * daemon's front end (../frontend/session.ts): one implementation of both paths.
 */
export function checkArguments(o: SendmailOptions, view: SubmitView): void {
  // Refuse header injection through arguments before reading the message, and
  // whether or not a From header will be generated.
  if (o.fullName !== undefined && /[\r\n\0]/.test(o.fullName)) {
    throw new MailroomError('BAD_FULL_NAME', 'full name (-F) contains a line break or NUL (header injection refused)');
  }
  if (o.from !== undefined) cleanSender(o.from, { hostname: view.hostname, masquerade: view.masquerade });
}

/** The envelope and stored message of a submission, from its options and the raw input (also the front end's). */
export function composeFromOptions(o: SendmailOptions, view: SubmitView, identity: Identity, raw: Buffer, id: QueueId = newQueueId()): Composed {
  const input = o.ignoreDots ? raw : cutAtDot(raw);
  return composeSubmission({
    view,
    id,
    identity,
    sender: o.from,
    fullName: () => o.fullName ?? gecosName(identity.user),
    recipients: o.recipients,
    extractRecipients: o.extractRecipients,
    notify: o.notify,
    ret: o.ret,
    envid: o.envid,
    body: o.body,
    protocol: 'local',
    input,
  });
}

async function deliver(o: SendmailOptions): Promise<number> {
  const view = await loadSubmitView(o.config);
  checkArguments(o, view);
  const identity = currentIdentity();
  const raw = await readStdin(view.maxMessageSize);
  const id = newQueueId();
  const composed = composeFromOptions(o, view, identity, raw, id);
  await dropMessage(view, id, composed);
  if (o.verbose) process.stderr.write(`sendmail: queued as ${id} for ${composed.drop.recipients.map((r) => `<${r.address}>`).join(', ')}\n`);
  return 0;
}

async function run(argv: string[], invokedAs: string): Promise<number> {
  const o = parseFlags(argv, invokedAs);
  switch (o.mode) {
    case 'deliver':
      return deliver(o);
    case 'smtp':
      return (await import('./smtp-stdio.js')).runSmtpOnStdio(o);
    case 'print':
      return (await import('./modes.js')).printQueue(o);
    case 'aliases':
      return (await import('./modes.js')).rebuildAliases(o);
    case 'verify':
      return (await import('./modes.js')).verifyRecipients(o);
    case 'queue':
      return (await import('./modes.js')).runQueue(o);
  }
}

/** A failure as the one line sendmail writes on stderr (the front end's daemon side sends the same). */
export function failureLine(name: string, err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  return `${name}: ${msg.split('\n')[0]}\n`;
}

/** Runs sendmail and exits with its sysexits code. */
export function main(argv: string[] = process.argv.slice(2), argv0: string = process.argv[1] ?? 'sendmail'): void {
  const invokedAs = basename(argv0);
  const name = invokedAs === 'mailq' || invokedAs === 'newaliases' ? invokedAs : 'sendmail';
  run(argv, invokedAs).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(failureLine(name, err));
      process.exitCode = exitCodeFor(err);
    },
  );
}
