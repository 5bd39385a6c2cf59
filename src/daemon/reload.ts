// Configuration reload (SIGHUP, `systemctl reload`): a reload builds a new
// Config the way a start does, and only a configuration that passes every
// check is handed to the services; otherwise the one in force stays and the
// problems are logged with their key paths. Keys that name a listener or the
// spool cannot change under a running daemon: they are reported, not applied.
import { loadConfig, type Config } from '../config/load.js';
import { ConfigError, type ConfigIssue } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { loadTlsMaterial } from '../shared/tls-material.js';

/** A service that applies a new, validated Config to what starts after it. */
export interface Reloadable {
  name: string;
  reload(config: Config): void | Promise<void>;
}

/**
 * Keys (and everything below them) whose change needs a restart: sockets and
 * ports are bound once (ports below 1024 by the root process), the spool is
 * locked and replayed at start, the logger and the account are set up once.
 */
export const RESTART_KEYS = ['user', 'spool', 'socket', 'log', 'metrics', 'pop3.listen', 'pop3.tlsListen', 'pop3.tls', 'imap.listen', 'imap.tlsListen', 'imap.tls', 'local.mailboxes', 'local.lmtp'];

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(value) ?? 'undefined');
}

/** The key paths whose values differ between two configurations (values are not returned: they may be secrets). */
export function changedKeys(old: Config, next: Config): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(old, '', a);
  flatten(next, '', b);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

export function needsRestart(key: string): boolean {
  // pop3/imap switched on or off as a whole is a new or a closed listener too.
  if (key === 'pop3' || key === 'imap') return true;
  return RESTART_KEYS.some((r) => key === r || key.startsWith(`${r}.`));
}

function describe(issues: ConfigIssue[]): string {
  return issues.map((i) => `${i.path || '(file)'}: ${i.message}`).join('; ');
}

/** Checks what loading does not: the TLS certificate and key must make a context. */
function checkTls(config: Config): ConfigIssue[] {
  if (!config.tls) return [];
  try {
    loadTlsMaterial('reload', config.tls);
    return [];
  } catch (err) {
    return [{ path: 'tls.cert', message: `cannot load tls.cert/tls.key: ${((err as Error).cause as Error).message}` }];
  }
}

/** Loads and checks the file again; logs `reload refused` with the problems and returns undefined when it fails. */
export async function loadForReload(file: string | undefined, log: Logger): Promise<Config | undefined> {
  let issues: ConfigIssue[];
  try {
    const next = await loadConfig(file);
    issues = checkTls(next);
    if (!issues.length) return next;
  } catch (err) {
    issues = err instanceof ConfigError ? err.issues : [{ path: '', message: (err as Error).message }];
  }
  log.error('reload refused', { file, problems: describe(issues), kept: 'the configuration in force' });
  return undefined;
}

export interface Reloader {
  /** One reload; calls made while one runs wait for it (one at a time). */
  reload(): Promise<void>;
  readonly config: Config;
}

export function createReloader(initial: Config, services: Reloadable[], log: Logger): Reloader {
  // `initial` is what the listeners were bound with: a restart key is compared
  // with it, so every reload repeats the warning until the restart.
  let current = initial;
  let chain: Promise<void> = Promise.resolve();
  const once = async (): Promise<void> => {
    log.info('reloading', { file: current.file });
    const next = await loadForReload(current.file, log);
    if (!next) return;
    const changed = changedKeys(current, next).filter((k) => !needsRestart(k));
    const restart = changedKeys(initial, next).filter(needsRestart);
    for (const key of restart) log.warn('reload: needs a restart', { key });
    // No service rebinds a listener or moves the spool: they take what applies to new sessions.
    for (const service of services) {
      try {
        await service.reload(next);
      } catch (err) {
        log.error('reload failed for a service', { service: service.name, error: (err as Error).message });
      }
    }
    current = next;
    log.info('reloaded', { changed: changed.join(',') || 'nothing', restart_needed: restart.join(',') || undefined });
  };
  return {
    get config() {
      return current;
    },
    reload() {
      const run = chain.then(once, once);
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
