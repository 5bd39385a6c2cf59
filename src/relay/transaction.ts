// One message over an open session (nodemailer's SMTPConnection): MAIL, RCPT
// and DATA, with a result for every recipient. Recipients with different DSN
// parameters go in separate transactions; a refused transaction is reset so
// the session can carry the next message, a broken one is reported as such.
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { RelayJob, RelayRecipient } from '../shared/delivery.js';
import { fromServer, replies, type Reply } from '../shared/replies.js';
import { classifyError } from './classify.js';
import { forceSmtpUtf8, offersExtension } from './nodemailer-adapter.js';

export interface Timeouts {
  connect: number;
  greeting: number;
  command: number;
  data: number;
}

export type OutRecipient = RelayRecipient;

/** What one session sends: a relay job less its queue id. */
export type SendOptions = Omit<RelayJob, 'id'>;

export interface RcptResult {
  address: string;
  ok: boolean;
  temporary: boolean;
  reply: Reply;
}

export interface MessageResult {
  results: RcptResult[];
  /** The connection cannot carry another message (dead, timed out, or not reset). */
  broken: boolean;
}

function promisify<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

/** Sends one message, one transaction per group of recipients with the same NOTIFY and ORCPT. */
export async function sendMessage(conn: SMTPConnection, opts: SendOptions, timeouts: Timeouts): Promise<MessageResult> {
  // Recipients with different NOTIFY need separate transactions (one DSN envelope each).
  const groups = new Map<string, OutRecipient[]>();
  for (const r of opts.recipients) {
    const k = `${(r.notify ?? []).join(',')}|${r.orcpt ?? ''}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const results: RcptResult[] = [];
  let broken = false;
  for (const group of groups.values()) {
    const one = await runTransaction(conn, group, opts, timeouts);
    results.push(...one.results);
    broken ||= one.broken;
  }
  return { results, broken };
}

function rejectedByRecipient(errors: unknown): Map<string, RcptResult> {
  const out = new Map<string, RcptResult>();
  for (const e of (errors ?? []) as any[]) {
    const f = classifyError(e);
    if (e.recipient) out.set(e.recipient, { address: e.recipient, ok: false, temporary: f.temporary, reply: f.reply });
  }
  return out;
}

async function runTransaction(conn: SMTPConnection, rcpts: OutRecipient[], opts: SendOptions, timeouts: Timeouts): Promise<MessageResult> {
  const first = rcpts[0]!;
  const offersUtf8 = offersExtension(conn, 'SMTPUTF8');
  // RFC 6531 §3.4: an internationalised address cannot be sent to a server
  // that does not offer SMTPUTF8 (nodemailer would send it bare). The message
  // is returned, as Postfix does; UTF-8 only in the header still goes out.
  if (!offersUtf8 && [opts.sender, ...rcpts.map((r) => r.address)].some((a) => /[^\x00-\x7f]/.test(a))) {
    const reply = replies.smtputf8Required();
    return { results: rcpts.map((r) => ({ address: r.address, ok: false, temporary: false, reply })), broken: false };
  }
  const envelope = {
    from: opts.sender,
    to: rcpts.map((r) => r.address),
    size: opts.message.length,
    use8BitMime: opts.eightBit,
    dsn: opts.ret || opts.envid || first.notify || first.orcpt ? { ret: opts.ret, envid: opts.envid, notify: first.notify, orcpt: first.orcpt } : undefined,
  };
  // A watchdog over the whole transaction (RFC 5321 §4.5.3.2 timeouts are per
  // phase; a server trickling bytes could still stall us forever without it).
  const budget = timeouts.data + 4 * timeouts.command;
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      conn.close();
      reject(Object.assign(new Error(`delivery took longer than ${Math.round(budget / 1000)}s; abandoned`), { code: 'ETIMEDOUT' }));
    }, budget);
  });
  // nodemailer asks for SMTPUTF8 only when an address is UTF-8; a message with
  // UTF-8 in its header (RFC 6532) needs it as much, so add it to MAIL FROM.
  const undoUtf8 = opts.smtputf8 === true && offersUtf8 ? forceSmtpUtf8(conn) : undefined;
  try {
    const info = await Promise.race([promisify<any>((cb) => conn.send(envelope as never, opts.message, (err, i) => cb(err, i))), watchdog]);
    const rejected = rejectedByRecipient(info.rejectedErrors);
    const reply = fromServer(String(info.response ?? '250 OK').replace(/\s+/g, ' ').trim());
    const accepted = new Set<string>(info.accepted ?? []);
    // LMTP gives one reply per recipient; nodemailer files failures in rejectedErrors.
    // After a completed transaction the server is ready for the next MAIL FROM
    // (RFC 5321 §4.1.4): no RSET, one round trip less per message.
    const results = rcpts.map((r) => rejected.get(r.address) ?? (accepted.has(r.address) ? { address: r.address, ok: true, temporary: false, reply } : { address: r.address, ok: false, temporary: true, reply: { text: 'no reply for this recipient' } }));
    return { results, broken: false };
  } catch (err: any) {
    const perRcpt = rejectedByRecipient(err?.rejectedErrors);
    const f = classifyError(err);
    // MAIL/RCPT/DATA refusals leave the connection usable; a dead or timed-out one does not.
    const broken = !['EENVELOPE', 'EMESSAGE'].includes(err?.code) || !(await promisify<boolean>((cb) => conn.reset((e, ok) => cb(e, ok))).then(() => true, () => false));
    return { results: rcpts.map((r) => perRcpt.get(r.address) ?? { address: r.address, ok: false, temporary: f.temporary, reply: f.reply }), broken };
  } finally {
    clearTimeout(timer);
    undoUtf8?.();
  }
}
