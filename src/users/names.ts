// The users file format (`name:hash` lines, `#` comments) and the light,
// synchronous name reader the sendmail path may use. Imports only node:fs:
// no crypto, no config, so it costs nothing at start-up.
import { readFileSync } from 'node:fs';

export interface UserLine {
  name: string;
  hash: string;
}

/** A name usable as a login and as a directory under local.mailboxes. */
export function isValidUserName(name: string): boolean {
  return /^[a-z0-9_][a-z0-9._+-]{0,63}$/.test(name);
}

/** Users as written in the file; blank lines, comments and malformed lines are skipped. */
export function parseUsers(text: string): UserLine[] {
  const out: UserLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon).trim().toLowerCase(), hash: line.slice(colon + 1).trim() });
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
