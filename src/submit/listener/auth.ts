// AUTH PLAIN and LOGIN (RFC 4954) on the listener against the users file, with
// the login throttle POP3 and IMAP share: a failure is answered late, and an
// address with too many recent failures is refused before its password is
// even checked. Passwords are never logged.
import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../shared/log.js';
import { isValidUserName } from '../../users/names.js';
import type { LoginThrottle } from '../../users/throttle.js';
import { verifyPassword } from '../../users/verify.js';
import { smtpReply } from '../smtp-data.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AuthContext {
  usersFile: () => string;
  throttle: LoginThrottle;
  log: Logger;
  /** Counts a refused command against the session's error budget. */
  onFailure: (session: SMTPServerSession) => void;
}

export function authHandler(ctx: AuthContext) {
  return (auth: SMTPServerAuthentication, session: SMTPServerSession, cb: (err: Error | null | undefined, res?: SMTPServerAuthenticationResponse) => void): void => {
    const addr = session.remoteAddress ?? 'unknown';
    const sid = (session as { sid?: string }).sid;
    void (async () => {
      if (auth.method !== 'PLAIN' && auth.method !== 'LOGIN') return cb(smtpReply(504, '5.5.4 Unrecognized authentication type'));
      if (ctx.throttle.isBlocked(addr)) {
        ctx.log.warn('smtp login refused', { sid, client: addr, reason: 'too many failures' });
        ctx.onFailure(session);
        return cb(smtpReply(454, '4.7.0 Too many authentication failures, try again later'));
      }
      const user = (auth.username ?? '').toLowerCase();
      const ok = isValidUserName(user) && (await verifyPassword(ctx.usersFile(), user, auth.password ?? ''));
      if (!ok) {
        const delay = ctx.throttle.recordFailure(addr);
        ctx.log.warn('smtp login failed', { sid, client: addr, user: user.slice(0, 64), delay_ms: delay });
        await sleep(delay);
        ctx.onFailure(session);
        return cb(smtpReply(535, '5.7.8 Authentication credentials invalid'));
      }
      ctx.throttle.recordSuccess(addr);
      ctx.log.info('smtp logged in', { sid, user, client: addr, tls: session.secure });
      cb(null, { user });
    })().catch((err: Error) => {
      ctx.log.error('smtp login error', { sid, error: err.message });
      cb(smtpReply(454, '4.7.0 Temporary authentication failure'));
    });
  };
}
