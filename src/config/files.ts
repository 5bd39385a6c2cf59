// The files and directories a configuration names that must exist: checked by
// loadConfig (so by `mailroom config check`, the daemon and sendmail) before a
// configuration is used or cached for sendmail. Only ENOENT and ENOTDIR count
// as missing: a key file an ordinary user may not see (a 0700 directory) is
// not "missing" to that user's sendmail. Free of zod: the fast path uses it.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ConfigIssue } from '../shared/errors.js';
import type { Config } from './schema.js';

/** A path that must exist, the key that names it, and what to say when it does not. */
export interface RequiredPath {
  key: string;
  path: string;
  message: string;
  hint: string;
}

/** Which keys the file itself sets: the default aliases and users paths may be absent. */
export interface GivenKeys {
  aliases: boolean;
  users: boolean;
}

/** The keys of raw (unvalidated) config data that matter to requiredPaths. */
export function givenKeys(raw: unknown): GivenKeys {
  const r = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  return { aliases: r.aliases !== undefined, users: r.users !== undefined };
}

/**
 * Every path the configuration needs on disk. The default /etc/aliases may be
 * absent (no aliases), an aliases file the configuration names must exist. The
 * users file may be absent while its directory exists (no users yet: `mailroom
 * user add` creates it); a users path the configuration names in a directory
 * that does not exist is a mistake.
 */
export function requiredPaths(c: Config, given: GivenKeys): RequiredPath[] {
  const out: RequiredPath[] = [];
  const file = (key: string, path: string | undefined) => {
    if (path !== undefined) out.push({ key, path, message: `file ${path} does not exist`, hint: 'create it or fix the path' });
  };
  file('tls.cert', c.tls?.cert);
  file('tls.key', c.tls?.key);
  c.dkim.forEach((d, i) => file(`dkim[${i}].privateKeyFile`, d.privateKeyFile));
  const hosts = [
    ...c.relay.smarthosts.map((h, i) => [`relay.smarthosts[${i}]`, h] as const),
    ...c.relay.routes.flatMap((r, i) => r.smarthosts.map((h, j) => [`relay.routes[${i}].smarthosts[${j}]`, h] as const)),
  ];
  for (const [p, h] of hosts) {
    file(`${p}.ca`, h.ca);
    file(`${p}.auth.passwordFile`, h.auth?.passwordFile);
    file(`${p}.auth.oauth2.clientSecretFile`, h.auth?.oauth2?.clientSecretFile);
    file(`${p}.auth.oauth2.refreshTokenFile`, h.auth?.oauth2?.refreshTokenFile);
  }
  if (given.aliases && typeof c.aliases === 'string') file('aliases', c.aliases);
  if (given.users) {
    const dir = dirname(c.users);
    out.push({ key: 'users', path: dir, message: `directory ${dir} (of the users file ${c.users}) does not exist`, hint: "create the directory ('mailroom user add' then creates the file) or fix the path" });
  }
  return out;
}

/** True when nothing is at the path (ENOENT, ENOTDIR); a path we may not look at counts as present. */
export function pathAbsent(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

/** The problems of the required paths that are absent, for a ConfigError. */
export function missingPaths(required: readonly RequiredPath[]): ConfigIssue[] {
  return required.filter((r) => pathAbsent(r.path)).map((r) => ({ path: r.key, message: r.message, hint: r.hint }));
}
