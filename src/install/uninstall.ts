// Undoes the manifest's entries in reverse order: links removed and the saved
// previous sendmail (etc.) put back, generated files removed, created
// directories removed once empty. The spool, the configuration, the users file
// and the account that owns them stay unless --purge; a non-empty spool is
// never deleted without it. Entries kept are written back to the manifest.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { cachePathFor } from '../config/submit-view.js';
import { MailroomError } from '../shared/errors.js';
import { deleteGroup, deleteUser } from './accounts.js';
import { removeManifest, sha256, writeManifest, type Entry, type Manifest } from './manifest.js';
import { PATHS, runCommand, systemdRunning, type Target } from './system.js';

interface Outcome {
  /** What was done or kept, or undefined for a silent no-op. */
  line: string | undefined;
  /** The entry stays in the manifest. */
  keep: boolean;
  changed: boolean;
}

interface Undo {
  /** The --dry-run line. */
  preview: string;
  run(): Promise<Outcome>;
}

const lstatOrNone = (p: string) => fsp.lstat(p).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
const done = (line: string): Outcome => ({ line, keep: false, changed: true });
const kept = (line: string | undefined): Outcome => ({ line, keep: true, changed: false });

async function countFiles(dir: string, limit = 100_000): Promise<number> {
  let n = 0;
  for (const d of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) if (!d.isDirectory() && ++n >= limit) break;
  return n;
}

function undoFor(t: Target, e: Entry, purge: boolean, spools: string[]): Undo {
  switch (e.kind) {
    case 'link':
      return {
        preview: `remove link ${e.path}${e.saved ? `; put ${e.saved} (${e.previous}) back` : ''}`,
        run: async () => {
          const lines: string[] = [];
          const st = await lstatOrNone(t.at(e.path));
          if (st?.isSymbolicLink() && (await fsp.readlink(t.at(e.path))) === e.target) {
            await fsp.unlink(t.at(e.path));
            lines.push(`remove link ${e.path}`);
          } else if (st) lines.push(`leave ${e.path}: replaced since install`);
          if (e.saved && (await lstatOrNone(t.at(e.saved)))) {
            if (await lstatOrNone(t.at(e.path))) lines.push(`leave ${e.saved}: ${e.path} is taken`);
            else {
              await fsp.rename(t.at(e.saved), t.at(e.path));
              lines.push(`restore ${e.path} (${e.previous}) from ${e.saved}`);
            }
          }
          return { line: lines.join('\n') || undefined, keep: false, changed: lines.length > 0 };
        },
      };
    case 'file':
      if (e.keep && !purge) return { preview: `keep ${e.path} (--purge removes it)`, run: async () => kept(`keep ${e.path} (--purge removes it)`) };
      return {
        preview: `remove ${e.path}`,
        run: async () => {
          const content = await fsp.readFile(t.at(e.path)).catch(() => undefined);
          if (content === undefined) return { line: undefined, keep: false, changed: false };
          if (!purge && sha256(content) !== e.sha256) return { line: `leave ${e.path}: changed since install`, keep: false, changed: false };
          await fsp.unlink(t.at(e.path));
          // The submission cache sendmail and the daemon write beside the configuration.
          if (e.path === PATHS.config) await fsp.rm(cachePathFor(t.at(e.path)), { force: true });
          return done(`remove ${e.path}`);
        },
      };
    case 'spool':
      if (!purge) {
        const line = `keep spool ${e.path} (--purge deletes it and any mail in it)`;
        return { preview: line, run: async () => kept(line) };
      }
      if (!e.created) return { preview: `leave spool ${e.path}: it was there before install`, run: async () => ({ line: `leave spool ${e.path}: it was there before install`, keep: false, changed: false }) };
      return {
        preview: `delete spool ${e.path} and every message in it`,
        run: async () => {
          const dir = t.at(e.path);
          if (!(await lstatOrNone(dir))) return { line: undefined, keep: false, changed: false };
          if (!(await lstatOrNone(join(dir, 'maildrop')))) throw new MailroomError('UNINSTALL_NOT_SPOOL', `${dir} has no maildrop/: not deleting what may not be a spool`);
          const n = await countFiles(dir);
          await fsp.rm(dir, { recursive: true, force: true });
          return done(`delete spool ${e.path} (${n} file${n === 1 ? '' : 's'} in it)`);
        },
      };
    case 'user':
    case 'group': {
      const what = `${e.kind} ${e.name}`;
      if (!purge) return { preview: `keep ${what} (owner of the spool and users file)`, run: async () => kept(`keep ${what} (owner of the spool and users file)`) };
      return {
        preview: `remove ${what} unless a spool it owns remains`,
        run: async () => {
          // A removed account's id can be reused by the next one created: that account would own the mail left behind.
          for (const s of spools) if (await lstatOrNone(t.at(s))) return kept(`keep ${what}: ${s} still belongs to it`);
          const failed = e.kind === 'user' ? await deleteUser(t, e.name) : await deleteGroup(t, e.name);
          return failed ? kept(`keep ${what}: ${failed}`) : done(`remove ${what}`);
        },
      };
    }
    case 'dir':
      return {
        preview: `remove directory ${e.path} if empty`,
        run: async () => {
          try {
            await fsp.rmdir(t.at(e.path));
            return done(`remove directory ${e.path}`);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') return { line: undefined, keep: false, changed: false };
            if (code === 'ENOTEMPTY' || code === 'EEXIST') return kept(undefined);
            throw err;
          }
        },
      };
  }
}

/** Undoes the manifest (or prints what would be undone); returns false when nothing changed. */
export async function runUninstall(t: Target, m: Manifest, opts: { purge: boolean; dryRun: boolean }, say: (line: string) => void): Promise<boolean> {
  const entries = [...m.entries].reverse();
  const spools = [...new Set([...m.entries.flatMap((e) => (e.kind === 'spool' ? [e.path] : [])), PATHS.spool])];
  const undos = entries.map((e) => ({ e, u: undoFor(t, e, opts.purge, spools) }));
  if (opts.dryRun) {
    for (const { u } of undos) say(u.preview);
    return false;
  }
  const unit = m.entries.some((e) => e.kind === 'file' && e.path === PATHS.unit);
  const systemd = unit && systemdRunning(t);
  if (systemd) await runCommand('systemctl', ['disable', '--now', 'mailroom.service']);
  const remaining: Entry[] = [];
  let changed = false;
  for (const { e, u } of undos) {
    const o = await u.run();
    if (o.line) say(o.line);
    if (o.keep) remaining.unshift(e);
    changed ||= o.changed;
  }
  if (remaining.some((e) => e.kind !== 'dir')) {
    if (changed) await writeManifest(t, { ...m, entries: remaining });
  } else {
    await removeManifest(t);
    changed = true;
    // /etc/mailroom held the manifest itself: its directories can go now.
    for (const e of [...remaining].reverse()) {
      const o = await undoFor(t, e, true, spools).run();
      if (o.line) say(o.line);
      else if (o.keep && e.kind === 'dir') say(`leave directory ${e.path}: not empty`);
    }
  }
  if (systemd) await runCommand('systemctl', ['daemon-reload']);
  return changed;
}
