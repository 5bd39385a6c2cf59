// Computes what `mailroom install` has to do on a target, without changing
// anything: one Step per change (its `line` is what --dry-run prints), the
// paths held by another mail system, and notes on what is kept as found.
// Everything already in place gives no step, so a second install is a no-op.
import { existsSync, promises as fsp, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import { spoolDirs } from '../spool/layout.js';
import { spoolPaths } from '../spool/paths.js';
import { findGroup, findUser, freeSystemId } from './accounts.js';
import { configText, tmpfilesText, unitText } from './content.js';
import { inspectPath, linkTargetPath, type Occupant } from './detect.js';
import { readManifest } from './manifest.js';
import { FRONT_END, LINKS, PACKAGE_DIR, PATHS, packagePath, savedPath, type Target } from './system.js';

export type Step = { line: string } & (
  | { kind: 'dir'; path: string }
  | { kind: 'group'; name: string; gid: number | undefined }
  | { kind: 'user'; name: string; uid: number | undefined; gid: number | undefined; home: string }
  | { kind: 'spool'; path: string; created: boolean }
  | { kind: 'file'; path: string; content: string; mode: number; owner: 'root' | 'service'; keep: boolean; replace: boolean }
  | { kind: 'link'; path: string; target: string; aside: Occupant | undefined }
);

export interface InstallOptions {
  user: string;
  force: boolean;
}

export interface Plan {
  steps: Step[];
  /** Link paths held by something else; install refuses them without --force. */
  conflicts: Occupant[];
  notes: string[];
}

const lstatOrNone = (p: string) => fsp.lstat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
const octal = (m: number) => m.toString(8).padStart(4, '0');

/** spool and users as the existing configuration names them (read raw: an invalid file must not stop install). */
async function configuredPaths(t: Target): Promise<{ spool: string; users: string }> {
  const out: { spool: string; users: string } = { spool: PATHS.spool, users: PATHS.users };
  const text = await fsp.readFile(t.at(PATHS.config), 'utf8').catch(() => undefined);
  if (text === undefined || text.length > 1 << 20) return out;
  let raw: unknown;
  try {
    raw = (createRequire(import.meta.url)('js-yaml') as { load(t: string): unknown }).load(text);
  } catch {
    return out;
  }
  for (const key of ['spool', 'users'] as const) {
    const v = (raw as Record<string, unknown> | null)?.[key];
    if (typeof v === 'string' && v !== '') out[key] = isAbsolute(v) ? resolve(v) : resolve(PATHS.configDir, v);
  }
  return out;
}

export async function planInstall(t: Target, opts: InstallOptions): Promise<Plan> {
  const name = opts.user;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) throw new MailroomError('INSTALL_BAD_USER', `not a system account name: ${name}`);
  const steps: Step[] = [];
  const conflicts: Occupant[] = [];
  const notes: string[] = [];
  const manifest = await readManifest(t);
  const ours = (path: string) => manifest?.entries.some((e) => e.kind === 'file' && e.path === path) ?? false;
  const planned = new Set<string>();

  /** Plans the missing ancestors of a system directory, top down, then the directory itself. */
  async function needDir(dir: string): Promise<void> {
    if (dir === '/' || planned.has(dir)) return;
    await needDir(dirname(dir));
    if (planned.has(dir) || (await lstatOrNone(t.at(dir)))) return;
    planned.add(dir);
    steps.push({ kind: 'dir', path: dir, line: `create directory ${dir} (0755)` });
  }

  await needDir(PATHS.configDir);
  const { spool, users } = await configuredPaths(t);

  // The account and its group; under --root with one free id for both, as useradd --user-group does.
  let gid = await findGroup(t, name);
  let account = await findUser(t, name);
  if (gid === undefined) {
    const id = t.root ? await freeSystemId(t) : undefined;
    steps.push({ kind: 'group', name, gid: id, line: `create group ${name}${id === undefined ? ' (system gid)' : ` (gid ${id})`}` });
    gid = id;
  }
  if (!account) {
    const uid = t.root ? (steps.some((s) => s.kind === 'group') ? gid : await freeSystemId(t)) : undefined;
    steps.push({ kind: 'user', name, uid, gid, home: spool, line: `create user ${name}${uid === undefined ? ' (system uid)' : ` (uid ${uid})`}, home ${spool}, shell ${PATHS.nologin}` });
    account = uid === undefined || gid === undefined ? undefined : { uid, gid };
  }
  const owner = account && gid !== undefined ? { uid: account.uid, gid } : undefined;

  await needDir(dirname(spool));
  let spoolOk = true;
  for (const [dir, mode] of spoolDirs(spoolPaths(t.at(spool)))) {
    const st = await lstatOrNone(dir);
    const ownerOk = !t.canChown || (owner !== undefined && st?.uid === owner.uid && st.gid === owner.gid);
    if (!st || !st.isDirectory() || (st.mode & 0o7777) !== mode || !ownerOk) spoolOk = false;
  }
  if (!spoolOk) {
    const created = !(await lstatOrNone(t.at(spool)));
    const what = `(0711, maildrop/ 1733, the others 0700; owner ${name})`;
    steps.push({ kind: 'spool', path: spool, created, line: `${created ? 'create spool' : 'set the modes and owner of the spool'} ${spool} ${what}` });
  }

  async function file(path: string, content: string, mode: number, owner: 'root' | 'service', keep: boolean, what: string): Promise<void> {
    const existing = await fsp.readFile(t.at(path), 'utf8').catch(() => undefined);
    if (existing === content) return;
    if (existing !== undefined && (keep || !ours(path))) {
      if (!ours(path)) notes.push(`keep ${path}: there already, not written by install`);
      return;
    }
    await needDir(dirname(path));
    const who = owner === 'root' ? 'root' : name;
    steps.push({ kind: 'file', path, content, mode, owner, keep, replace: existing !== undefined, line: `${existing === undefined ? 'write' : 'update'} ${path} (${octal(mode)}, ${who}; ${what})` });
  }

  const unit = unitText(packagePath(t, 'bin', 'mailroom'));
  await file(PATHS.config, configText(name), 0o644, 'root', true, `the commented example, user: ${name}`);
  await file(users, '', 0o600, 'service', true, 'no users yet');
  await file(PATHS.tmpfiles, tmpfilesText(name), 0o644, 'root', false, `d /run/mailroom 0755 ${name} ${name}`);
  await file(PATHS.unit, unit, 0o644, 'root', false, unit.match(/^ExecStart=.*$/m)![0]);

  // sendmail links point straight at the compiled front end when it was built:
  // the bin/sendmail shell wrapper in between costs a few ms per message.
  const frontEnd = existsSync(join(PACKAGE_DIR, ...FRONT_END)) ? packagePath(t, ...FRONT_END) : undefined;
  for (const [path, bin] of LINKS) {
    const target = bin === 'sendmail' && frontEnd ? frontEnd : packagePath(t, 'bin', bin);
    const st = await lstatOrNone(t.at(path));
    if (st?.isSymbolicLink()) {
      const to = await fsp.readlink(t.at(path));
      if (to === target) continue;
      // /usr/lib/sendmail -> /usr/sbin/sendmail follows whatever /usr/sbin/sendmail is.
      if (path === '/usr/lib/sendmail' && linkTargetPath(path, to) === '/usr/sbin/sendmail') continue;
      // npm install -g's own link to this package's bin/ entry.
      if (!t.root && sameFile(path, target)) continue;
    }
    let aside: Occupant | undefined;
    if (st) {
      const found = (await inspectPath(t, path))!;
      if (!opts.force) {
        conflicts.push(found);
        continue;
      }
      if (await lstatOrNone(t.at(savedPath(path)))) throw new MailroomError('INSTALL_SAVED_EXISTS', `${savedPath(path)} exists: move it away before install --force`);
      aside = found;
    }
    await needDir(dirname(path));
    const move = aside ? `move ${path} (${aside.mta ?? aside.what}) aside to ${savedPath(path)}; ` : '';
    steps.push({ kind: 'link', path, target, aside, line: `${move}link ${path} -> ${target}` });
  }
  return { steps, conflicts, notes };
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

