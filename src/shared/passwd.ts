// The one reader of /etc/passwd: the names local.systemUsers makes local
// recipients, the uid/gid a delivery chowns a mailbox to, the daemon's account,
// who submitted a drop file (by uid) and the full name sendmail puts in From:.
// Read synchronously (the sendmail fast path uses it), re-read only when the
// file changes. A missing or unreadable file has no accounts.
import { readFileSync, statSync } from 'node:fs';
import { FileCache } from './file-cache.js';

export interface SystemAccount {
  name: string;
  uid: number;
  gid: number;
  /** The first comma-separated part of the GECOS field: the full name, maybe empty. */
  fullName: string;
  home: string;
}

export interface PasswdTable {
  /** By lower-cased name; the first entry of a name wins. */
  byName: Map<string, SystemAccount>;
  /** By uid; the first entry of a uid wins, as getpwuid(3) answers. */
  byUid: Map<number, SystemAccount>;
}

const EMPTY: PasswdTable = { byName: new Map(), byUid: new Map() };
const cache = new FileCache<PasswdTable>();

/** Parses passwd(5) text; NIS markers (+, -), comments and short lines are skipped. */
export function parsePasswd(text: string): PasswdTable {
  const byName = new Map<string, SystemAccount>();
  const byUid = new Map<number, SystemAccount>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 7 || !f[0]) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f[2] === '' || f[3] === '' || !Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    const a: SystemAccount = { name: f[0], uid, gid, fullName: f[4]!.split(',')[0]!.trim(), home: f[5]! };
    const name = f[0].toLowerCase();
    if (!byName.has(name)) byName.set(name, a);
    if (!byUid.has(uid)) byUid.set(uid, a);
  }
  return { byName, byUid };
}

/** The table of `path` (default /etc/passwd). */
export function passwdTable(path = '/etc/passwd'): PasswdTable {
  let st;
  try {
    st = statSync(path);
  } catch {
    return EMPTY;
  }
  return cache.get(path, st, () => {
    try {
      return parsePasswd(readFileSync(path, 'utf8'));
    } catch {
      return EMPTY;
    }
  });
}

/** The accounts by (lower-cased) name. */
export function systemAccounts(path?: string): Map<string, SystemAccount> {
  return passwdTable(path).byName;
}

/** One account by name (any case), or undefined. */
export function systemAccount(name: string, path?: string): SystemAccount | undefined {
  return passwdTable(path).byName.get(name.toLowerCase());
}

/** The login name of a uid, or `uid<N>` when it has no entry. */
export function userNameOf(uid: number, path?: string): string {
  return passwdTable(path).byUid.get(uid)?.name ?? `uid${uid}`;
}
