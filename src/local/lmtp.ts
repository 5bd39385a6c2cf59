// LMTP hand-off (`local.lmtp`, RFC 2033): instead of writing Maildirs, local
// mailboxes are handed to an LMTP server (Dovecot) with one reply per
// recipient after DATA. One connection per hand-off, through nodemailer's SMTP
// connection with `lmtp: true`. 4xx and connection trouble defer, 5xx fails.
import { connect, type Socket } from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { DeliveryOutcome } from '../shared/delivery.js';
import { fromServer, replies } from '../shared/replies.js';

export interface LmtpTarget {
  host?: string;
  port?: number;
  path?: string;
  /** For log lines: "lmtp:127.0.0.1:24" or "lmtp:unix:/run/dovecot/lmtp". */
  relay: string;
}

/** Parses `lmtp://host:port` (port 24 by default) or `unix:/path`. */
export function parseLmtpUrl(url: string): LmtpTarget {
  if (url.startsWith('unix:')) return { path: url.slice(5), relay: `lmtp:${url}` };
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : 24;
  return { host, port, relay: `lmtp:${host}:${port}` };
}

export interface LmtpOptions {
  /** Our name in LHLO. */
  name: string;
  timeoutMs: number;
}

type SendError = Error & { code?: string; response?: string; responseCode?: number; recipient?: string; rejectedErrors?: SendError[] };

function connectUnix(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const t = setTimeout(() => s.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** The server's reply to one recipient, kept as it came; a reply that is no 2xx, 4xx or 5xx is deferred. */
function outcomeOfReply(reply: string, relay: string): DeliveryOutcome {
  const text = reply.replace(/\s*\r?\n\s*/g, ' ').trim();
  if (/^2/.test(text)) return { status: 'delivered', ...fromServer(text), relay };
  if (/^5/.test(text)) return { status: 'failed', ...fromServer(text), relay };
  return /^4/.test(text) ? { status: 'deferred', ...fromServer(text), relay } : { ...replies.network(text), relay };
}

/**
 * Hands one message to the LMTP server for several mailboxes; the result has
 * one outcome per mailbox name, in the same order.
 */
export async function deliverLmtp(target: LmtpTarget, o: LmtpOptions, sender: string, mailboxes: string[], message: Buffer): Promise<DeliveryOutcome[]> {
  const relay = target.relay;
  const all = (d: DeliveryOutcome) => mailboxes.map(() => d);
  let conn: SMTPConnection;
  try {
    const socket = target.path ? await connectUnix(target.path, o.timeoutMs) : undefined;
    conn = new SMTPConnection({
      ...(socket ? { connection: socket } : { host: target.host, port: target.port }),
      lmtp: true,
      name: o.name,
      ignoreTLS: true,
      connectionTimeout: o.timeoutMs,
      greetingTimeout: o.timeoutMs,
      socketTimeout: o.timeoutMs,
      socketCloseTimeout: 0, // after QUIT is answered (or on error) there is nothing left to wait for
      logger: false,
    } as SMTPConnection.Options);
  } catch (err) {
    return all({ ...replies.lmtpUnavailable(`${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`), relay });
  }
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject);
      conn.connect(() => resolve());
    });
    const info = await new Promise<{ accepted: string[]; rejected: string[]; rejectedErrors?: SendError[]; response: string }>((resolve, reject) => {
      conn.send({ from: sender, to: mailboxes }, message, (err, inf) => (err ? reject(err) : resolve(inf as never)));
    });
    const byRcpt = new Map<string, SendError>();
    for (const e of info.rejectedErrors ?? []) if (e.recipient) byRcpt.set(e.recipient, e);
    return mailboxes.map((m) => {
      const e = byRcpt.get(m);
      if (e) return e.response ? outcomeOfReply(e.response, relay) : { ...replies.network(e.message), relay };
      // A recipient the server neither accepted nor refused is not delivered:
      // it is tried again (a lost reply may cost a duplicate, never the message).
      return { ...(info.accepted.includes(m) ? replies.delivered('delivered via LMTP') : replies.network('no reply for this recipient')), relay };
    });
  } catch (err) {
    const e = err as SendError;
    if (e.rejectedErrors?.length) {
      // Every recipient was refused at RCPT TO: each has its own reply.
      const byRcpt = new Map(e.rejectedErrors.map((r) => [r.recipient, r] as const));
      return mailboxes.map((m) => {
        const response = byRcpt.get(m)?.response ?? e.response;
        return response ? outcomeOfReply(response, relay) : { ...replies.network(e.message), relay };
      });
    }
    if (e.response) return all(outcomeOfReply(e.response, relay));
    return all({ ...replies.lmtpUnavailable(`${e.code ?? ''} ${e.message}`), relay });
  } finally {
    try {
      conn.quit();
    } catch {
      conn.close();
    }
  }
}
