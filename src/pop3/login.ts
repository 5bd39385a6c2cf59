// The one login path of USER/PASS and AUTH PLAIN: the plain-text rule, the
// per-address throttle, the password check, the exclusive mailbox lock and
// the snapshot that TRANSACTION works on (later deliveries wait for the next
// session). Failures are answered with RFC 2449/3206 response codes.
import { realpathSync } from 'node:fs';
import { openMailbox, maildirPath } from '../mailbox/maildir.js';
import { isValidUserName } from '../users/names.js';
import { verifyPassword } from '../users/verify.js';
import type { CommandSession } from './command.js';

export const PLAINTEXT_REFUSED = '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.';

function lockKeyOf(mailboxes: string, user: string): string {
  const dir = maildirPath(mailboxes, user);
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Checks the credentials and enters TRANSACTION, or answers -ERR. */
export async function login(s: CommandSession, rawUser: string, password: string): Promise<void> {
  const { ctx } = s;
  const addr = s.remoteAddress ?? 'unknown';
  if (!s.plaintextAllowed) return void s.send(PLAINTEXT_REFUSED);
  if (ctx.throttle.isBlocked(addr)) {
    ctx.log.warn('pop3 login refused', { sid: s.sid, client: addr, reason: 'too many failures' });
    return void s.send('-ERR [AUTH] too many failures, try again later.');
  }
  const user = rawUser.toLowerCase();
  const ok = isValidUserName(user) && (await verifyPassword(ctx.usersFile, user, password));
  if (!ok) {
    const delay = ctx.throttle.recordFailure(addr);
    ctx.log.warn('pop3 login failed', { sid: s.sid, client: addr, user, delay_ms: delay });
    await sleep(delay);
    return void s.send('-ERR [AUTH] Authentication failed.');
  }
  ctx.throttle.recordSuccess(addr);
  const key = lockKeyOf(ctx.mailboxes, user);
  // A session whose client just dropped may still be ending (or finishing its
  // QUIT): wait for it briefly rather than refuse a client that reconnects at once.
  if (!(await ctx.locks.acquire(key, ctx.lockWaitMs))) {
    ctx.log.info('pop3 login refused', { sid: s.sid, client: addr, user, reason: 'mailbox in use' });
    return void s.send('-ERR [IN-USE] Mailbox is locked by another POP3 session.');
  }
  s.lockKey = key;
  if (s.isClosed) return s.releaseLock();
  const store = openMailbox(ctx.mailboxes, user);
  try {
    s.messages = await store.list();
  } catch (err) {
    s.releaseLock();
    ctx.log.error('pop3 mailbox unreadable', { sid: s.sid, user, error: (err as Error).message });
    return void s.send('-ERR [SYS/TEMP] Mailbox cannot be read, try again later.');
  }
  s.user = user;
  s.store = store;
  s.state = 'TRANSACTION';
  ctx.log.info('pop3 logged in', { sid: s.sid, user, client: addr, messages: s.messages.length, tls: s.secure });
  s.send(`+OK Logged in, ${s.messages.length} messages.`);
}
