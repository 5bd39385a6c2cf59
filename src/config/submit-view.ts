// The slice of the configuration the submission path needs, loaded without zod
// or cosmiconfig so `sendmail` starts fast (ARCHITECTURE: the fast path).
// Order: a cache file written from a fully validated config (by the daemon,
// `mailroom config check`, or an earlier sendmail run by the file's owner) when
// it matches the config file's inode, size and mtime; else a light parse with
// the same defaults as schema.ts. The full check stays `mailroom config check`.
import { readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../shared/errors.js';
import { parseSize } from '../shared/units.js';
import { DEFAULT_CONFIG_PATH, defaultHostname } from './defaults.js';

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

const CACHE_VERSION = 2;

interface CacheFile {
  v: number;
  source: string;
  ino: number;
  size: number;
  mtimeMs: number;
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

export function loadSubmitView(explicit?: string): SubmitView {
  const { path } = configPathFor(explicit);
  if (!path) return viewFromRaw(undefined, {});
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the configuration file: ${(err as NodeJS.ErrnoException).code ?? err}` }]);
  }
  const cached = readCache(path, st);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the configuration file: ${(err as NodeJS.ErrnoException).code ?? err}` }]);
  }
  const view = viewFromRaw(path, parseText(path, text));
  if (process.getuid?.() === st.uid) writeSubmitCache(path, view, st);
  return view;
}

function readCache(path: string, st: Stats): SubmitView | undefined {
  const cachePath = cachePathFor(path);
  try {
    const cst = statSync(cachePath);
    // Only trust a cache written by root or by the config file's owner.
    if (cst.uid !== 0 && cst.uid !== st.uid) return undefined;
    const c = JSON.parse(readFileSync(cachePath, 'utf8')) as CacheFile;
    if (c.v !== CACHE_VERSION || c.source !== path || c.ino !== st.ino || c.size !== st.size || c.mtimeMs !== st.mtimeMs) return undefined;
    return c.view;
  } catch {
    return undefined;
  }
}

/** Writes the cache beside the config file; best effort (a read-only /etc is fine). */
export function writeSubmitCache(path: string, view: SubmitView, st?: Stats): void {
  try {
    const s = st ?? statSync(path);
    const c: CacheFile = { v: CACHE_VERSION, source: path, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, view };
    const cachePath = cachePathFor(path);
    const tmp = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(c), { mode: 0o644 });
    renameSync(tmp, cachePath);
  } catch {
    /* no cache: sendmail parses the file itself */
  }
}

function parseText(path: string, text: string): Record<string, unknown> {
  let raw: unknown;
  try {
    if (/\.json$/i.test(path)) raw = JSON.parse(text);
    else if (/\.[cm]?js$/i.test(path)) raw = loadJs(path);
    else raw = loadYaml(text);
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot parse: ${(err as Error).message.split('\n')[0]}` }]);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(path, [{ path: '', message: 'the file must hold a mapping of keys' }]);
  return raw as Record<string, unknown>;
}

/**
 * A JavaScript config, read as cosmiconfig reads it for the full loader: its
 * default export (module.exports for CommonJS). require() of an ES module is
 * synchronous on Node >= 20.19 (package.json engines).
 */
function loadJs(path: string): unknown {
  const mod = createRequire(import.meta.url)(path) as { [Symbol.toStringTag]?: string; default?: unknown } | undefined;
  return mod?.[Symbol.toStringTag] === 'Module' ? mod.default : mod;
}

// js-yaml is loaded only when there is no valid cache (createRequire keeps this path synchronous).
function loadYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(t: string): unknown };
  return yaml.load(text);
}

function bad(file: string | undefined, key: string, message: string): never {
  throw new ConfigError(file, [{ path: key, message, hint: "run 'mailroom config check' for every problem" }]);
}

/** The submission view from raw (unvalidated) config data, with schema.ts's defaults. */
export function viewFromRaw(file: string | undefined, raw: Record<string, any>): SubmitView {
  const str = (key: string, v: unknown, dflt: string): string => {
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || v === '') bad(file, key, 'expected a non-empty string');
    return v;
  };
  const hostname = str('hostname', raw.hostname, defaultHostname());
  const spool = resolveFrom(file, str('spool', raw.spool, '/var/spool/mailroom'));
  let socket = { path: '/run/mailroom/submit.sock', lmtp: false };
  if (typeof raw.socket === 'string') socket = { path: raw.socket, lmtp: false };
  else if (raw.socket && typeof raw.socket === 'object') socket = { path: str('socket.path', raw.socket.path, ''), lmtp: raw.socket.lmtp === true };
  else if (raw.socket !== undefined) bad(file, 'socket', 'expected a path or { path, lmtp }');
  socket.path = resolveFrom(file, socket.path);
  const masquerade = raw.masquerade === undefined ? undefined : str('masquerade', raw.masquerade, '');
  let maxMessageSize = 25 * 1024 * 1024;
  if (raw.maxMessageSize !== undefined) {
    const n = parseSize(raw.maxMessageSize);
    if (n === undefined) bad(file, 'maxMessageSize', 'not a size (write it like 25MB)');
    maxMessageSize = n;
  }
  const domains = raw.local?.domains;
  if (domains !== undefined && (!Array.isArray(domains) || domains.some((d) => typeof d !== 'string'))) bad(file, 'local.domains', 'expected a list of domains');
  const localDomains = (domains as string[] | undefined) ?? ['localhost', hostname];
  let aliases: SubmitView['aliases'] = '/etc/aliases';
  if (typeof raw.aliases === 'string' && raw.aliases !== '') aliases = resolveFrom(file, raw.aliases);
  else if (raw.aliases && typeof raw.aliases === 'object' && !Array.isArray(raw.aliases)) {
    for (const [k, v] of Object.entries(raw.aliases as Record<string, unknown>)) {
      if (typeof v !== 'string' && !(Array.isArray(v) && v.every((t) => typeof t === 'string'))) bad(file, `aliases.${k}`, 'expected a target or a list of targets');
    }
    aliases = raw.aliases as Record<string, string | string[]>;
  } else if (raw.aliases !== undefined) bad(file, 'aliases', 'expected a path or a map of aliases');
  const users = resolveFrom(file, str('users', raw.users, '/etc/mailroom/users'));
  const systemUsers = raw.local?.systemUsers === undefined ? true : raw.local.systemUsers === true;
  return { file, hostname, spool, socket, masquerade, maxMessageSize, localDomains: localDomains.map((d) => d.toLowerCase()), aliases, users, systemUsers };
}
