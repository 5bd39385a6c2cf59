// The IMAP service: a plain listener (`imap.listen`, with STARTTLS when
// `imap.tls` is starttls, or TLS from the first byte when it is implicit) and
// an optional implicit-TLS listener (`imap.tlsListen`, RFC 8314). Sessions
// share one login throttle (the daemon passes POP3's) and the connection
// limits. Stops by closing the listeners and ending every session.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, Server as TlsServer } from 'node:tls';
import type { Config } from '../config/load.js';
import { openUserStore } from '../mailbox/folder-store.js';
import type { UserStore } from '../mailbox/folders.js';
import { MailroomError } from '../shared/errors.js';
import { ConnectionCounter } from '../shared/connection-counter.js';
import { listenOn } from '../shared/listeners.js';
import { loadTlsMaterial } from '../shared/tls-material.js';
import type { Logger } from '../shared/log.js';
import { LoginThrottle } from '../users/throttle.js';
import { capabilities } from './commands/capability.js';
import type { ImapContext } from './context.js';
import { MAX_CONNECTIONS_PER_ADDRESS, MAX_CONNECTIONS_PER_USER } from './limits.js';
import { ImapSession } from './session.js';

export interface ImapOptions {
  /** HOST:PORT for the plain (or STARTTLS) listener. */
  listen?: string;
  /** HOST:PORT for implicit TLS. */
  tlsListen?: string;
  /** What `listen` offers: STARTTLS, implicit TLS, or nothing. */
  tls: 'starttls' | 'implicit' | 'none';
  cert?: { cert: string; key: string };
  usersFile: string;
  mailboxes: string;
  hostname: string;
  log: Logger;
  /** The largest APPEND (config maxMessageSize). */
  maxMessageSize: number;
  idleTimeoutMs?: number;
  /** Loopback connections may log in without TLS (default true). */
  loopbackIsSecure?: boolean;
  throttle?: LoginThrottle;
  maxBadCommands?: number;
  maxConnectionsPerUser?: number;
  maxConnectionsPerAddress?: number;
  /** Opens a user's folder store (default: the Maildir++ store under `mailboxes`, special-use folders made). */
  openStore?: (user: string) => UserStore;
}

export interface ImapServer {
  readonly address: AddressInfo | undefined;
  readonly tlsAddress: AddressInfo | undefined;
  /**
   * Re-reads tls.cert/tls.key (and takes the users file) of a new Config:
   * connections and STARTTLS from now on get the new certificate; sessions
   * already open keep theirs. Throws, changing nothing, when they do not load.
   */
  reload(config: Config): void;
  close(): Promise<void>;
}

/** RFC 3501 §5.4: the autologout timer is at least 30 minutes. */
export const IMAP_IDLE_MS = 30 * 60_000;
export const IMAP_MAX_BAD_COMMANDS = 10;

/** The server options from the configuration (undefined when IMAP is off). */
export function imapOptionsFrom(config: Config, log: Logger, throttle?: LoginThrottle): ImapOptions | undefined {
  if (!config.imap) return undefined;
  return {
    listen: config.imap.listen,
    tlsListen: config.imap.tlsListen,
    tls: config.imap.tls,
    cert: config.tls,
    usersFile: config.users,
    mailboxes: config.local.mailboxes,
    hostname: config.hostname,
    maxMessageSize: config.maxMessageSize,
    log,
    throttle,
  };
}

export async function startImapServer(opts: ImapOptions): Promise<ImapServer> {
  const { pem, secureContext } = opts.cert ? loadTlsMaterial('IMAP', opts.cert) : {};
  if ((opts.tls !== 'none' || opts.tlsListen) && !secureContext) throw new MailroomError('CONFIG_INVALID', 'config', 'IMAP TLS is asked for but tls.cert/tls.key are not set');
  const ctx: ImapContext = {
    usersFile: opts.usersFile,
    openStore: opts.openStore ?? ((user) => openUserStore(opts.mailboxes, user, { specialUse: true })),
    log: opts.log,
    throttle: opts.throttle ?? new LoginThrottle(),
    userLimits: new ConnectionCounter(opts.maxConnectionsPerUser ?? MAX_CONNECTIONS_PER_USER),
    secureContext,
    starttls: opts.tls === 'starttls',
    loopbackIsSecure: opts.loopbackIsSecure ?? true,
    idleTimeoutMs: opts.idleTimeoutMs ?? IMAP_IDLE_MS,
    hostname: opts.hostname,
    maxMessageSize: opts.maxMessageSize,
    maxBadCommands: opts.maxBadCommands ?? IMAP_MAX_BAD_COMMANDS,
  };
  const addressLimits = new ConnectionCounter(opts.maxConnectionsPerAddress ?? MAX_CONNECTIONS_PER_ADDRESS);
  const sessions = new Set<ImapSession>();
  const serve = (sock: Socket) => {
    const addr = sock.remoteAddress ?? 'unknown';
    if (!addressLimits.acquire(addr)) {
      opts.log.warn('imap connection refused', { client: addr, reason: 'too many connections' });
      sock.on('error', () => undefined);
      sock.end('* BYE [LIMIT] Too many connections from your address\r\n');
      setTimeout(() => sock.destroy(), 2000).unref();
      return;
    }
    const session = new ImapSession(sock, ctx, sock.remoteAddress);
    sessions.add(session);
    opts.log.debug('imap connected', { sid: session.sid, client: addr, tls: session.secure });
    const done = () => {
      sessions.delete(session);
      addressLimits.release(addr);
    };
    session.run(`* OK [CAPABILITY ${capabilities(session)}] ${opts.hostname} mailroom IMAP4rev1 ready`).then(done, (err) => {
      done();
      opts.log.error('imap session failed', { sid: session.sid, error: (err as Error).message });
      session.close();
    });
  };
  const servers: Server[] = [];
  let address: AddressInfo | undefined;
  let tlsAddress: AddressInfo | undefined;
  try {
    if (opts.listen) {
      const s = opts.tls === 'implicit' ? createTlsServer({ ...pem }, serve) : createServer(serve);
      servers.push(s);
      address = await listenOn(s, opts.listen);
    }
    if (opts.tlsListen) {
      const s = createTlsServer({ ...pem }, serve);
      servers.push(s);
      tlsAddress = await listenOn(s, opts.tlsListen);
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw new MailroomError('LISTEN_FAILED', 'unavailable', `IMAP: cannot listen: ${(err as Error).message}`, { cause: err });
  }
  for (const s of servers) s.on('tlsClientError', (err: Error) => opts.log.debug('imap tls handshake failed', { error: err.message }));
  opts.log.info('imap listening', { listen: address && `${address.address}:${address.port}`, tls_listen: tlsAddress && `${tlsAddress.address}:${tlsAddress.port}` });
  return {
    address,
    tlsAddress,
    reload(config) {
      if (config.tls && (ctx.secureContext || servers.some((s) => s instanceof TlsServer))) {
        const next = loadTlsMaterial('IMAP', config.tls);
        ctx.secureContext = next.secureContext;
        for (const s of servers) if (s instanceof TlsServer) s.setSecureContext(next.pem);
      }
      ctx.usersFile = config.users;
    },
    async close() {
      const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const session of sessions) {
        session.send('* BYE Server shutting down');
        session.close();
        session.sock.destroy();
      }
      await Promise.all(closed);
    },
  };
}
