// What every session of one IMAP server shares: the users file and throttle
// (the same LoginThrottle as POP3 in the daemon), the connection limits, TLS,
// timeouts and size limits, and how a user's folder store is opened.
import type { SecureContext } from 'node:tls';
import type { UserStore } from '../mailbox/folders.js';
import type { Logger } from '../shared/log.js';
import type { LoginThrottle } from '../users/throttle.js';
import type { ConnectionCounter } from '../shared/connection-counter.js';

export interface ImapContext {
  usersFile: string;
  /** The folder store of one (authenticated) user: only their own Maildir is reachable. */
  openStore(user: string): UserStore;
  log: Logger;
  throttle: LoginThrottle;
  userLimits: ConnectionCounter;
  secureContext: SecureContext | undefined;
  /** STARTTLS offered on plain connections. */
  starttls: boolean;
  loopbackIsSecure: boolean;
  idleTimeoutMs: number;
  hostname: string;
  /** The largest APPEND literal. */
  maxMessageSize: number;
  /** Invalid commands in a row before the session is ended. */
  maxBadCommands: number;
}
