// Alias expansion: one recipient -> its final destinations (aliases(5)
// semantics). Chains are followed, a loop ends that branch with a clear reason
// (never infinite expansion), an alias that names itself delivers to the
// mailbox of that name (sendmail's `root: root, admin@x`), `\name` skips the
// aliases, and |command and /file targets are honoured only from trusted
// (root-owned) sources. Pure: every file access is injected through ExpandSource.
import type { Destination } from './destination.js';
import { unquoteTarget, type AliasTable } from './aliases.js';

/** Deeper chains than this are treated as an error (sendmail's MAXRCRSN is 10; we allow more). */
export const MAX_ALIAS_DEPTH = 20;
/** A bound on what one recipient may expand to (a big :include: list is fine, a runaway is not). */
export const MAX_DESTINATIONS = 10_000;

export interface IncludeResult {
  targets?: string[];
  /** The file is owned by root and writable by nobody else. */
  trusted?: boolean;
  error?: string;
}

export interface ExpandSource {
  aliases: AliasTable;
  isLocalDomain(domain: string): boolean;
  /** A users-file user or (with local.systemUsers) a system account. */
  isMailboxUser(name: string): boolean;
  readInclude(path: string): IncludeResult;
}

export interface Expansion {
  destinations: Destination[];
  /** Loops, unreadable :include: files, untrusted commands: for newaliases and logs. */
  problems: { alias: string; message: string; warning?: boolean }[];
}

/** A name that can safely be a directory or file under local.mailboxes. */
export function isMailboxName(name: string): boolean {
  return /^[a-z0-9_][a-z0-9._+-]*$/i.test(name) && name.length <= 64;
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return (at < 0 ? address : address.slice(0, at)).toLowerCase();
}

function domainPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** Expands one local recipient address (user@local-domain or a bare name). */
export function expandRecipient(src: ExpandSource, address: string): Expansion {
  const out = new Map<string, Destination>();
  const problems: Expansion['problems'] = [];
  const trustedTable = src.aliases.trusted === true;
  let budget = MAX_DESTINATIONS * 4;

  const add = (d: Destination) => {
    if (out.size >= MAX_DESTINATIONS) return;
    const key =
      d.kind === 'mailbox' ? `m:${d.user}` : d.kind === 'pipe' ? `p:${d.command}` : d.kind === 'file' ? `f:${d.path}` : d.kind === 'remote' ? `r:${d.address.toLowerCase()}` : `u:${d.address}:${d.reason}`;
    if (!out.has(key)) out.set(key, d);
  };
  const unknown = (addr: string, reason: string) => add({ kind: 'unknown', address: addr, reason });
  const mailbox = (name: string, addr: string) => {
    if (isMailboxName(name)) add({ kind: 'mailbox', user: name });
    else unknown(addr, `${JSON.stringify(name)} is not a usable mailbox name`);
  };

  const expandName = (name: string, addr: string, chain: string[]): void => {
    if (--budget < 0) return;
    const targets = src.aliases.entries.get(name);
    if (targets) {
      const at = chain.indexOf(name);
      if (at >= 0) {
        if (at === chain.length - 1) return mailbox(name, addr); // `root: root, ...`
        const loop = [...chain.slice(at), name].join(' -> ');
        problems.push({ alias: chain[at]!, message: `alias loop: ${loop}` });
        return unknown(addr, `alias loop: ${loop}`);
      }
      if (chain.length >= MAX_ALIAS_DEPTH) {
        problems.push({ alias: chain[0]!, message: `alias chain deeper than ${MAX_ALIAS_DEPTH}: ${chain.join(' -> ')} -> ${name}` });
        return unknown(addr, `alias chain deeper than ${MAX_ALIAS_DEPTH}`);
      }
      const next = [...chain, name];
      for (const t of targets) expandTarget(t, next, trustedTable);
      return;
    }
    if (src.isMailboxUser(name)) return mailbox(name, addr);
    // RFC 5321 §4.5.1: postmaster must always be accepted; without an alias it is root's.
    if (name === 'postmaster') return chain.includes('root') || !src.aliases.entries.has('root') ? mailbox('root', addr) : expandName('root', addr, chain);
    unknown(addr, `no such user: ${name}`);
  };

  const expandTarget = (raw: string, chain: string[], trusted: boolean): void => {
    if (--budget < 0) return;
    const t = unquoteTarget(raw);
    const alias = chain[chain.length - 1] ?? '';
    if (t === '') return;
    if (t.startsWith('|')) {
      if (trusted) return add({ kind: 'pipe', command: t.slice(1).trim(), alias });
      problems.push({ alias, message: `command target ${JSON.stringify(t)} will be refused: only a root-owned aliases file (or root-owned :include: file) may run commands`, warning: true });
      return unknown(`${alias}`, `command target not allowed here (only the root-owned aliases file may run commands)`);
    }
    if (t.toLowerCase().startsWith(':include:')) {
      const path = t.slice(9).trim();
      if (!path.startsWith('/')) {
        problems.push({ alias, message: `:include: needs an absolute path: ${path}` });
        return unknown(alias, `:include: needs an absolute path`);
      }
      if (chain.length >= MAX_ALIAS_DEPTH) return unknown(alias, `alias chain deeper than ${MAX_ALIAS_DEPTH}`);
      const inc = src.readInclude(path);
      if (inc.error !== undefined || !inc.targets) {
        problems.push({ alias, message: `cannot read :include: file ${path}: ${inc.error ?? 'unreadable'}` });
        return unknown(alias, `cannot read :include: file ${path}: ${inc.error ?? 'unreadable'}`);
      }
      // A command in an include file runs only when both the aliases file and the include file are root's.
      for (const it of inc.targets) expandTarget(it, [...chain], trusted && inc.trusted === true);
      return;
    }
    if (t.startsWith('/')) {
      if (trusted) return add({ kind: 'file', path: t, alias });
      problems.push({ alias, message: `file target ${t} will be refused: only a root-owned aliases file (or root-owned :include: file) may write files`, warning: true });
      return unknown(alias, `file target not allowed here (only the root-owned aliases file may write files)`);
    }
    if (t.startsWith('\\')) {
      // `\user`: the mailbox itself, without alias expansion.
      const addr = t.slice(1);
      const d = domainPart(addr);
      if (d && !src.isLocalDomain(d)) return add({ kind: 'remote', address: addr });
      const name = localPart(addr);
      return src.isMailboxUser(name) || chain.includes(name) ? mailbox(name, addr) : unknown(addr, `no such user: ${name}`);
    }
    const d = domainPart(t);
    if (d && !src.isLocalDomain(d)) return add({ kind: 'remote', address: t });
    expandName(localPart(t), t, chain);
  };

  const d = domainPart(address);
  if (d && !src.isLocalDomain(d)) return { destinations: [{ kind: 'remote', address }], problems };
  expandName(localPart(address), address, []);
  if (budget < 0) problems.push({ alias: localPart(address), message: 'expansion too large; stopped' });
  return { destinations: [...out.values()], problems };
}
