// The LocalRouter of destination.ts, built once from the Config: which domains
// are local, and what each local recipient expands to through the aliases
// (file or inline), the users file and the system accounts. The queue manager
// calls resolve() for every pending recipient; newaliases uses checkAliases().
import { readFileSync, statSync } from 'node:fs';
import type { Config } from '../config/load.js';
import { aliasesFromMap, isRootOwned, parseIncludeText, readAliasFile, readAliasFileSync, type AliasProblem, type AliasTable } from './aliases.js';
import type { Destination, LocalRouter } from './destination.js';
import { expandRecipient, type ExpandSource, type IncludeResult } from './expand.js';
import { systemAccounts } from '../shared/passwd.js';
import { userNameSet } from '../users/names.js';

export interface RouterOptions {
  /** The passwd file for local.systemUsers (tests point it elsewhere). */
  passwd?: string;
}

/** Reads an :include: file synchronously; trusted when owned by root and writable by nobody else. */
export function readIncludeFile(path: string): IncludeResult {
  try {
    const st = statSync(path);
    if (!st.isFile()) return { error: 'not a regular file' };
    return { targets: parseIncludeText(readFileSync(path, 'utf8')), trusted: isRootOwned(st) };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}

function sourceFor(config: Config, table: () => AliasTable, opts: RouterOptions): ExpandSource {
  const domains = new Set(config.local.domains.map((d) => d.toLowerCase()));
  return {
    get aliases() {
      return table();
    },
    isLocalDomain: (d) => domains.has(d.toLowerCase()),
    isMailboxUser: (name) => userNameSet(config.users).has(name) || (config.local.systemUsers && systemAccounts(opts.passwd).has(name)),
    readInclude: readIncludeFile,
  };
}

/**
 * Builds the router; the aliases file is read now and again whenever it
 * changes (or on reload()). reload(config) rebuilds it from a new Config
 * (local domains, inline aliases or another aliases file, the users file).
 */
export async function createLocalRouter(config: Config, opts: RouterOptions = {}): Promise<LocalRouter> {
  const build = async (c: Config) => {
    const file = typeof c.aliases === 'string' ? c.aliases : undefined;
    let table: AliasTable = file ? await readAliasFile(file) : aliasesFromMap(c.aliases as Record<string, string | string[]>);
    const current = (): AliasTable => {
      if (!file) return table;
      try {
        // Cheap when unchanged (one stat); picks up an edited file without newaliases, as Postfix's local does.
        table = readAliasFileSync(file);
      } catch {
        /* keep the last good table */
      }
      return table;
    };
    return { file, src: sourceFor(c, current, opts), set: (t: AliasTable) => (table = t) };
  };
  let now = await build(config);
  return {
    isLocal(address: string): boolean {
      const at = address.lastIndexOf('@');
      return at < 0 || now.src.isLocalDomain(address.slice(at + 1));
    },
    resolve(address: string): Destination[] {
      return expandRecipient(now.src, address).destinations;
    },
    async reload(next?: Config): Promise<void> {
      if (next) now = await build(next);
      else if (now.file) now.set(await readAliasFile(now.file));
    },
  };
}

/**
 * Everything newaliases reports: syntax problems of the file, plus loops,
 * too-deep chains, unreadable :include: files and commands or files that will
 * be ignored because the source is not root's — each with its line number.
 */
export async function checkAliases(config: Config, opts: RouterOptions = {}): Promise<{ table: AliasTable; problems: AliasProblem[] }> {
  const file = typeof config.aliases === 'string' ? config.aliases : undefined;
  const table = file ? await readAliasFile(file) : aliasesFromMap(config.aliases as Record<string, string | string[]>);
  const src = sourceFor(config, () => table, opts);
  const problems: AliasProblem[] = [...table.problems];
  const seen = new Set<string>();
  for (const name of table.entries.keys()) {
    for (const p of expandRecipient(src, name).problems) {
      // One report per loop, whichever of its aliases the walk started from.
      const loop = /^alias loop: (.*)$/.exec(p.message);
      const key = loop ? `loop:${[...new Set(loop[1]!.split(' -> '))].sort().join(',')}` : `${p.alias}\0${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push({ line: table.lines.get(p.alias) ?? table.lines.get(name) ?? 0, message: `alias ${p.alias}: ${p.message}`, ...(p.warning ? { warning: true } : {}) });
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { table, problems };
}

/** One line per destination, for `sendmail -bv` and `mailroom test`. */
export function describeDestination(d: Destination): string {
  switch (d.kind) {
    case 'mailbox':
      return `local mailbox ${d.user}`;
    case 'pipe':
      return `command "${d.command}" (alias ${d.alias}, run as nobody)`;
    case 'file':
      return `file ${d.path} (alias ${d.alias})`;
    case 'remote':
      return `remote address ${d.address}`;
    case 'unknown':
      return `undeliverable ${d.address}: ${d.reason}`;
  }
}
