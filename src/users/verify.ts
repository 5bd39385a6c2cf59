// Checks a login against the users file. The file is reread when it changes
// (so `mailroom user passwd` takes effect at once); an unknown user costs the
// same scrypt work as a known one, so timing does not reveal names.
import { promises as fsp } from 'node:fs';
import { FileCache } from '../shared/file-cache.js';
import { checkPassword, DUMMY_HASH } from './hash.js';
import { parseUsers } from './names.js';

const cache = new FileCache<Map<string, string>>();

async function hashesOf(path: string): Promise<Map<string, string>> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch {
    return new Map();
  }
  return cache.getAsync(path, st, async () => new Map(parseUsers(await fsp.readFile(path, 'utf8')).map((u) => [u.name, u.hash])));
}

/** True when `password` is right for `user` in the users file at `path`. */
export async function verifyPassword(path: string, user: string, password: string): Promise<boolean> {
  const hash = (await hashesOf(path)).get(user.toLowerCase());
  const ok = await checkPassword(hash ?? DUMMY_HASH, password);
  return ok && hash !== undefined;
}
