// Carries out an install plan step by step, recording each change in the
// manifest right after making it (an interrupted install can be undone).
// Never overwrites a file it did not write: new files are created with O_EXCL.
import { existsSync, promises as fsp } from 'node:fs';
import { spoolDirs, ensureSpool } from '../spool/layout.js';
import { spoolPaths } from '../spool/paths.js';
import { MailroomError } from '../shared/errors.js';
import { createGroup, createUser, findGroup, findUser, type Ids } from './accounts.js';
import { readManifest, sha256, writeManifest, type Entry, type Manifest } from './manifest.js';
import type { Step } from './plan.js';
import { PACKAGE_DIR, PATHS, savedPath, type Target } from './system.js';

/** The daemon account's uid and its group's gid, once they exist. */
async function serviceIds(t: Target, name: string): Promise<Ids> {
  const user = await findUser(t, name);
  const gid = await findGroup(t, name);
  if (!user) throw new MailroomError('INSTALL_NO_USER', `no account ${name}`);
  return { uid: user.uid, gid: gid ?? user.gid };
}

async function writeNew(path: string, content: string, mode: number, replace: boolean): Promise<void> {
  if (!replace) {
    await fsp.writeFile(path, content, { mode, flag: 'wx' });
    return;
  }
  const tmp = `${path}.mailroom-tmp`;
  await fsp.writeFile(tmp, content, { mode });
  await fsp.rename(tmp, path);
}

async function apply(t: Target, step: Step, name: string): Promise<Entry> {
  switch (step.kind) {
    case 'dir':
      await fsp.mkdir(t.at(step.path), { mode: 0o755 });
      await fsp.chmod(t.at(step.path), 0o755);
      return { kind: 'dir', path: step.path };
    case 'group':
      return { kind: 'group', name: step.name, gid: await createGroup(t, step.name, step.gid) };
    case 'user': {
      const ids = await createUser(t, step.name, step.home, step.name, { uid: step.uid, gid: step.gid });
      return { kind: 'user', name: step.name, uid: ids.uid };
    }
    case 'spool': {
      const paths = spoolPaths(t.at(step.path));
      await ensureSpool(paths);
      const ids = t.canChown ? await serviceIds(t, name) : undefined;
      for (const [dir, mode] of spoolDirs(paths)) {
        if (ids) await fsp.chown(dir, ids.uid, ids.gid);
        // After chown, which may clear mode bits; mkdir's mode was cut by the umask.
        await fsp.chmod(dir, mode);
      }
      return { kind: 'spool', path: step.path, created: step.created };
    }
    case 'file': {
      const path = t.at(step.path);
      await writeNew(path, step.content, step.mode, step.replace);
      if (t.canChown) {
        const ids = step.owner === 'root' ? { uid: 0, gid: 0 } : await serviceIds(t, name);
        await fsp.chown(path, ids.uid, ids.gid);
      }
      await fsp.chmod(path, step.mode);
      return { kind: 'file', path: step.path, sha256: sha256(step.content), keep: step.keep };
    }
    case 'link': {
      const entry: Entry = { kind: 'link', path: step.path, target: step.target };
      if (step.aside) {
        await fsp.rename(t.at(step.path), t.at(savedPath(step.path)));
        Object.assign(entry, { saved: savedPath(step.path), previous: `${step.aside.mta ?? 'unknown'}: ${step.aside.what}` });
      }
      await fsp.symlink(step.target, t.at(step.path));
      return entry;
    }
  }
}

/** Applies the steps in order; `say` gets each step's line once it is done. */
export async function applyInstall(t: Target, steps: Step[], name: string, say: (line: string) => void): Promise<void> {
  const manifest: Manifest = (await readManifest(t)) ?? { version: 1, installation: PACKAGE_DIR, user: name, entries: [] };
  manifest.installation = PACKAGE_DIR;
  manifest.user = name;
  for (const step of steps) {
    const entry = await apply(t, step, name);
    const same = (e: Entry) => e.kind === entry.kind && ('path' in e ? e.path === (entry as { path: string }).path : (e as { name: string }).name === (entry as { name: string }).name);
    const i = manifest.entries.findIndex(same);
    // A spool or file already recorded keeps its first entry (created: true stays true), updated in place.
    if (i < 0) manifest.entries.push(entry);
    else if (entry.kind === 'file' || entry.kind === 'link') manifest.entries[i] = { ...manifest.entries[i]!, ...entry } as Entry;
    // The manifest lives in /etc/mailroom, the first directory planned when it is missing.
    if (existsSync(t.at(PATHS.configDir))) await writeManifest(t, manifest);
    say(step.line);
  }
}
