// The end of an SMTP transaction, shared by the local socket and the network
// listener: the DATA stream read within its bound, the message composed with
// its Received header (composeSubmission), published through the journal
// commit path, and our errors turned into the replies smtp-server sends.
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { SubmitView } from '../config/submit-view.js';
import { MailroomError } from '../shared/errors.js';
import { replyFor } from '../shared/replies.js';
import { newEnvelope, type DsnNotify, type Envelope } from '../spool/envelope.js';
import type { Publisher } from '../spool/publish.js';
import { newQueueId } from '../spool/queue-id.js';
import { composeSubmission } from './compose.js';

/** An error smtp-server sends as `code enhanced text`. */
export function smtpError(err: unknown): Error & { responseCode: number } {
  const r = replyFor(err);
  return Object.assign(new Error(`${r.enhanced} ${r.text}`), { responseCode: r.code });
}

/** A reply of our own, for smtp-server callbacks. */
export function smtpReply(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/** The message, or undefined when it is larger than `limit` (the rest is read and dropped). */
export async function readLimited(stream: SMTPServerDataStream, limit: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total <= limit) parts.push(chunk);
  }
  return stream.sizeExceeded || total > limit ? undefined : Buffer.concat(parts, total);
}

export interface DataContext {
  view: SubmitView;
  publisher: Publisher;
  /** Bound of the DATA stream in octets. */
  maxSize: number;
  /** The Received header's "with" (ESMTP, ESMTPS, ESMTPSA, LMTP) and its comment (TLS, authenticated user). */
  protocol: string;
  /** Received clauses after "from HELO". */
  fromDetail?: string[];
  /** The network client's address, recorded in the envelope. */
  client?: string | undefined;
  /** Whose submission the envelope records: the authenticated user, or none. */
  user: string | null;
  source: Envelope['source'];
}

/** Reads, composes and publishes one message; resolves once it is committed (then the 250 may go). */
export async function queueData(stream: SMTPServerDataStream, session: SMTPServerSession, c: DataContext): Promise<Envelope> {
  const id = newQueueId();
  const data = await readLimited(stream, c.maxSize);
  if (!data) throw new MailroomError('MESSAGE_TOO_BIG', 'message too big');
  const env = session.envelope as typeof session.envelope & { dsn?: { ret?: string; envid?: string } };
  const rcpts = env.rcptTo as (typeof env.rcptTo[number] & { dsn?: { notify?: string[]; orcpt?: string } })[];
  const mailArgs = ((env.mailFrom && env.mailFrom.args) || {}) as Record<string, unknown>;
  const composed = composeSubmission({
    view: c.view,
    id,
    identity: { uid: -1, user: c.user ?? 'socket' },
    sender: env.mailFrom ? env.mailFrom.address : '',
    recipients: rcpts.map((r) => r.address),
    extractRecipients: false,
    ret: env.dsn?.ret === 'FULL' || env.dsn?.ret === 'HDRS' ? env.dsn.ret : undefined,
    envid: env.dsn?.envid,
    body: String(mailArgs.BODY ?? '').toUpperCase() === '8BITMIME' ? '8BITMIME' : undefined,
    protocol: c.protocol,
    helo: session.hostNameAppearsAs,
    ...(c.fromDetail ? { fromDetail: c.fromDetail } : {}),
    input: data,
  });
  // RFC 6531 §3.4: SMTPUTF8 on MAIL FROM is the client's word that the message needs it.
  if (mailArgs.SMTPUTF8 === true) composed.drop.smtputf8 = true;
  composed.drop.recipients.forEach((r, i) => {
    const dsn = rcpts[i]?.dsn;
    if (dsn?.notify?.length) r.notify = dsn.notify.map((n) => n.toUpperCase()) as DsnNotify[];
    if (dsn?.orcpt) r.orcpt = dsn.orcpt;
  });
  const envelope = newEnvelope(id, composed.drop, { uid: null, user: c.user, source: c.source, ...(c.client ? { client: c.client } : {}), size: composed.content.length });
  await c.publisher.publish(envelope, composed.content);
  return envelope;
}
