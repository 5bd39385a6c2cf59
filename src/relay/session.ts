// One SMTP session to one host (nodemailer's SMTPConnection): connect, TLS as
// the target requires, AUTH when configured — failing closed: if TLS or AUTH
// is configured and cannot be used, the session fails and nothing is sent.
// A session carries several messages, one transaction after another.
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { RelayJob, RelayRecipient } from '../shared/delivery.js';
import type { Logger } from '../shared/log.js';
import { classifyError } from './classify.js';
import { oauthBearerPayload, OAuth2Tokens, xoauth2Payload, type OAuth2Config } from './oauth2.js';
import { readSecret, type PasswordSource } from './secrets.js';
import { tlsFilesOf } from './tls-files.js';

export type TlsPolicy = 'starttls' | 'implicit' | 'none' | 'opportunistic';

export interface AuthConfig extends PasswordSource {
  user: string;
  oauth2?: OAuth2Config | undefined;
  mechanisms?: string[] | undefined;
}

export interface Target {
  /** Name for logs, SNI and certificate checks. */
  host: string;
  /** Address to connect to (an IP from DNS for MX), default: host. */
  address?: string;
  port: number;
  tls: TlsPolicy;
  tlsVerify: boolean;
  ca?: string | undefined;
  clientCert?: { cert: string; key: string } | undefined;
  auth?: AuthConfig | undefined;
}

export interface Timeouts {
  connect: number;
  greeting: number;
  command: number;
  data: number;
}

export interface SessionContext {
  hostname: string;
  timeouts: Timeouts;
  log: Logger;
  oauth: (cfg: OAuth2Config) => OAuth2Tokens;
}

export type OutRecipient = RelayRecipient;

/** What one session sends: a relay job less its queue id. */
export type SendOptions = Omit<RelayJob, 'id'>;

export interface RcptResult {
  address: string;
  ok: boolean;
  temporary: boolean;
  reply: string;
}

export interface Session {
  readonly key: string;
  readonly relay: string;
  readonly tls: boolean;
  usable: boolean;
  uses: number;
  /** A session authenticated with an OAuth2 token is not reused after the token expires. */
  readonly validUntil: number;
  send(opts: SendOptions): Promise<RcptResult[]>;
  close(): void;
}

/**
 * Sessions are shared only between targets configured alike: a session opened
 * without certificate verification, with another CA or client certificate,
 * or authenticated another way must never carry mail for a stricter target.
 */
export function targetKey(t: Target): string {
  const a = t.auth;
  const auth = a ? [a.user, a.mechanisms?.join(',') ?? '', a.oauth2 ? `${a.oauth2.tokenUrl}|${a.oauth2.clientId}` : '', a.passwordFile ?? '', a.passwordEnv ?? ''].join('|') : '';
  return JSON.stringify([t.address ?? t.host, t.host, t.port, t.tls, t.tlsVerify, t.ca ?? '', t.clientCert?.cert ?? '', t.clientCert?.key ?? '', auth]);
}

function tlsOptions(t: Target): Record<string, unknown> {
  const o: Record<string, unknown> = { rejectUnauthorized: t.tlsVerify, servername: /^[\d.:]+$/.test(t.host) ? undefined : t.host, minVersion: 'TLSv1.2' };
  return Object.assign(o, tlsFilesOf(t));
}

function promisify<T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

/** Opens a session; rejects (classified by the caller) when connect, TLS or AUTH fail. */
export async function openSession(t: Target, ctx: SessionContext): Promise<Session> {
  const tokens = t.auth?.oauth2 ? ctx.oauth(t.auth.oauth2) : undefined;
  const oauthHandler = (method: 'XOAUTH2' | 'OAUTHBEARER') => async (c: any) => {
    for (const force of [false, true]) {
      const token = await tokens!.get(force);
      const payload = method === 'XOAUTH2' ? xoauth2Payload(t.auth!.user, token) : oauthBearerPayload(t.auth!.user, t.host, t.port, token);
      const r = await c.sendCommand(`AUTH ${method} ${payload}`);
      if (r.status === 235) return c.resolve();
      if (r.status === 334) await c.sendCommand(method === 'XOAUTH2' ? '' : 'AQ=='); // the server's error JSON; finish the exchange
    }
    c.reject(new Error(`${method} token refused`));
  };
  const conn = new SMTPConnection({
    host: t.address ?? t.host,
    port: t.port,
    secure: t.tls === 'implicit',
    requireTLS: t.tls === 'starttls',
    ignoreTLS: t.tls === 'none',
    opportunisticTLS: t.tls === 'opportunistic',
    name: ctx.hostname,
    servername: /^[\d.:]+$/.test(t.host) ? undefined : t.host,
    connectionTimeout: ctx.timeouts.connect,
    greetingTimeout: ctx.timeouts.greeting,
    socketTimeout: ctx.timeouts.command,
    socketCloseTimeout: 1000,
    allowInternalNetworkInterfaces: true,
    tls: tlsOptions(t) as never,
    logger: false,
    customAuth: tokens ? { XOAUTH2: oauthHandler('XOAUTH2'), OAUTHBEARER: oauthHandler('OAUTHBEARER') } : undefined,
  });
  let failed: Error | undefined;
  conn.on('error', (err: Error) => {
    failed = err;
  });
  // nodemailer reports connect, greeting and STARTTLS failures as 'error' events.
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    const onEnd = () => reject(Object.assign(new Error('connection closed before the session was ready'), { code: 'ECONNECTION' }));
    conn.once('error', onError);
    conn.once('end', onEnd);
    conn.connect((err) => {
      conn.removeListener('error', onError);
      conn.removeListener('end', onEnd);
      if (err) reject(err);
      else resolve();
    });
  });
  // No Nagle: the message and the final "." would otherwise wait ~40 ms for a
  // delayed ACK (PEERS.md; msmtp and OpenSMTPD lose that per message).
  (conn as any)._socket?.setNoDelay?.(true);
  const ip: string = (conn as any)._socket?.remoteAddress ?? t.address ?? t.host;
  const relay = `${t.host}[${ip.replace(/^::ffff:/, '')}]:${t.port}`;
  if (t.auth) {
    // nodemailer lists only the mechanisms it implements; OAUTHBEARER (RFC 7628)
    // is ours, so read the AUTH line of the EHLO reply as well.
    const ehloAuth = /^250[ -]AUTH[ =](.*)$/im.exec(String(conn.lastServerResponse || ''))?.[1]?.toUpperCase().split(/\s+/) ?? [];
    const offered: string[] = [...(((conn as any)._supportedAuth ?? []) as string[]), ...ehloAuth];
    let method: string | undefined;
    if (tokens) method = offered.includes('OAUTHBEARER') ? 'OAUTHBEARER' : 'XOAUTH2';
    else if (t.auth.mechanisms?.length) method = t.auth.mechanisms.find((m) => offered.includes(m)) ?? t.auth.mechanisms[0];
    const authData = tokens ? { user: t.auth.user, method, credentials: { user: t.auth.user, pass: 'oauth2' } } : { user: t.auth.user, pass: readSecret(t.auth, `auth for ${t.host}`), method };
    try {
      await promisify<boolean>((cb) => conn.login(authData as never, (err, ok) => cb(err, ok)));
    } catch (err) {
      conn.close();
      throw err;
    }
  }
  // A cached session whose peer went away must not be handed out again.
  conn.on('end', () => (session.usable = false));
  conn.on('close', () => (session.usable = false));
  const session: Session = {
    key: targetKey(t),
    relay,
    tls: conn.secure,
    usable: true,
    uses: 0,
    validUntil: tokens ? tokens.validUntil : Infinity,
    async send(opts) {
      if (failed) throw failed;
      session.uses++;
      // Recipients with different NOTIFY need separate transactions (one DSN envelope each).
      const groups = new Map<string, OutRecipient[]>();
      for (const r of opts.recipients) {
        const k = `${(r.notify ?? []).join(',')}|${r.orcpt ?? ''}`;
        groups.set(k, [...(groups.get(k) ?? []), r]);
      }
      const results: RcptResult[] = [];
      for (const group of groups.values()) results.push(...(await sendOne(conn, group, opts, ctx.timeouts)));
      if (failed || (conn as any).__broken) session.usable = false;
      return results;
    },
    close() {
      session.usable = false;
      try {
        conn.quit();
      } catch {
        conn.close();
      }
    },
  };
  return session;
}

async function sendOne(conn: SMTPConnection, rcpts: OutRecipient[], opts: SendOptions, timeouts: Timeouts): Promise<RcptResult[]> {
  const first = rcpts[0]!;
  const c = conn as any;
  const offersUtf8 = (c._supportedExtensions as string[] | undefined)?.includes('SMTPUTF8') === true;
  // RFC 6531 §3.4: an internationalised address cannot be sent to a server
  // that does not offer SMTPUTF8 (nodemailer would send it bare). The message
  // is returned, as Postfix does; UTF-8 only in the header still goes out.
  if (!offersUtf8 && [opts.sender, ...rcpts.map((r) => r.address)].some((a) => /[^\x00-\x7f]/.test(a))) {
    const reply = '550 5.6.7 SMTPUTF8 is required (internationalized address), but was not offered by the host';
    return rcpts.map((r) => ({ address: r.address, ok: false, temporary: false, reply }));
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
  const addUtf8 = opts.smtputf8 === true && offersUtf8;
  if (addUtf8) {
    const plain = c._sendCommand;
    c._sendCommand = function (str: string, logStr?: string) {
      if (/^MAIL FROM:/i.test(str) && !/ SMTPUTF8(\s|$)/i.test(str)) {
        str += ' SMTPUTF8';
        c._usingSmtpUtf8 = true;
      }
      return plain.call(c, str, logStr);
    };
  }
  try {
    const info = await Promise.race([promisify<any>((cb) => conn.send(envelope as never, opts.message, (err, i) => cb(err, i))), watchdog]);
    const rejected = new Map<string, RcptResult>();
    for (const e of (info.rejectedErrors ?? []) as any[]) {
      const f = classifyError(e);
      if (e.recipient) rejected.set(e.recipient, { address: e.recipient, ok: false, temporary: f.temporary, reply: f.reply });
    }
    const reply = String(info.response ?? '250 OK').replace(/\s+/g, ' ').trim();
    const accepted = new Set<string>(info.accepted ?? []);
    // LMTP gives one reply per recipient; nodemailer files failures in rejectedErrors.
    // After a completed transaction the server is ready for the next MAIL FROM
    // (RFC 5321 §4.1.4): no RSET, one round trip less per message.
    return rcpts.map((r) => rejected.get(r.address) ?? (accepted.has(r.address) ? { address: r.address, ok: true, temporary: false, reply } : { address: r.address, ok: false, temporary: true, reply: 'no reply for this recipient' }));
  } catch (err: any) {
    const perRcpt = new Map<string, RcptResult>();
    for (const e of (err?.rejectedErrors ?? []) as any[]) {
      const f = classifyError(e);
      if (e.recipient) perRcpt.set(e.recipient, { address: e.recipient, ok: false, temporary: f.temporary, reply: f.reply });
    }
    const f = classifyError(err);
    // MAIL/RCPT/DATA refusals leave the connection usable; a dead or timed-out one does not.
    const broken = !['EENVELOPE', 'EMESSAGE'].includes(err?.code) || !(await promisify<boolean>((cb) => conn.reset((e, ok) => cb(e, ok))).then(() => true, () => false));
    if (broken) (conn as any).__broken = true;
    return rcpts.map((r) => perRcpt.get(r.address) ?? { address: r.address, ok: false, temporary: f.temporary, reply: f.reply });
  } finally {
    clearTimeout(timer);
    if (addUtf8) delete c._sendCommand;
  }
}
