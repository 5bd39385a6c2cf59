// The submission-time check, so mail to a typo is refused while the sender
// is still there, not bounced later: a recipient in a local domain must be a
// mailbox user, a system account (local.systemUsers) or an alias, else it is
// refused — sendmail exits 67, the socket answers 550 5.1.1. Runs in the
// sendmail fast path: synchronous, no zod, files read only when a recipient is
// local, and cached by file identity for the long-lived socket server.
import { accessSync, constants } from 'node:fs';
import { MailroomError } from '../shared/errors.js';
import { aliasesFromMap, readAliasFileSync } from './aliases.js';
import { systemAccounts } from '../shared/passwd.js';
import { userNameSet } from '../users/names.js';

export interface LocalNames {
  localDomains: readonly string[];
  aliases: string | Readonly<Record<string, string | readonly string[]>>;
  users: string;
  systemUsers: boolean;
}

const inlineCache = new WeakMap<object, Set<string>>();

function aliasNames(v: LocalNames): { has(name: string): boolean } {
  if (typeof v.aliases === 'string') {
    try {
      return readAliasFileSync(v.aliases).entries;
    } catch {
      // An unreadable aliases file must not turn every alias into "no such user": let
      // the daemon decide (it defers or bounces with the real reason).
      return { has: () => true };
    }
  }
  let names = inlineCache.get(v.aliases);
  if (!names) {
    names = new Set(aliasesFromMap(v.aliases).entries.keys());
    inlineCache.set(v.aliases, names);
  }
  return names;
}

/**
 * The mailbox users. The users file belongs to the daemon's user (it holds
 * password hashes): a submitter who may not read it cannot tell, and leaves
 * the decision to the daemon, which bounces an unknown name.
 */
function userNames(path: string): { has(name: string): boolean } {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return { has: () => true };
  }
  return userNameSet(path);
}

/** True when a local name is a known recipient. */
export function isKnownLocalName(v: LocalNames, name: string, passwd?: string): boolean {
  const n = name.toLowerCase();
  if (n === 'postmaster') return true; // RFC 5321 §4.5.1
  return aliasNames(v).has(n) || userNames(v.users).has(n) || (v.systemUsers && systemAccounts(passwd).has(n));
}

/** The local part of an address in a local domain (or a bare name), else undefined. */
export function localNameOf(v: Pick<LocalNames, 'localDomains'>, address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = address.slice(at + 1).toLowerCase();
  return v.localDomains.includes(domain) ? address.slice(0, at) : undefined;
}

/** The first recipient that is local but unknown, or undefined when all are fine. */
export function unknownLocalRecipient(v: LocalNames, addresses: readonly string[], passwd?: string): string | undefined {
  for (const a of addresses) {
    const name = localNameOf(v, a);
    if (name !== undefined && !isKnownLocalName(v, name, passwd)) return a;
  }
  return undefined;
}

/** Throws a 'nouser' MailroomError (EX_NOUSER / 550 5.1.1) for an unknown local recipient. */
export function checkLocalRecipients(v: LocalNames, addresses: readonly string[], passwd?: string): void {
  const bad = unknownLocalRecipient(v, addresses, passwd);
  if (bad !== undefined) throw new MailroomError('USER_UNKNOWN', `<${bad}>: no such local user (not a mailbox user, system account or alias)`);
}
