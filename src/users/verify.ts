// Checks a login against the users file, and reads a user's extra sender
// addresses. The file is reread when it changes (so `mailroom user passwd`
// takes effect at once); an unknown user costs the same scrypt work as a
// known one, so timing does not reveal names.
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

const addressCache = new FileCache<Map<string, string[]>>();

/** The extra sender addresses of `user` (the users file's third field); none for an unknown user or a missing file. */
export async function senderAddressesOf(path: string, user: string): Promise<string[]> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch {
    return [];
  }
  const map = await addressCache.getAsync(path, st, async () => new Map(parseUsers(await fsp.readFile(path, 'utf8')).map((u) => [u.name, u.addresses ?? []])));
  return map.get(user.toLowerCase()) ?? [];
}
