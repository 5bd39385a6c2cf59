// Replies, built in one place. A delivery result is data: its status, the
// SMTP code, the RFC 3463 enhanced status and the text; replyLine renders it
// ("452 4.2.2 mailbox full (...)") for the log line and the envelope's
// lastError, and the DSN reads the status from the structure. At the SMTP and
// POP3 edges an error becomes the reply of its row in the error catalogue
// (errors.ts): a client sees a generic reply, the detail goes to the log line.
import { edgeOf, isMailroomError } from './errors.js';

export type DeliveryStatus = 'delivered' | 'deferred' | 'failed';

/** A reply: SMTP code and enhanced status when it has them (a connection failure has neither). */
export interface Reply {
  code?: number | undefined;
  enhanced?: string | undefined;
  text: string;
  /** A server's reply exactly as it came, folded to one line, when it is not code, status and text with single spaces. */
  line?: string | undefined;
}

/** One recipient's result: temporary vs permanent is decided where the failure is understood. */
export interface Result extends Reply {
  status: DeliveryStatus;
}

/** The reply as one line, for the log and lastError. */
export function replyLine(r: Reply): string {
  return r.line ?? [r.code, r.enhanced, r.text].filter((x) => x !== undefined && x !== '').join(' ');
}

/** Code and enhanced status (RFC 3463) at the start of a line a server sent; what is not there stays undefined. */
export function fromServer(line: string): Reply {
  const m = /^([245]\d\d)(?=[\s-]|$)(?:([ -])([245]\.\d{1,3}\.\d{1,3})(?=\s|$))?\s?(.*)$/s.exec(line);
  const r: Reply = m ? { code: Number(m[1]), enhanced: m[3], text: m[4]! } : { text: line };
  if (replyLine(r) !== line) r.line = line;
  return r;
}

/** A reply of ours: the status follows the code's class (2xx, 4xx, 5xx). */
function ours(code: number, enhanced: string, text: string): Result {
  return { status: code < 400 ? 'delivered' : code < 500 ? 'deferred' : 'failed', code, enhanced, text };
}

/** Every delivery reply mailroom makes itself (RFC 5321 codes, RFC 3463 statuses). */
export const replies = {
  /** Delivered: `how` says where ("delivered to maildir", "appended to file"). */
  delivered: (how: string) => ours(250, '2.0.0', how),
  /** A local failure to try again (4.3.0: other or undefined mail system status). */
  localTemporary: (why: string) => ours(451, '4.3.0', why),
  /** A local failure for good (5.3.0). */
  localPermanent: (why: string) => ours(550, '5.3.0', why),
  /** An unknown local recipient or alias target (5.1.1). */
  userUnknown: (address: string, why: string) => ours(550, '5.1.1', `<${address}>: ${why}`),
  /** A mailbox name that is not one (5.1.3: bad destination syntax). */
  badMailboxName: (name: string) => ours(550, '5.1.3', `${JSON.stringify(name)} is not a usable mailbox name`),
  /** The mailbox (or file) cannot take mail (5.2.0). */
  mailboxUnusable: (why: string) => ours(550, '5.2.0', why),
  /** Locked by someone else (4.2.0). */
  mailboxLocked: (what: string) => ours(451, '4.2.0', `${what} is locked; try again later`),
  /** Over quota now (4.2.2): later deliveries may fit. */
  mailboxFull: (detail: string) => ours(452, '4.2.2', `mailbox full (${detail})`),
  /** Larger than the whole quota (5.2.2): it never fits. */
  overQuota: (size: number, quota: number) => ours(552, '5.2.2', `message of ${size} bytes is larger than the mailbox quota (${quota})`),
  /** The file system is full (4.3.1). */
  noSpace: (detail: string) => ours(452, '4.3.1', `insufficient system storage (${detail})`),
  /** A Delivered-To loop (5.4.6, RFC 5321 6.3). */
  loop: (recipient: string) => ours(554, '5.4.6', `mail forwarding loop for ${recipient} (it already has Delivered-To: ${recipient})`),
  /** The LMTP server cannot be reached (4.4.1). */
  lmtpUnavailable: (detail: string) => ours(451, '4.4.1', `LMTP server unavailable: ${detail}`.replace(/\s+/g, ' ').trim()),
  /** A network or routing problem without a reply of its own (4.4.0). */
  network: (why: string) => ours(451, '4.4.0', why.replace(/\s*\r?\n\s*/g, ' ').trim()),
  /** A domain with a null MX (RFC 7505: 556 5.1.10). */
  nullMx: (domain: string) => ours(556, '5.1.10', `domain ${domain} accepts no mail (null MX, RFC 7505)`),
  /** A domain that does not exist (5.1.2). */
  badDomain: (why: string) => ours(550, '5.1.2', why),
  /** DNS failed for now (4.4.3). */
  dnsTemporary: (why: string) => ours(451, '4.4.3', why),
  /** The host does not offer SMTPUTF8 that the message needs (RFC 6531: 5.6.7). */
  smtputf8Required: () => ours(550, '5.6.7', 'SMTPUTF8 is required (internationalized address), but was not offered by the host'),
  /** relay.mode none (5.7.1: delivery not authorized). */
  relayDisabled: () => ours(550, '5.7.1', 'relay.mode is none: mail to other domains is not sent'),
};

/** The RFC 3463 status for a DSN: the reply's own, else the class's default. */
export function dsnStatus(enhanced: string | undefined, permanent: boolean): string {
  return enhanced ?? (permanent ? '5.0.0' : '4.0.0');
}

export type SmtpCode = 250 | 251 | 252 | 421 | 450 | 451 | 452 | 501 | 503 | 550 | 552 | 553 | 554;

export interface SmtpReply {
  code: SmtpCode;
  enhanced: string;
  text: string;
}

/** The SMTP reply to a client whose command failed with `err`. */
export function replyFor(err: unknown): SmtpReply {
  const { smtp } = edgeOf(err);
  return { code: smtp.code as SmtpCode, enhanced: smtp.enhanced, text: smtp.text ?? (isMailroomError(err) ? err.message : 'Local error in processing') };
}

/** The POP3 -ERR line (RFC 2449 response code) for a command that failed with `err`. */
export function pop3ReplyFor(err: unknown): string {
  return edgeOf(err).pop3 === 'SYS/PERM' ? '-ERR [SYS/PERM] The command failed.' : '-ERR [SYS/TEMP] Internal error, try again later.';
}

export function formatReply(r: SmtpReply): string {
  return `${r.code} ${r.enhanced} ${r.text}`;
}
