// Builds what goes into maildrop/ from a submission: the envelope (sender,
// recipients from argv and, with -t, the headers), and the message with its
// header fix-ups — Received first, then Date, Message-ID and From when
// missing, Bcc and Resent-Bcc removed (Postfix does the same). Shared by the
// sendmail command, its front end's daemon side and the SMTP socket.
import type { SubmitView } from '../config/submit-view.js';
import { MailroomError } from '../shared/errors.js';
import { hasNonAscii } from '../message/address.js';
import { addressesInHeader } from '../message/address-list.js';
import { fieldValue, findFields, hasField, rfc5322Date, type HeaderField } from '../message/headers.js';
import { foldClauses, foldField, formatMailbox } from '../message/header-encode.js';
import { MAX_LINE, parseMessage, serializeMessage } from '../message/normalize.js';
import type { DsnNotify } from '../spool/envelope.js';
import { ADDED_HEADERS_ROOM, type DropEnvelope, type DropRecipient } from '../spool/maildrop.js';
import type { QueueId } from '../spool/queue-id.js';
import { cleanRecipient, cleanSender, uniqueRecipients } from './sanitize.js';
import { checkLocalRecipients } from '../route/known-local.js';
import { masqueradeHeaders } from '../route/masquerade.js';

/** Who submits: the invoking user (sendmail) or the socket peer. */
export interface Identity {
  uid: number;
  user: string;
}

export interface Submission {
  view: SubmitView;
  id: QueueId;
  identity: Identity;
  /** -f / MAIL FROM, raw; undefined = the invoking user. */
  sender?: string | undefined;
  /** -F, or the GECOS name (looked up only when a From header is needed). */
  fullName?: () => string | undefined;
  recipients: string[];
  extractRecipients: boolean;
  notify?: DsnNotify[] | undefined;
  ret?: 'FULL' | 'HDRS' | undefined;
  envid?: string | undefined;
  body?: '7BIT' | '8BITMIME' | undefined;
  /** How it came in, for the Received header: "local" (argv) or "ESMTP" (-bs). */
  protocol: string;
  helo?: string;
  /** Clauses after "from HELO" in Received (the network listener: client address, TLS, authenticated user). */
  fromDetail?: string[];
  /** The message as read, already cut at a lone "." when that applies. */
  input: Buffer;
  now?: Date;
}

export interface Composed {
  drop: DropEnvelope;
  content: Buffer;
}

const dataError = (msg: string) => new MailroomError('BAD_MESSAGE', msg);

function recipientHeaders(fields: HeaderField[]): string[] {
  const resent = fields.some((f) => /^resent-(to|cc|bcc)$/i.test(f.name));
  const names = resent ? ['Resent-To', 'Resent-Cc', 'Resent-Bcc'] : ['To', 'Cc', 'Bcc'];
  return names.flatMap((n) => findFields(fields, n).flatMap((f) => addressesInHeader(f.name, fieldValue(f))));
}

function checkHeaderText(what: string, v: string): void {
  if (/[\r\n\0]/.test(v)) throw dataError(`${what} contains a line break or NUL (header injection refused)`);
}

export function composeSubmission(s: Submission): Composed {
  const now = s.now ?? new Date();
  const q = { hostname: s.view.hostname, masquerade: s.view.masquerade };
  if (s.input.length > s.view.maxMessageSize) {
    throw new MailroomError('MESSAGE_TOO_BIG', `message is ${s.input.length} bytes; the limit is ${s.view.maxMessageSize} (maxMessageSize)`);
  }
  const sender = s.sender === undefined ? cleanSender(s.identity.user, q) : cleanSender(s.sender, q);
  const msg = parseMessage(s.input);

  const raw = [...s.recipients.flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '')];
  if (s.extractRecipients) raw.push(...recipientHeaders(msg.fields));
  const recipients: DropRecipient[] = uniqueRecipients(raw.map((r) => ({ address: cleanRecipient(r, q), ...(s.notify ? { notify: s.notify } : {}) })));
  if (recipients.length === 0) {
    throw s.extractRecipients
      ? dataError('no recipient addresses found in the message header')
      : new MailroomError('USAGE', 'no recipients given (name them, or use -t)');
  }

  // A local name without a mailbox user or alias is refused here, at submission, (EX_NOUSER / 550 5.1.1).
  checkLocalRecipients(s.view, recipients.map((r) => r.address));

  const fields = masqueradeHeaders(msg.fields.filter((f) => !/^(resent-)?bcc$/i.test(f.name)), s.view.hostname, s.view.masquerade);
  const date = rfc5322Date(now);
  const by = s.view.hostname;
  const who = s.identity.uid >= 0 ? `mailroom, from userid ${s.identity.uid}` : 'mailroom';
  // Received as Postfix lays it out (from/by/with, then "id ...; date" on a line of its own), folded between clauses.
  const clauses = s.protocol === 'local' ? [`by ${by} (${who})`] : [`from ${s.helo ?? 'localhost'}`, ...(s.fromDetail ?? []), `by ${by} (${who})`, `with ${s.protocol}`];
  const received: HeaderField = { name: 'Received', lines: foldClauses('Received', [clauses, [`id ${s.id};`, date]]) };
  if (!hasField(fields, 'Date')) fields.push({ name: 'Date', lines: foldField('Date', date) });
  if (!hasField(fields, 'Message-ID')) fields.push({ name: 'Message-ID', lines: foldField('Message-ID', `<${s.id}@${by}>`) });
  if (!hasField(fields, 'From')) {
    const name = s.fullName?.();
    if (name !== undefined) checkHeaderText('full name (-F)', name);
    const addr = sender || `MAILER-DAEMON@${s.view.masquerade ?? by}`;
    // The name as a phrase, RFC 2047-encoded where not ASCII, folded at 78.
    const lines = foldField('From', formatMailbox(name, addr));
    // Bounded like one header line, so a huge -F cannot eat the room left for our headers.
    const size = Buffer.byteLength(lines.join('\r\n'));
    if (size > MAX_LINE) throw dataError(`the full name (-F) makes the From header ${size} octets long; the limit is ${MAX_LINE}`);
    fields.push({ name: 'From', lines });
  }
  const content = serializeMessage([received, ...fields], msg.body);
  // Line-ending repair and our header lines make the stored message larger than
  // the input; the daemon checks the stored size against the same bound.
  if (content.length > s.view.maxMessageSize + ADDED_HEADERS_ROOM) {
    throw new MailroomError('MESSAGE_TOO_BIG', `message is ${content.length} bytes as stored; the limit is ${s.view.maxMessageSize} (maxMessageSize)`);
  }

  const smtputf8 = hasNonAscii(sender) || recipients.some((r) => hasNonAscii(r.address)) || fields.some((f) => f.lines.some(hasNonAscii));
  const eightBit = msg.eightBit || smtputf8;
  const drop: DropEnvelope = {
    v: 1,
    sender,
    recipients,
    dsn: { ...(s.ret ? { ret: s.ret } : {}), ...(s.envid ? { envid: s.envid } : {}) },
    body: s.body === '8BITMIME' || eightBit ? '8BITMIME' : '7BIT',
    smtputf8,
    uid: s.identity.uid,
    user: s.identity.user,
    createdAt: now.toISOString(),
  };
  return { drop, content };
}
