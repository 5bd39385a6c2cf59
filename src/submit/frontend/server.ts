// The daemon's end of the compiled sendmail front end: sendmail.sock beside the
// submission socket, mode 0666 (anyone may submit, as anyone may drop into
// maildrop/). Who submits is the kernel's word (SO_PEERCRED, through the
// native addon), never the client's. Without the addon's getpeercred the
// socket is not opened and the front end falls back to the Node path.
import { chmodSync, existsSync, promises as fsp, realpathSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import type { Config } from '../../config/load.js';
import { submitViewOf } from '../../config/load.js';
import { DEFAULT_CONFIG_PATH } from '../../config/defaults.js';
import type { Logger } from '../../shared/log.js';
import type { Publisher } from '../../spool/publish.js';
import { userNameOf } from '../../shared/passwd.js';
import { frame, frontendSocketPath } from './protocol.js';
import { FrontendSession } from './session.js';

export interface PeerCredNative {
  getpeercred(fd: number): { pid: number; uid: number; gid: number };
}

export interface FrontendServer {
  path: string;
  /** Stops accepting; sessions that have not committed are told to fall back; commits in progress finish. */
  close(): Promise<void>;
}

/** More sessions than this at once: the newcomer is told to use the Node path. */
const MAX_SESSIONS = 64;
const IDLE_MS = 5 * 60_000;

function realpathOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Whether the client's MAILROOM_CONFIG names this daemon's configuration; when
 * it is not set, the Node path would read the default file (or, without one,
 * the built-in defaults), so this daemon must run with that.
 */
export function sameConfigAs(own: string | undefined): (client: string | undefined) => boolean {
  const ownReal = own === undefined ? undefined : realpathOrUndefined(own);
  return (client) => {
    if (client === undefined || client === '') {
      return ownReal !== undefined ? ownReal === realpathOrUndefined(DEFAULT_CONFIG_PATH) : !existsSync(DEFAULT_CONFIG_PATH);
    }
    return isAbsolute(client) && ownReal !== undefined && realpathOrUndefined(client) === ownReal;
  };
}

function peerFd(sock: Socket): number | undefined {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export async function startFrontendServer(config: Config, publisher: Publisher, log: Logger, native: Partial<PeerCredNative> | undefined): Promise<FrontendServer | undefined> {
  const path = frontendSocketPath(config.socket.path);
  await fsp.rm(path, { force: true });
  if (typeof native?.getpeercred !== 'function') {
    log.info('sendmail front end off: the native addon (getpeercred) is not built');
    return undefined;
  }
  const getpeercred = native.getpeercred.bind(native);
  const ctx = { view: submitViewOf(config), publisher, log, sameConfig: sameConfigAs(config.file) };
  const sessions = new Set<FrontendSession>();
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    if (sessions.size >= MAX_SESSIONS) return void sock.end(frame('F', 'busy'));
    const fd = peerFd(sock);
    let uid: number;
    try {
      if (fd === undefined) throw new Error('no descriptor');
      uid = getpeercred(fd).uid;
    } catch (err) {
      log.warn('sendmail front end: no peer credentials', { error: (err as Error).message });
      return void sock.destroy();
    }
    const session = new FrontendSession(sock, { uid, user: userNameOf(uid) }, ctx);
    sessions.add(session);
    sock.setTimeout(IDLE_MS, () => {
      if (!session.committed) sock.destroy();
    });
    sock.on('data', (d: Buffer) => session.onData(d));
    sock.on('close', () => {
      // A commit in progress goes on: the message is stored, its verdict unsent.
      if (session.commit) void session.commit.finally(() => sessions.delete(session));
      else sessions.delete(session);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  server.on('error', (err) => log.error('sendmail front end socket error', { error: err.message }));
  chmodSync(path, 0o666);
  log.info('listening', { socket: path, protocol: 'sendmail front end' });
  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await fsp.rm(path, { force: true });
      for (const s of sessions) s.fallBack('the daemon is stopping');
      await Promise.allSettled([...sessions].map((s) => s.commit));
      for (const s of sessions) s.destroy();
      await closed;
    },
  };
}
