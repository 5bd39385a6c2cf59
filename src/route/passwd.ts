// System accounts from /etc/passwd: the names local.systemUsers makes local
// recipients, and the uid/gid a delivery chowns a mailbox to. Read synchronously
// (the sendmail fast path uses it) and re-read only when the file changes.
import { readFileSync, statSync } from 'node:fs';

export interface SystemAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface Cached {
  key: string;
  accounts: Map<string, SystemAccount>;
}

const cache = new Map<string, Cached>();

/** Parses passwd(5) text into accounts by (lower-cased) name. */
export function parsePasswd(text: string): Map<string, SystemAccount> {
  const out = new Map<string, SystemAccount>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 7 || !f[0]) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    const name = f[0].toLowerCase();
    if (!out.has(name)) out.set(name, { name: f[0], uid, gid, home: f[5] ?? '/' });
  }
  return out;
}

/** The accounts in `path` (default /etc/passwd); a missing file has none. */
export function systemAccounts(path = '/etc/passwd'): Map<string, SystemAccount> {
  let key: string;
  try {
    const st = statSync(path);
    key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return new Map();
  }
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.accounts;
  let accounts: Map<string, SystemAccount>;
  try {
    accounts = parsePasswd(readFileSync(path, 'utf8'));
  } catch {
    accounts = new Map();
  }
  cache.set(path, { key, accounts });
  return accounts;
}

/** One account by name, or undefined. */
export function systemAccount(name: string, path?: string): SystemAccount | undefined {
  return systemAccounts(path).get(name.toLowerCase());
}
