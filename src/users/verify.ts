// Checks a login against the users file. The file is reread when it changes
// (so `mailroom user passwd` takes effect at once); an unknown user costs the
// same scrypt work as a known one, so timing does not reveal names.
import { promises as fsp } from 'node:fs';
import { checkPassword, DUMMY_HASH } from './hash.js';
import { parseUsers } from './names.js';

const cache = new Map<string, { key: string; hashes: Map<string, string> }>();

async function hashesOf(path: string): Promise<Map<string, string>> {
  let key: string;
  try {
    const st = await fsp.stat(path);
    key = `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return new Map();
  }
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.hashes;
  const hashes = new Map(parseUsers(await fsp.readFile(path, 'utf8')).map((u) => [u.name, u.hash]));
  cache.set(path, { key, hashes });
  return hashes;
}

/** True when `password` is right for `user` in the users file at `path`. */
export async function verifyPassword(path: string, user: string, password: string): Promise<boolean> {
  const hash = (await hashesOf(path)).get(user.toLowerCase());
  const ok = await checkPassword(hash ?? DUMMY_HASH, password);
  return ok && hash !== undefined;
}
