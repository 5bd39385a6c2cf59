// Delivery status notifications (RFC 3464 multipart/report, RFC 3462): the
// human part, the machine-readable message/delivery-status part, and the
// original message's headers (text/rfc822-headers) or, with RET=FULL, the
// whole message (message/rfc822). Header and status fields are folded at 78
// characters; the status fields use header syntax (RFC 3464 §2.1.1).
import { foldField } from './header-encode.js';
import { rfc5322Date } from './headers.js';

export interface DsnRecipient {
  address: string;
  orcpt?: string | undefined;
  action: 'failed' | 'delayed' | 'delivered';
  status: string;
  diagnostic: string;
  remoteMta?: string | undefined;
}

export interface DsnInput {
  hostname: string;
  queueId: string;
  messageId: string;
  to: string;
  arrival: Date;
  envid?: string | undefined;
  recipients: DsnRecipient[];
  original: Buffer;
  returnFull: boolean;
  now?: Date;
}

function headersOf(msg: Buffer): Buffer {
  const end = msg.indexOf('\r\n\r\n');
  return end < 0 ? msg : msg.subarray(0, end + 2);
}

/** Name/value pairs as folded header lines joined by CRLF (no final CRLF). */
function fields(list: readonly (readonly [string, string])[]): string {
  return list.flatMap(([name, value]) => foldField(name, value)).join('\r\n');
}

export function buildDsn(d: DsnInput): Buffer {
  const now = d.now ?? new Date();
  const boundary = `${d.queueId}.${now.getTime().toString(36)}/${d.hostname}`;
  const failed = d.recipients.some((r) => r.action === 'failed');
  const delayed = !failed && d.recipients.some((r) => r.action === 'delayed');
  const subject = failed ? 'Undelivered Mail Returned to Sender' : delayed ? 'Delayed Mail (still being retried)' : 'Successful Mail Delivery Report';
  const intro = failed
    ? "I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients. It's attached below."
    : delayed
      ? 'Your message could not be delivered yet to one or more recipients.\r\nThe mail system will keep trying; no action is required from you.'
      : 'Your message was successfully delivered to the destinations listed below.';
  const human = [
    `This is the mail system at host ${d.hostname}.`,
    '',
    intro,
    '',
    ...d.recipients.map((r) => `<${r.address}>: ${r.diagnostic}`),
    '',
  ].join('\r\n');
  const perMessage = fields([
    ['Reporting-MTA', `dns; ${d.hostname}`],
    ['X-Mailroom-Queue-ID', d.queueId],
    ['Arrival-Date', rfc5322Date(d.arrival)],
    ...(d.envid ? [['Original-Envelope-Id', d.envid] as const] : []),
  ]);
  const perRcpt = d.recipients.map((r) =>
    fields([
      ['Final-Recipient', `rfc822; ${r.address}`],
      ...(r.orcpt ? [['Original-Recipient', r.orcpt.includes(';') ? r.orcpt : `rfc822; ${r.orcpt}`] as const] : []),
      ['Action', r.action],
      ['Status', r.status],
      ...(r.remoteMta ? [['Remote-MTA', `dns; ${r.remoteMta}`] as const] : []),
      ['Diagnostic-Code', `smtp; ${r.diagnostic.replace(/[\r\n]+/g, ' ')}`],
      ['Last-Attempt-Date', rfc5322Date(now)],
    ]),
  );
  const status = [perMessage, ...perRcpt].join('\r\n\r\n');
  const head = [
    fields([
      ['From', `Mail Delivery System <MAILER-DAEMON@${d.hostname}>`],
      ['To', `<${d.to}>`],
      ['Subject', subject],
      ['Date', rfc5322Date(now)],
      ['Message-ID', `<${d.messageId}@${d.hostname}>`],
      ['Auto-Submitted', 'auto-replied'],
      ['MIME-Version', '1.0'],
      ['Content-Type', `multipart/report; report-type=delivery-status; boundary="${boundary}"`],
    ]),
    '',
    'This is a MIME-encapsulated message.',
    '',
  ].join('\r\n');
  const parts = [
    Buffer.from(
      `${head}\r\n--${boundary}\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${human}\r\n` +
        `--${boundary}\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n${status}\r\n\r\n` +
        `--${boundary}\r\nContent-Description: ${d.returnFull ? 'Undelivered Message' : 'Undelivered Message Headers'}\r\nContent-Type: ${d.returnFull ? 'message/rfc822' : 'text/rfc822-headers'}\r\n\r\n`,
      'utf8',
    ),
    d.returnFull ? d.original : headersOf(d.original),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ];
  return Buffer.concat(parts);
}
