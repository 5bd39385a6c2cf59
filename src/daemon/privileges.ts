// Privilege separation, the root side's preparations: which account the daemon
// runs as (the `user` key), the spool and run directories given to it, and the
// ports below 1024 bound before the daemon gives up root. Nothing here reads
// network input.
import { promises as fsp, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { requiredPaths } from '../config/files.js';
import type { Config } from '../config/load.js';
import { parseHostPort } from '../pop3/server.js';
import type { Logger } from '../shared/log.js';
import type { DaemonAccount } from '../local/privileged.js';
import { systemAccount } from '../shared/passwd.js';
import { controlSocketPath } from '../shared/control.js';
import { ConfigError } from '../shared/errors.js';
import { pickupFifoPath } from '../shared/poke.js';
import { ensureSpool } from '../spool/layout.js';
import { spoolPaths } from '../spool/paths.js';

/** The account named by `user` when the daemon starts as root; undefined when there is nothing to drop. */
export function daemonAccountFor(config: Config & { user?: string }, passwd?: string): DaemonAccount | undefined {
  if (!config.user || process.getuid?.() !== 0) return undefined;
  const a = systemAccount(config.user, passwd);
  if (!a) throw new ConfigError(config.file, [{ path: 'user', message: `no system account ${JSON.stringify(config.user)}`, hint: "create it (mailroom install does), or remove 'user'" }]);
  if (a.uid === 0) throw new ConfigError(config.file, [{ path: 'user', message: `${a.name} is root`, hint: 'name an unprivileged account such as mailroom' }]);
  return { name: a.name, uid: a.uid, gid: a.gid };
}

const WALK_LIMIT = 1_000_000;

/**
 * Gives the spool to the daemon's account: every directory and queue file,
 * except the files in maildrop/ (their owner is who submitted them). Links
 * are never followed. Bounded, so a huge or looping tree cannot hang start-up.
 */
export async function giveSpoolTo(config: Config, a: DaemonAccount): Promise<void> {
  const paths = spoolPaths(config.spool);
  await ensureSpool(paths);
  let seen = 0;
  const walk = async (dir: string, ownFiles: boolean): Promise<void> => {
    const st = await fsp.lstat(dir);
    if (st.uid !== a.uid || st.gid !== a.gid) await fsp.lchown(dir, a.uid, a.gid);
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      if (++seen > WALK_LIMIT) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, p !== paths.maildrop);
      else if (ownFiles) {
        const fst = await fsp.lstat(p);
        if (fst.uid !== a.uid) await fsp.lchown(p, a.uid, a.gid);
      }
    }
  };
  await walk(paths.root, true);
  // The users file is read by the daemon (POP3 logins), and by nobody else.
  const users = await fsp.lstat(config.users).catch(() => undefined);
  if (users?.isFile() && users.uid === 0) {
    await fsp.chown(config.users, a.uid, a.gid);
    await fsp.chmod(config.users, 0o600);
  }
  const run = dirname(config.socket.path);
  await fsp.mkdir(run, { recursive: true, mode: 0o755 });
  await fsp.lchown(run, a.uid, a.gid);
  // A socket left by a root daemon of an older version would be in the way.
  for (const f of [config.socket.path, controlSocketPath(config.socket.path), pickupFifoPath(config.socket.path)]) {
    const st = await fsp.lstat(f).catch(() => undefined);
    if (st && st.uid !== a.uid) await fsp.unlink(f).catch(() => undefined);
  }
}

/** The listen addresses of the configuration that need root to bind (port < 1024). */
export function privilegedAddresses(config: Config): string[] {
  const all = [config.pop3?.listen, config.pop3?.tlsListen, config.imap?.listen, config.imap?.tlsListen, config.metrics?.listen, ...config.listen.map((l) => l.address)];
  return all.filter((w): w is string => typeof w === 'string' && parseHostPort(w).port < 1024);
}

/** Binds one HOST:PORT; connections that reach this process before the hand-over are closed. */
export function bindListener(where: string): Promise<Server> {
  const { host, port } = parseHostPort(where);
  const server = createServer({ pauseOnConnect: true }, (s) => s.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

const SECRET_KEY = /(^tls\.key|privateKeyFile|passwordFile|clientSecretFile|refreshTokenFile)$/;

/**
 * Secrets (TLS key, DKIM keys, smart-host passwords and tokens) belong to the
 * daemon's account alone: says so in the log when one cannot be read by it,
 * or can be read by every user. Changes nothing: they are the operator's files.
 */
export function checkSecrets(config: Config, a: DaemonAccount, log: Logger): void {
  for (const { key, path } of requiredPaths(config, { aliases: false, users: false })) {
    if (!SECRET_KEY.test(key)) continue;
    let st;
    try {
      st = statSync(path);
    } catch {
      continue; // config check reports missing files
    }
    const bits = st.uid === a.uid ? 0o400 : st.gid === a.gid ? 0o040 : 0o004;
    const fix = `chown ${a.name} ${path} && chmod 0600 ${path}`;
    if ((st.mode & bits) === 0) log.warn('the daemon cannot read a secret', { key, file: path, fix });
    else if (st.mode & 0o004) log.warn('a secret is readable by every user', { key, file: path, fix });
  }
}
