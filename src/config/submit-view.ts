// The slice of the configuration the submission path needs, read without zod
// or cosmiconfig so `sendmail` starts fast. It comes from a cache file that
// loadConfig (config/load.ts) writes only from a configuration that passed
// every check, trusted while the config file's inode, size and mtime are
// unchanged and the paths it needs still exist; anything else is a miss, and
// the caller validates fully (submit/sendmail/load-view.ts).
import { readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parseSize } from '../shared/units.js';
import { CONFIG_DEFAULTS as D, DEFAULT_CONFIG_PATH, defaultHostname, defaultLocalDomains } from './defaults.js';
import { pathAbsent } from './files.js';

export interface SubmitView {
  file: string | undefined;
  hostname: string;
  spool: string;
  socket: { path: string; lmtp: boolean };
  masquerade: string | undefined;
  maxMessageSize: number;
  localDomains: string[];
  /** For refusing unknown local recipients at submission (route/known-local.ts). */
  aliases: string | Record<string, string | string[]>;
  users: string;
  systemUsers: boolean;
}

const CACHE_VERSION = 3;

interface CacheFile {
  v: number;
  source: string;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Paths the configuration needs (config/files.ts): one gone makes the cache stale. */
  requires: string[];
  view: SubmitView;
}

/** Which config file a command uses: --config/-C, then MAILROOM_CONFIG, then the default if it exists. */
export function configPathFor(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): { path: string | undefined; explicit: boolean } {
  const chosen = explicit || env.MAILROOM_CONFIG;
  if (chosen) return { path: resolve(chosen), explicit: true };
  try {
    statSync(DEFAULT_CONFIG_PATH);
    return { path: DEFAULT_CONFIG_PATH, explicit: false };
  } catch {
    return { path: undefined, explicit: false };
  }
}

export function cachePathFor(configFile: string): string {
  const base = basename(configFile, extname(configFile));
  return join(dirname(configFile), `${base}.submit.json`);
}

/** Resolves a path from the config file relative to the file's directory. */
export function resolveFrom(file: string | undefined, p: string): string {
  return isAbsolute(p) || !file ? resolve(p) : resolve(dirname(file), p);
}

/** The built-in defaults (defaults.ts) as a view, for a machine without a config file. */
export function defaultSubmitView(): SubmitView {
  const hostname = defaultHostname();
  return {
    file: undefined,
    hostname,
    spool: D.spool,
    socket: { path: D.socket, lmtp: false },
    masquerade: undefined,
    maxMessageSize: parseSize(D.maxMessageSize)!,
    localDomains: defaultLocalDomains(hostname),
    aliases: D.aliases,
    users: D.users,
    systemUsers: D.local.systemUsers,
  };
}

/**
 * The view without validating anything: the defaults when there is no config
 * file, the cache when it is fresh, else `view` is undefined and `path` is the
 * file the caller must validate fully.
 */
export function cachedSubmitView(explicit?: string): { path: string | undefined; view: SubmitView | undefined } {
  const { path } = configPathFor(explicit);
  if (!path) return { path, view: defaultSubmitView() };
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return { path, view: undefined }; // the full loader says what is wrong
  }
  return { path, view: readCache(path, st) };
}

function readCache(path: string, st: Stats): SubmitView | undefined {
  const cachePath = cachePathFor(path);
  try {
    const cst = statSync(cachePath);
    // Only trust a cache written by root or by the config file's owner.
    if (cst.uid !== 0 && cst.uid !== st.uid) return undefined;
    const c = JSON.parse(readFileSync(cachePath, 'utf8')) as CacheFile;
    if (c.v !== CACHE_VERSION || c.source !== path || c.ino !== st.ino || c.size !== st.size || c.mtimeMs !== st.mtimeMs) return undefined;
    if (!Array.isArray(c.requires) || c.requires.some((p) => typeof p !== 'string' || pathAbsent(p))) return undefined;
    return c.view;
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache beside the config file, keyed on `st`: the file's stat taken
 * before it was read and validated, so an edit during validation leaves a cache
 * that no longer matches. Only loadConfig calls this, after every check passed.
 * Best effort (a read-only /etc is fine); skipped for a user whose cache the
 * reader would not trust anyway.
 */
export function writeSubmitCache(path: string, view: SubmitView, st: Stats, requires: string[]): void {
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && uid !== st.uid) return;
  try {
    const c: CacheFile = { v: CACHE_VERSION, source: path, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, requires, view };
    const cachePath = cachePathFor(path);
    const tmp = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(c), { mode: 0o644 });
    renameSync(tmp, cachePath);
  } catch {
    /* no cache: sendmail validates the file itself */
  }
}
