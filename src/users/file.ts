// Reading and rewriting the users file. A rewrite is atomic and durable: a
// temporary file of mode 0600 in the same directory, fsync, rename over the
// old one, fsync the directory; a crash leaves the old or the new file.
import { constants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import { isValidUserName, parseUserLine, parseUsers, type UserLine } from './names.js';

/** The file's users, in file order; a missing file has none. */
export async function readUsers(path: string): Promise<UserLine[]> {
  try {
    return parseUsers(await fsp.readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MailroomError('USERS_UNREADABLE', `cannot read the users file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces the users file, keeping comments and the order of lines. */
async function rewrite(path: string, edit: (lines: string[]) => string[]): Promise<void> {
  let old = '';
  // The file belongs to the daemon's user (privilege separation): a rewrite
  // by root keeps that owner, or the daemon could no longer read it.
  const was = await fsp.stat(path).catch(() => undefined);
  try {
    old = await fsp.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const lines = old === '' ? ['# mailroom users: name:scrypt-hash (mailroom user add|passwd|del)'] : old.replace(/\n$/, '').split('\n');
  const text = edit(lines).join('\n') + '\n';
  await fsp.mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await fh.writeFile(text);
    await fh.chmod(0o600);
    if (was && process.getuid?.() === 0) await fh.chown(was.uid, was.gid);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}

function lineUser(line: string): string | undefined {
  return parseUserLine(line)?.name;
}

export function checkUserName(name: string): string {
  const n = name.toLowerCase();
  if (!isValidUserName(n)) throw new MailroomError('USER_NAME_INVALID', `not a valid user name: ${JSON.stringify(name)} (letters, digits, . _ + -; at most 64)`);
  return n;
}

/** Adds a user; refuses one that exists. */
export async function addUser(path: string, name: string, hash: string): Promise<void> {
  const n = checkUserName(name);
  await rewrite(path, (lines) => {
    if (lines.some((l) => lineUser(l) === n)) throw new MailroomError('USER_EXISTS', `user ${n} already exists (use 'mailroom user passwd ${n}')`);
    return [...lines, `${n}:${hash}`];
  });
}

/** Sets the hash of an existing user. */
export async function setUserHash(path: string, name: string, hash: string): Promise<void> {
  const n = checkUserName(name);
  await rewrite(path, (lines) => {
    let found = false;
    // A new password keeps the user's sender addresses (the third field).
    const out = lines.map((l) => {
      const u = parseUserLine(l);
      if (u?.name !== n) return l;
      found = true;
      return u.addresses?.length ? `${n}:${hash}:${u.addresses.join(',')}` : `${n}:${hash}`;
    });
    if (!found) throw new MailroomError('USER_UNKNOWN', `no such user: ${n}`);
    return out;
  });
}

/** Removes a user (the mailbox itself is left alone). */
export async function deleteUser(path: string, name: string): Promise<void> {
  const n = checkUserName(name);
  await rewrite(path, (lines) => {
    const out = lines.filter((l) => lineUser(l) !== n);
    if (out.length === lines.length) throw new MailroomError('USER_UNKNOWN', `no such user: ${n}`);
    return out;
  });
}
