// The record of what `mailroom install` did (/etc/mailroom/install.json), in
// the order it did it, with what was there before: uninstall undoes exactly
// these entries in reverse. Rewritten atomically after every step, so an
// interrupted install can still be undone. Paths are system paths (no --root).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { MailroomError } from '../shared/errors.js';
import { LINKS, PATHS, savedPath, type Target } from './system.js';

export type Entry =
  /** A directory install created (parents of its files, /etc/mailroom); removed once empty. */
  | { kind: 'dir'; path: string }
  | { kind: 'group'; name: string; gid: number }
  | { kind: 'user'; name: string; uid: number }
  /** The spool: `created` false when it was there before (then only its modes and owners were set). */
  | { kind: 'spool'; path: string; created: boolean }
  /** A file install wrote; `keep` files (config, users) stay unless --purge. */
  | { kind: 'file'; path: string; sha256: string; keep: boolean }
  /** A link; `saved` is where the previous occupant (`previous` says what it was) was moved. */
  | { kind: 'link'; path: string; target: string; saved?: string; previous?: string };

export interface Manifest {
  version: 1;
  /** The package the links point at. */
  installation: string;
  user: string;
  entries: Entry[];
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export async function readManifest(t: Target): Promise<Manifest | undefined> {
  let text: string;
  try {
    const st = await fsp.stat(t.at(PATHS.manifest));
    if (st.size > 1 << 20) throw new MailroomError('MANIFEST_INVALID', `${t.at(PATHS.manifest)}: larger than 1 MiB`);
    text = await fsp.readFile(t.at(PATHS.manifest), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw new MailroomError('MANIFEST_INVALID', `${t.at(PATHS.manifest)}: not JSON`);
  }
  checkManifest(t, m);
  return m;
}

/**
 * Uninstall runs as root and removes what the manifest names, so it accepts
 * only paths install can have made: the fixed ones, their parents, the spool
 * (a directory with a maildrop/, two levels deep at least) and the users file.
 */
function checkManifest(t: Target, m: Manifest): void {
  const bad = (why: string) => new MailroomError('MANIFEST_INVALID', `${t.at(PATHS.manifest)}: ${why}`);
  if (m?.version !== 1 || !Array.isArray(m.entries)) throw bad('unknown version');
  const clean = (p: unknown): p is string => typeof p === 'string' && isAbsolute(p) && normalize(p) === p && p !== '/';
  const links = new Set(LINKS.map(([p]) => p));
  const files = new Set<string>([PATHS.config, PATHS.users, PATHS.unit, PATHS.tmpfiles]);
  for (const e of m.entries) {
    if (!clean((e as { path?: unknown }).path) && e.kind !== 'user' && e.kind !== 'group') throw bad(`bad path in ${JSON.stringify(e)}`);
    if (e.kind === 'link' && (!links.has(e.path) || (e.saved !== undefined && e.saved !== savedPath(e.path)))) throw bad(`not an install link: ${e.path}`);
    if (e.kind === 'file' && !files.has(e.path) && !e.keep) throw bad(`not an install file: ${e.path}`);
    if (e.kind === 'spool' && e.path.split('/').length < 3) throw bad(`not a spool: ${e.path}`);
    if ((e.kind === 'user' || e.kind === 'group') && !/^[a-z_][a-z0-9_-]*$/.test(e.name)) throw bad(`bad account name ${e.name}`);
  }
}

export async function writeManifest(t: Target, m: Manifest): Promise<void> {
  const file = t.at(PATHS.manifest);
  const tmp = `${file}.tmp`;
  await fsp.writeFile(tmp, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o644 });
  await fsp.rename(tmp, file);
}

export async function removeManifest(t: Target): Promise<void> {
  await fsp.rm(t.at(PATHS.manifest), { force: true });
}
