// The POP3 service: a plain listener (`pop3.listen`, with STLS when
// `pop3.tls` is starttls, or TLS from the first byte when it is implicit) and
// an optional implicit-TLS listener (`pop3.tlsListen`, RFC 8314). Sessions
// share one throttle and one table of mailbox locks. Stops by closing the
// listeners and ending sessions without UPDATE (no deletions applied).
import { listenOn } from '../shared/listeners.js';
import { loadTlsMaterial } from '../shared/tls-material.js';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
export { parseHostPort } from '../shared/host-port.js';
import { createServer as createTlsServer, Server as TlsServer } from 'node:tls';
import type { Config } from '../config/load.js';
import { MailroomError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { LoginThrottle } from '../users/throttle.js';
import { MailboxLocks } from './mailbox-locks.js';
import { Pop3Session, type Pop3Context } from './session.js';

export interface Pop3Options {
  /** HOST:PORT for the plain (or STLS) listener. */
  listen?: string;
  /** HOST:PORT for implicit TLS. */
  tlsListen?: string;
  /** What `listen` offers: STLS, implicit TLS, or nothing. */
  tls: 'starttls' | 'implicit' | 'none';
  cert?: { cert: string; key: string };
  usersFile: string;
  mailboxes: string;
  hostname: string;
  log: Logger;
  idleTimeoutMs?: number;
  /** Loopback connections may log in without TLS (default true). */
  loopbackIsSecure?: boolean;
  throttle?: LoginThrottle;
  /** How long a login waits for another session of the same mailbox to end (default 1.5 s). */
  lockWaitMs?: number;
}

export interface Pop3Server {
  /** Bound address of `listen` / `tlsListen` (port 0 resolved). */
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

/** RFC 1939 §3: the autologout timer is at least 10 minutes. */
export const POP3_IDLE_MS = 10 * 60_000;
/** A login meeting a session of the same mailbox waits this long for it to end before [IN-USE]. */
export const POP3_LOCK_WAIT_MS = 1500;

/** The server options from the configuration (undefined when POP3 is off). */
export function pop3OptionsFrom(config: Config, log: Logger): Pop3Options | undefined {
  if (!config.pop3) return undefined;
  return {
    listen: config.pop3.listen,
    tlsListen: config.pop3.tlsListen,
    tls: config.pop3.tls,
    cert: config.tls,
    usersFile: config.users,
    mailboxes: config.local.mailboxes,
    hostname: config.hostname,
    log,
  };
}

export async function startPop3Server(opts: Pop3Options): Promise<Pop3Server> {
  const { pem, secureContext } = opts.cert ? loadTlsMaterial('POP3', opts.cert) : {};
  if ((opts.tls !== 'none' || opts.tlsListen) && !secureContext) throw new MailroomError('CONFIG_INVALID', 'POP3 TLS is asked for but tls.cert/tls.key are not set');
  const ctx: Pop3Context = {
    usersFile: opts.usersFile,
    mailboxes: opts.mailboxes,
    log: opts.log,
    throttle: opts.throttle ?? new LoginThrottle(),
    locks: new MailboxLocks(),
    lockWaitMs: opts.lockWaitMs ?? POP3_LOCK_WAIT_MS,
    secureContext,
    starttls: opts.tls === 'starttls',
    loopbackIsSecure: opts.loopbackIsSecure ?? true,
    idleTimeoutMs: opts.idleTimeoutMs ?? POP3_IDLE_MS,
    hostname: opts.hostname,
  };
  const sessions = new Set<Pop3Session>();
  const serve = (sock: Socket) => {
    const session = new Pop3Session(sock, ctx, sock.remoteAddress);
    sessions.add(session);
    opts.log.debug('pop3 connected', { sid: session.sid, client: sock.remoteAddress, tls: session.secure });
    session.run().then(
      () => sessions.delete(session),
      (err) => {
        sessions.delete(session);
        opts.log.error('pop3 session failed', { sid: session.sid, error: (err as Error).message });
        session.close();
      },
    );
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
    throw new MailroomError('LISTEN_FAILED', `POP3: cannot listen: ${(err as Error).message}`, { cause: err });
  }
  for (const s of servers) s.on('tlsClientError', (err: Error) => opts.log.debug('pop3 tls handshake failed', { error: err.message }));
  opts.log.info('pop3 listening', { listen: address && `${address.address}:${address.port}`, tls_listen: tlsAddress && `${tlsAddress.address}:${tlsAddress.port}` });
  return {
    address,
    tlsAddress,
    reload(config) {
      if (config.tls && (ctx.secureContext || servers.some((s) => s instanceof TlsServer))) {
        const next = loadTlsMaterial('POP3', config.tls);
        ctx.secureContext = next.secureContext;
        for (const s of servers) if (s instanceof TlsServer) s.setSecureContext(next.pem);
      }
      ctx.usersFile = config.users;
    },
    async close() {
      const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
      for (const session of sessions) {
        session.close();
        session.sock.destroy();
      }
      await Promise.all(closed);
    },
  };
}
