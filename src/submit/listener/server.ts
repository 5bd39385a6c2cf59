// The network SMTP listeners: one smtp-server per `listen` entry, on its
// address (or on the socket the root process bound for a port below 1024),
// with STARTTLS, implicit TLS or none, AUTH PLAIN/LOGIN, and the rules of
// handlers.ts. reload() gives new sessions the new settings and certificate;
// a changed address needs a restart.
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { Config } from '../../config/load.js';
import { listenOn } from '../../shared/listeners.js';
import type { Logger } from '../../shared/log.js';
import type { Publisher } from '../../spool/publish.js';
import type { LoginThrottle } from '../../users/throttle.js';
import { rcptPath } from '../socket/rcpt-syntax.js';
import { beforeRcpt, coalesceReplies } from '../socket/smtp-server-adapter.js';
import { boundCommandLines } from '../socket/line-limit.js';
import { listenerHandlers } from './handlers.js';
import { newConnectionCounter, RateLimiter } from './limits.js';
import { forwardingForm } from './policy.js';
import { settingsOf, tlsMaterial, type ListenEntry, type Settings } from './settings.js';

export interface ListenerDeps {
  publisher: Publisher;
  log: Logger;
  /** The login throttle POP3 and IMAP use: failures anywhere count against the address. */
  throttle: LoginThrottle;
}

export interface SmtpListener {
  readonly where: string;
  readonly address: AddressInfo;
  reload(config: Config): void;
  close(): Promise<void>;
}

export interface SmtpListeners {
  readonly listeners: readonly SmtpListener[];
  reload(config: Config): void;
  close(): Promise<void>;
}

/**
 * smtp-server strips a source route ("<@a:b@c>") before onRcptTo sees the
 * address: the raw RCPT line is looked at first, and a source route, % or !
 * in the local part, or a quoted "@" is refused as relaying, authenticated or not.
 */
function refuseForwardingForms(): void {
  beforeRcpt((c, command) => {
    if (c.serverOptions.mailroomListener !== true || !c.hasSender) return false;
    const path = rcptPath(command);
    if (path === undefined || !forwardingForm(path)) return false;
    c.send(554, '5.7.1 Relay access denied');
    return true;
  }, 'listener');
}

export async function startSmtpListener(config: Config, entry: ListenEntry, deps: ListenerDeps): Promise<SmtpListener> {
  let settings: Settings = settingsOf(config, entry);
  const tls = tlsMaterial(config, entry);
  refuseForwardingForms();
  const server = new SMTPServer({
    ...({ mailroomListener: true } as object),
    ...boundCommandLines(),
    name: config.hostname,
    banner: 'mailroom',
    size: settings.maxMessageSize,
    secure: entry.tls === 'implicit',
    ...(tls ?? {}),
    hideSTARTTLS: entry.tls !== 'starttls',
    // Whether AUTH may be used before TLS is decided per session (handlers.ts).
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: true,
    disabledCommands: entry.tls === 'starttls' ? [] : ['STARTTLS'],
    hideDSN: false,
    logger: false,
    socketTimeout: 5 * 60_000,
    closeTimeout: 5000,
    // Names in Received come from the HELO and the address; no DNS wait before the greeting.
    disableReverseLookup: true,
    ...listenerHandlers({ ...deps, connections: newConnectionCounter(), rates: new RateLimiter(), current: () => settings }),
  });
  server.on('error', (err) => deps.log.error('smtp listener error', { listen: entry.address, error: err.message }));
  server.server.on(entry.tls === 'implicit' ? 'secureConnection' : 'connection', (socket: Socket) => {
    socket.setNoDelay(true);
    coalesceReplies(socket);
  });
  const address = await listenOn(server.server, entry.address);
  deps.log.info('listening', { smtp: entry.address, port: address.port, tls: entry.tls, auth: entry.auth });
  return {
    where: entry.address,
    address,
    reload(next: Config) {
      const e = next.listen.find((l) => l.address === entry.address);
      if (!e) return deps.log.warn('a listen entry was removed: it stops at the next restart', { listen: entry.address });
      if (e.tls !== entry.tls) deps.log.warn('a listen entry changed its tls mode: that takes a restart', { listen: entry.address });
      settings = { ...settingsOf(next, e), tls: entry.tls };
      (server as unknown as { options: { size: number } }).options.size = settings.maxMessageSize;
      const material = tlsMaterial(next, { ...e, tls: entry.tls });
      if (material) server.updateSecureContext(material);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every `listen` entry of the configuration; none when the list is empty. */
export async function startSmtpListeners(config: Config, deps: ListenerDeps): Promise<SmtpListeners> {
  const listeners: SmtpListener[] = [];
  try {
    for (const entry of config.listen) listeners.push(await startSmtpListener(config, entry, deps));
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  return {
    listeners,
    reload(next: Config) {
      for (const l of listeners) l.reload(next);
      for (const e of next.listen) if (!listeners.some((l) => l.where === e.address)) deps.log.warn('a new listen entry starts at the next restart', { listen: e.address });
    },
    close: async () => {
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}
