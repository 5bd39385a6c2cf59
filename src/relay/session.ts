// Opens one SMTP session to one host (nodemailer's SMTPConnection): connect,
// EHLO, TLS as the target requires, AUTH when configured — failing closed: if
// TLS or AUTH is configured and cannot be used, the session fails and nothing
// is sent. A session carries several messages, one transaction after another
// (transaction.ts).
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Logger } from '../shared/log.js';
import { disableNagle, offeredAuth, peerAddress } from './nodemailer-adapter.js';
import { oauthBearerPayload, OAuth2Tokens, xoauth2Payload, type OAuth2Config } from './oauth2.js';
import { readSecret } from './secrets.js';
import type { AuthConfig, Target, TlsPolicy } from './targets.js';
import { tlsFilesOf } from './tls-files.js';
import { sendMessage, type RcptResult, type SendOptions, type Timeouts } from './transaction.js';

export type { AuthConfig, Target, TlsPolicy };

export interface SessionContext {
  hostname: string;
  timeouts: Timeouts;
  log: Logger;
  oauth: (cfg: OAuth2Config) => OAuth2Tokens;
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
  // delayed ACK (msmtp and OpenSMTPD lose that on every message).
  disableNagle(conn);
  const ip = peerAddress(conn) ?? (t.address ?? t.host).replace(/^::ffff:/, '');
  const relay = `${t.host}[${ip}]:${t.port}`;
  if (t.auth) {
    // nodemailer lists only the mechanisms it implements; OAUTHBEARER (RFC 7628)
    // is ours, so read the AUTH line of the EHLO reply as well.
    const ehloAuth = /^250[ -]AUTH[ =](.*)$/im.exec(String(conn.lastServerResponse || ''))?.[1]?.toUpperCase().split(/\s+/) ?? [];
    const offered: string[] = [...offeredAuth(conn), ...ehloAuth];
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
      const { results, broken } = await sendMessage(conn, opts, ctx.timeouts);
      if (failed || broken) session.usable = false;
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
