// Loads the configuration once: cosmiconfig reads the file (YAML, JSON or JS),
// schema.ts validates it, every problem is collected into one ConfigError with
// its key path and a hint, paths become absolute (relative to the file), and
// the result is frozen. Entry points call this once and pass slices down. The
// files it names must exist (files.ts); only a configuration that passed all of
// this is cached for sendmail (submit-view.ts).
import { cosmiconfig } from 'cosmiconfig';
import { existsSync, statSync, type Stats } from 'node:fs';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../shared/errors.js';
import { configSchema, type Config, type ParsedConfig } from './schema.js';
import { givenKeys, missingPaths, requiredPaths } from './files.js';
import { configPathFor, resolveFrom, writeSubmitCache, type SubmitView } from './submit-view.js';
import { defaultLocalDomains } from './defaults.js';

export type { Config };

function hintFor(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'unrecognized_keys':
      return 'remove it, or check its spelling against mailroom.yaml(5)';
    case 'invalid_type':
      return `write a ${issue.expected} here`;
    case 'invalid_value':
      return `use one of: ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
}

function keyPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

export function issuesOf(error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push({ path: keyPath([...issue.path, k]), message: 'unknown key', hint: hintFor(issue) });
      continue;
    }
    if (issue.code === 'invalid_union') {
      out.push({ path: keyPath(issue.path), message: 'has the wrong form', hint: 'see mailroom.yaml(5) for the accepted forms' });
      continue;
    }
    // schema.ts writes custom messages as "what is wrong (hint: how to fix it)"
    const m = /^(.*) \(hint: (.*)\)$/s.exec(issue.message);
    if (m) out.push({ path: keyPath(issue.path), message: m[1]!, hint: m[2]! });
    else out.push({ path: keyPath(issue.path), message: issue.message, hint: hintFor(issue) });
  }
  return out;
}

/**
 * Checks that go beyond the shape of each key. Runs on validated data, and also
 * on the raw data when some keys are malformed, so `config check` lists every
 * problem at once; it reads defensively and applies schema.ts's defaults
 * (relay.mode mx, tls starttls).
 */
function crossCheck(c: any): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!c || typeof c !== 'object') return issues;
  const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
  const relay = c.relay && typeof c.relay === 'object' ? c.relay : {};
  if (relay.mode === 'smarthost' && list(relay.smarthosts).length === 0 && list(relay.routes).length === 0) {
    issues.push({ path: 'relay.smarthosts', message: 'relay.mode is smarthost but no smart host is listed', hint: 'add a host, or set relay.mode to mx' });
  }
  const tlsOf = (v: any) => (v && typeof v === 'object' ? (v.tls ?? 'starttls') : undefined);
  const needsTls = [
    ...list(c.listen).map((l, i) => [`listen[${i}].tls`, tlsOf(l)] as const),
    ['pop3.tls', tlsOf(c.pop3)] as const,
    ['imap.tls', tlsOf(c.imap)] as const,
  ].filter(([, t]) => t === 'starttls' || t === 'implicit');
  if (!c.tls) for (const [p] of needsTls) issues.push({ path: p, message: 'TLS is asked for but there is no certificate', hint: 'add tls: { cert, key }, or set tls: none' });
  return issues;
}

function absolutize(file: string | undefined, c: ParsedConfig): ParsedConfig {
  const r = (p: string) => resolveFrom(file, p);
  const host = (h: ParsedConfig['relay']['smarthosts'][number]) => ({
    ...h,
    ca: h.ca && r(h.ca),
    clientCert: h.clientCert && { cert: r(h.clientCert.cert), key: r(h.clientCert.key) },
    auth: h.auth && {
      ...h.auth,
      passwordFile: h.auth.passwordFile && r(h.auth.passwordFile),
      oauth2: h.auth.oauth2 && {
        ...h.auth.oauth2,
        clientSecretFile: h.auth.oauth2.clientSecretFile && r(h.auth.oauth2.clientSecretFile),
        refreshTokenFile: r(h.auth.oauth2.refreshTokenFile),
      },
    },
  });
  return {
    ...c,
    spool: r(c.spool),
    socket: { ...c.socket, path: r(c.socket.path) },
    aliases: typeof c.aliases === 'string' ? r(c.aliases) : c.aliases,
    local: { ...c.local, mailboxes: r(c.local.mailboxes) },
    relay: { ...c.relay, smarthosts: c.relay.smarthosts.map(host), routes: c.relay.routes.map((rt) => ({ ...rt, smarthosts: rt.smarthosts.map(host) })) },
    dkim: c.dkim.map((d) => ({ ...d, privateKeyFile: r(d.privateKeyFile) })),
    tls: c.tls && { cert: r(c.tls.cert), key: r(c.tls.key) },
    users: r(c.users),
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Validates raw config data; throws a ConfigError listing every problem. */
export function validateConfig(raw: unknown, file?: string): Config {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const shape = issuesOf(parsed.error);
    const seen = new Set(shape.map((i) => i.path));
    throw new ConfigError(file, [...shape, ...crossCheck(raw).filter((i) => !seen.has(i.path))]);
  }
  const cross = crossCheck(parsed.data);
  if (cross.length) throw new ConfigError(file, cross);
  const abs = absolutize(file, parsed.data);
  const domains = abs.local.domains?.map((d) => d.toLowerCase()) ?? defaultLocalDomains(abs.hostname);
  const rawRelay = (raw as { relay?: { mx?: unknown } } | null | undefined)?.relay;
  const given = { relayMx: rawRelay?.mx !== undefined && rawRelay?.mx !== null };
  return deepFreeze({ ...abs, file, local: { ...abs.local, domains }, given });
}

/** Reads raw config data from a file (YAML, JSON or JS). */
export async function readConfigFile(file: string): Promise<unknown> {
  if (!existsSync(file)) throw new ConfigError(file, [{ path: '', message: 'the configuration file does not exist', hint: 'give --config FILE, or create /etc/mailroom/mailroom.yaml (mailroom install)' }]);
  try {
    const result = await cosmiconfig('mailroom', { cache: false }).load(file);
    return result?.config ?? {};
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot parse: ${(err as Error).message.split('\n')[0]}` }]);
  }
}

export interface LoadOptions {
  /**
   * Refuse a configuration whose files are missing (files.ts), and only then
   * write sendmail's cache. On by default; `mailroom config show` turns it off
   * to show a configuration whose files are not in place yet.
   */
  checkFiles?: boolean;
}

/** The one way an entry point gets its Config. With no file, the built-in defaults. */
export async function loadConfig(explicit?: string, opts: LoadOptions = {}): Promise<Config> {
  const { path } = configPathFor(explicit);
  if (!path) return validateConfig({}, undefined);
  // Stat before reading: the cache is keyed on the file as it was when read, so
  // an edit that lands while we validate makes the cache stale, never trusted.
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined; // readConfigFile says what is wrong
  }
  const raw = await readConfigFile(path);
  const config = validateConfig(raw, path);
  if (opts.checkFiles === false) return config;
  const required = requiredPaths(config, givenKeys(raw));
  const missing = missingPaths(required);
  if (missing.length) throw new ConfigError(path, missing);
  if (st) writeSubmitCache(path, submitViewOf(config), st, required.map((r) => r.path));
  return config;
}

export function submitViewOf(c: Config): SubmitView {
  return { file: c.file, hostname: c.hostname, spool: c.spool, socket: { path: c.socket.path, lmtp: c.socket.lmtp }, masquerade: c.masquerade, maxMessageSize: c.maxMessageSize, localDomains: [...c.local.domains], aliases: c.aliases as SubmitView['aliases'], users: c.users, systemUsers: c.local.systemUsers };
}

const SECRET_KEYS = new Set(['password', 'clientSecret']);
/** The config with secret values replaced, for `config show`. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) && v !== undefined ? '********' : maskSecrets(v)]));
  }
  return value;
}
