// The aliases table: /etc/aliases format (aliases(5)) or an inline map from the
// config. `name: target, target`, continuation lines start with white space,
// `#` starts a comment. Targets: addresses, bare names, :include:/path,
// |command and /file (the last two only honoured from a root-owned file).
import { promises as fsp, readFileSync, statSync, type Stats } from 'node:fs';
import { fileStamp, FileCache } from '../shared/file-cache.js';

export interface AliasProblem {
  line: number;
  message: string;
  /** Reported, but the table is still usable (e.g. a command that will be ignored). */
  warning?: boolean;
}

export interface AliasTable {
  entries: Map<string, string[]>;
  problems: AliasProblem[];
  /** Source line of each name, for messages. */
  lines: Map<string, number>;
  /**
   * True when |command and /file targets may be honoured: the table came from a
   * file owned by root and writable by nobody else. Inline tables never are.
   */
  trusted?: boolean;
}

/** Owned by root and not writable by group or others: its commands are root's. */
export function isRootOwned(st: Pick<Stats, 'uid' | 'mode'>): boolean {
  return st.uid === 0 && (st.mode & 0o022) === 0;
}

/** Removes one pair of surrounding double quotes: `"|cmd arg"` -> `|cmd arg`. */
export function unquoteTarget(t: string): string {
  const s = t.trim();
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).trim() : s;
}

/** The targets of an :include: file: comma- or line-separated, `#` comments. */
export function parseIncludeText(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((l) => !/^\s*#/.test(l))
    .flatMap((l) => splitTargets(l));
}

/** Splits a target list on commas outside quotes. */
function splitTargets(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of s) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out.filter((t) => t !== '');
}

export function parseAliases(text: string): AliasTable {
  const entries = new Map<string, string[]>();
  const lines = new Map<string, number>();
  const problems: AliasProblem[] = [];
  const logical: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*#/.test(raw) || raw.trim() === '') return;
    if (/^[ \t]/.test(raw) && logical.length) logical[logical.length - 1]!.text += ' ' + raw.trim();
    else if (/^[ \t]/.test(raw)) problems.push({ line: i + 1, message: 'continuation line without an alias before it' });
    else logical.push({ line: i + 1, text: raw });
  });
  for (const { line, text: t } of logical) {
    const colon = t.indexOf(':');
    if (colon <= 0) {
      problems.push({ line, message: `expected "name: target, ..." but found ${JSON.stringify(t.slice(0, 60))}` });
      continue;
    }
    const name = t.slice(0, colon).trim().toLowerCase().replace(/^"(.*)"$/, '$1');
    if (!/^[^\s@,:]+$/.test(name)) {
      problems.push({ line, message: `bad alias name ${JSON.stringify(name)}` });
      continue;
    }
    const targets = splitTargets(t.slice(colon + 1));
    if (targets.length === 0) {
      problems.push({ line, message: `alias ${name} has no targets` });
      continue;
    }
    for (const target of targets) {
      if (/[\0\r\n]/.test(target)) problems.push({ line, message: `alias ${name}: bad target` });
      if (target.toLowerCase().startsWith(':include:') && !target.slice(9).trim().startsWith('/')) {
        problems.push({ line, message: `alias ${name}: :include: needs an absolute path` });
      }
    }
    if (entries.has(name)) problems.push({ line, message: `alias ${name} is defined again (first on line ${lines.get(name)}); the last one wins` });
    entries.set(name, targets);
    lines.set(name, line);
  }
  return { entries, problems, lines };
}

export function aliasesFromMap(map: Readonly<Record<string, string | readonly string[]>>): AliasTable {
  const entries = new Map<string, string[]>();
  for (const [k, v] of Object.entries(map)) entries.set(k.toLowerCase(), typeof v === 'string' ? splitTargets(v) : [...v]);
  return { entries, problems: [], lines: new Map() };
}

/** Reads the aliases file; a missing file is an empty table. */
export async function readAliasFile(path: string): Promise<AliasTable> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: new Map(), problems: [], lines: new Map() };
    throw err;
  }
  const table = parseAliases(text);
  try {
    table.trusted = isRootOwned(await fsp.stat(path));
  } catch {
    table.trusted = false;
  }
  return table;
}

// The owner and mode count too: they decide whether the file is trusted.
const syncCache = new FileCache<AliasTable>({ stamp: (st) => `${fileStamp(st)}:${st.uid}:${st.mode}` });

/**
 * The aliases file read synchronously (sendmail fast path, RCPT checks),
 * re-parsed only when the file changes; a missing file is an empty table.
 */
export function readAliasFileSync(path: string): AliasTable {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: new Map(), problems: [], lines: new Map(), trusted: false };
    throw err;
  }
  return syncCache.get(path, st, () => {
    const table = parseAliases(readFileSync(path, 'utf8'));
    table.trusted = isRootOwned(st);
    return table;
  });
}
