// The users file format (`name:hash` lines, optionally `name:hash:addresses`
// naming the extra sender addresses the user may use on the SMTP listener,
// `#` comments) and the light,
// synchronous name reader the sendmail path and the router use. The one parser
// of the file: a line without a colon (or with nothing before it) is no user.
// Imports only node:fs: no crypto, no config, so it costs nothing at start-up.
import { readFileSync, statSync } from 'node:fs';
import { FileCache } from '../shared/file-cache.js';

export interface UserLine {
  name: string;
  hash: string;
  /** The optional third field: extra sender addresses (`a@dom.example`, `*@dom.example`), lower-cased. */
  addresses?: string[];
}

const namesCache = new FileCache<Set<string>>();

/** A name usable as a login and as a directory under local.mailboxes. */
export function isValidUserName(name: string): boolean {
  return /^[a-z0-9_][a-z0-9._+-]{0,63}$/.test(name);
}

/** The user of one line (name lower-cased); undefined for a blank, comment or malformed line. */
export function parseUserLine(raw: string): UserLine | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return undefined;
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const name = line.slice(0, colon).trim().toLowerCase();
  // A scrypt hash has no colon: a second one starts the address list.
  const rest = line.slice(colon + 1);
  const second = rest.indexOf(':');
  const hash = (second < 0 ? rest : rest.slice(0, second)).trim();
  if (!name) return undefined;
  if (second < 0) return { name, hash };
  return { name, hash, addresses: rest.slice(second + 1).split(',').map((a) => a.trim().toLowerCase()).filter((a) => a !== '') };
}

/** Users as written in the file; blank lines, comments and malformed lines are skipped. */
export function parseUsers(text: string): UserLine[] {
  const out: UserLine[] = [];
  for (const raw of text.split('\n')) {
    const u = parseUserLine(raw);
    if (u) out.push(u);
  }
  return out;
}

/** The user names in the users file; a missing file has none. */
export function readUserNames(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseUsers(text).map((u) => u.name);
}

/**
 * The user names as a set, re-read only when the file changes (the sendmail
 * path and the long-lived router); a missing or unreadable file has none.
 */
export function userNameSet(path: string): Set<string> {
  let st;
  try {
    st = statSync(path);
  } catch {
    return new Set();
  }
  return namesCache.get(path, st, () => {
    try {
      return new Set(parseUsers(readFileSync(path, 'utf8')).map((u) => u.name));
    } catch {
      return new Set();
    }
  });
}
