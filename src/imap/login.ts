// The one login path of LOGIN and AUTHENTICATE PLAIN: the plain-text rule
// (TLS or loopback), the per-address throttle shared with POP3, the password
// check, the per-user connection limit, and the user's own folder store.
// Passwords are never logged.
import { isValidUserName } from '../users/names.js';
import { verifyPassword } from '../users/verify.js';
import { capabilities } from './commands/capability.js';
import type { ImapSession } from './session-api.js';
import type { Completion } from './types.js';

export const PLAINTEXT_REFUSED: Completion = { status: 'NO', code: 'PRIVACYREQUIRED', text: 'Plaintext authentication disallowed on non-secure (SSL/TLS) connections' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function login(s: ImapSession, rawUser: string, password: string): Promise<Completion | void> {
  const { ctx } = s;
  const addr = s.remoteAddress ?? 'unknown';
  if (!s.plaintextAllowed) return PLAINTEXT_REFUSED;
  if (ctx.throttle.isBlocked(addr)) {
    ctx.log.warn('imap login refused', { sid: s.sid, client: addr, reason: 'too many failures' });
    return { status: 'NO', code: 'UNAVAILABLE', text: 'Too many failures, try again later' };
  }
  const user = rawUser.toLowerCase();
  const ok = isValidUserName(user) && (await verifyPassword(ctx.usersFile, user, password));
  if (!ok) {
    const delay = ctx.throttle.recordFailure(addr);
    ctx.log.warn('imap login failed', { sid: s.sid, client: addr, user: user.slice(0, 64), delay_ms: delay });
    await sleep(delay);
    return { status: 'NO', code: 'AUTHENTICATIONFAILED', text: 'Authentication failed' };
  }
  ctx.throttle.recordSuccess(addr);
  if (s.isClosed) return;
  if (!ctx.userLimits.acquire(user)) {
    ctx.log.warn('imap login refused', { sid: s.sid, client: addr, user, reason: 'too many connections' });
    return { status: 'NO', code: 'LIMIT', text: 'Too many connections for this user' };
  }
  s.userSlot = user;
  try {
    s.store = ctx.openStore(user);
  } catch (err) {
    ctx.log.error('imap mailbox unreadable', { sid: s.sid, user, error: (err as Error).message });
    return { status: 'NO', code: 'UNAVAILABLE', text: 'Mailbox cannot be opened, try again later' };
  }
  s.user = user;
  s.state = 'AUTHENTICATED';
  ctx.log.info('imap logged in', { sid: s.sid, user, client: addr, tls: s.secure });
  openInboxAhead(s);
  return { status: 'OK', code: `CAPABILITY ${capabilities(s)}`, text: 'Logged in' };
}

/**
 * A client's first SELECT after logging in is nearly always INBOX: its folder
 * is opened now, in the background once the reply is out, and stays in the
 * process's folder cache when given back, so that SELECT finds it loaded and
 * only checks the disk. A failure here is SELECT's to report.
 */
function openInboxAhead(s: ImapSession): void {
  setImmediate(() => {
    if (s.isClosed) return;
    s.store.open('INBOX').then(
      (folder) => folder.release(),
      (err: Error) => s.log.debug('imap inbox not opened ahead', { sid: s.sid, user: s.user, error: err.message }),
    );
  });
}
