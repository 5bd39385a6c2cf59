// The system account and group of the daemon. On the running system through
// getent, groupadd/useradd and userdel/groupdel; under --root by editing the
// image's passwd, group (and shadow, gshadow when present) ourselves, with a
// free system id (below 1000) chosen from those files.
import { promises as fsp } from 'node:fs';
import { MailroomError } from '../shared/errors.js';
import { PATHS, runCommand, type Target } from './system.js';

export interface Ids {
  uid: number;
  gid: number;
}

const COMMENT = 'mailroom mail transfer agent';

async function readImageFile(t: Target, p: string, required: boolean): Promise<string | undefined> {
  try {
    const st = await fsp.stat(t.at(p));
    if (st.size > 16 << 20) throw new MailroomError('INSTALL_ACCOUNTS', `${t.at(p)}: larger than 16 MiB`);
    return await fsp.readFile(t.at(p), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (required) throw new MailroomError('INSTALL_NO_ACCOUNTS', `${t.at(p)}: missing; --root needs the image's account files`);
    return undefined;
  }
}

/** Fields of the line of `name` in a colon-separated account file. */
function entryOf(text: string, name: string): string[] | undefined {
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return f;
  }
  return undefined;
}

async function getent(db: 'passwd' | 'group', name: string): Promise<string[] | undefined> {
  const r = await runCommand('getent', [db, name]);
  return r.code === 0 ? r.stdout.trim().split(':') : undefined;
}

/** The account's uid and primary gid, if it exists. */
export async function findUser(t: Target, name: string): Promise<Ids | undefined> {
  const f = t.root ? entryOf((await readImageFile(t, '/etc/passwd', true))!, name) : await getent('passwd', name);
  return f ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

export async function findGroup(t: Target, name: string): Promise<number | undefined> {
  const f = t.root ? entryOf((await readImageFile(t, '/etc/group', true))!, name) : await getent('group', name);
  return f ? Number(f[2]) : undefined;
}

/** The highest id below 1000 (and from 100) used by no account and no group of the image, as useradd --system picks. */
export async function freeSystemId(t: Target): Promise<number> {
  const used = new Set<number>();
  for (const p of ['/etc/passwd', '/etc/group']) {
    for (const line of (await readImageFile(t, p, true))!.split('\n')) used.add(Number(line.split(':')[2]));
  }
  for (let id = 999; id >= 100; id--) if (!used.has(id)) return id;
  throw new MailroomError('INSTALL_NO_ID', `${t.root}: no free system id below 1000`);
}

async function appendLine(t: Target, p: string, line: string, required: boolean): Promise<void> {
  const text = await readImageFile(t, p, required);
  if (text === undefined) return;
  await fsp.appendFile(t.at(p), `${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`);
}

async function removeLine(t: Target, p: string, name: string): Promise<void> {
  const text = await readImageFile(t, p, false);
  if (text === undefined) return;
  const kept = text.split('\n').filter((l) => l.split(':')[0] !== name);
  if (kept.length !== text.split('\n').length) await fsp.writeFile(t.at(p), kept.join('\n'));
}

async function runOrFail(file: string, args: string[]): Promise<void> {
  const r = await runCommand(file, args);
  if (r.code !== 0) throw new MailroomError('INSTALL_COMMAND_FAILED', `${file} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
}

/** Creates the group; returns its gid. */
export async function createGroup(t: Target, name: string, gid: number | undefined): Promise<number> {
  if (!t.root) {
    await runOrFail('groupadd', ['--system', name]);
  } else {
    await appendLine(t, '/etc/group', `${name}:x:${gid}:`, true);
    await appendLine(t, '/etc/gshadow', `${name}:!::`, false);
  }
  const made = await findGroup(t, name);
  if (made === undefined) throw new MailroomError('INSTALL_COMMAND_FAILED', `group ${name} was not created`);
  return made;
}

/** Creates the system account (no login, home = the spool, not created here); returns its ids. */
export async function createUser(t: Target, name: string, home: string, group: string, ids: Partial<Ids>): Promise<Ids> {
  if (!t.root) {
    await runOrFail('useradd', ['--system', '--gid', group, '--home-dir', home, '--no-create-home', '--shell', PATHS.nologin, '--comment', COMMENT, name]);
  } else {
    await appendLine(t, '/etc/passwd', `${name}:x:${ids.uid}:${ids.gid}:${COMMENT}:${home}:${PATHS.nologin}`, true);
    const days = Math.floor(Date.now() / 86_400_000);
    await appendLine(t, '/etc/shadow', `${name}:!:${days}::::::`, false);
  }
  const made = await findUser(t, name);
  if (!made) throw new MailroomError('INSTALL_COMMAND_FAILED', `user ${name} was not created`);
  return made;
}

/** Removes the account; a failure (e.g. a process still runs as it) is returned, not thrown. */
export async function deleteUser(t: Target, name: string): Promise<string | undefined> {
  if (t.root) {
    await removeLine(t, '/etc/passwd', name);
    await removeLine(t, '/etc/shadow', name);
    return undefined;
  }
  const r = await runCommand('userdel', [name]);
  return r.code === 0 ? undefined : r.stderr.trim() || `userdel exit ${r.code}`;
}

export async function deleteGroup(t: Target, name: string): Promise<string | undefined> {
  if (t.root) {
    await removeLine(t, '/etc/group', name);
    await removeLine(t, '/etc/gshadow', name);
    return undefined;
  }
  // userdel removes a user's own group itself when nobody else is in it.
  if ((await findGroup(t, name)) === undefined) return undefined;
  const r = await runCommand('groupdel', [name]);
  return r.code === 0 ? undefined : r.stderr.trim() || `groupdel exit ${r.code}`;
}
