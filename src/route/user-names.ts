// The names in mailroom's users file (lines `name:hash`, `#` comments): mailbox
// users are local recipients. Only the names are read here; the hashes belong
// to src/users. Synchronous and cached by file identity for the sendmail path.
import { readFileSync, statSync } from 'node:fs';

const cache = new Map<string, { key: string; names: Set<string> }>();

export function parseUserNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const name = (colon < 0 ? line : line.slice(0, colon)).trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/** The user names in the users file; a missing or unreadable file has none. */
export function readUserNamesSync(path: string): Set<string> {
  let key: string;
  try {
    const st = statSync(path);
    key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return new Set();
  }
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.names;
  let names: Set<string>;
  try {
    names = parseUserNames(readFileSync(path, 'utf8'));
  } catch {
    names = new Set();
  }
  cache.set(path, { key, names });
  return names;
}
