// Changes IMAP makes to a folder, each under the folder's lock and recorded
// in its index before it returns: flags (a rename to cur/<base>:2,<letters>
// with a new MODSEQ), APPEND (tmp/ then cur/, the UID assigned under the
// lock), COPY (a hard link where possible), EXPUNGE, and claiming \Recent.
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { modesUnder } from './modes.js';
import { MailroomError } from '../shared/errors.js';
import type { FlagOperation, StoreResult } from './folders.js';
import type { FolderCore } from './folder.js';
import { syncDir, type Msg } from './folder-index.js';
import { locate } from './folder-scan.js';
import { infoOf } from './keywords.js';
import { isGone } from './maildir.js';
import { toLf, uniqueName } from './message-file.js';
import { parseMaildirName, sortFlags } from './names.js';
import { crlfSizeOf } from './size.js';

function pathOf(loc: string, base: string): string {
  return (loc[0] === 'n' ? 'new/' : 'cur/') + base + loc.slice(1);
}

function applyOp(current: readonly string[], op: FlagOperation, flags: readonly string[]): Set<string> {
  if (op === 'replace') return new Set(flags);
  const out = new Set(current);
  for (const f of flags) op === 'add' ? out.add(f) : out.delete(f);
  return out;
}

/** The messages of `uids` present now, in UID order. */
function pick(core: FolderCore, uids: readonly number[]): Msg[] {
  const out: Msg[] = [];
  for (const uid of [...new Set(uids)].sort((a, b) => a - b)) {
    const m = core.find(uid);
    if (m) out.push(m);
  }
  return out;
}

/** Renames a message's file to `loc` (finding it again when renamed meanwhile); the location it had, or undefined when gone. */
async function renameTo(core: FolderCore, m: Msg, loc: (oldLoc: string) => string): Promise<[string, string] | undefined> {
  for (let from: string | undefined = m.loc, tries = 0; from !== undefined && tries < 3; tries++) {
    const to = loc(from);
    try {
      if (to !== from) await fsp.rename(join(core.dir, pathOf(from, m.base)), join(core.dir, pathOf(to, m.base)));
      return [from, to];
    } catch (err) {
      if (!isGone(err)) throw err;
      from = await locate(core.dir, m.base);
    }
  }
  return undefined;
}

export async function storeFlags(core: FolderCore, uids: readonly number[], op: FlagOperation, flags: readonly string[], unchangedSince?: number): Promise<StoreResult> {
  return core.lock.run(async () => {
    await core.refreshLocked();
    const canon = flags.map((f) => core.keywords.canonical(f)).filter((f): f is string => f !== undefined);
    const conflicts: number[] = [];
    const targets: Msg[] = [];
    for (const m of pick(core, uids)) {
      if (unchangedSince !== undefined && m.modseq > unchangedSince) conflicts.push(m.uid);
      else targets.push(m);
    }
    // Letters for new keywords first: the keywords file must name them before any file carries them.
    if (op !== 'remove') await core.keywords.ensure(canon);
    const modseq = core.index.header.highestModseq + 1;
    const lines: string[] = [];
    const changedUids: number[] = [];
    for (const m of targets) {
      const moved = await renameTo(core, m, (from) => {
        const oldInfo = infoOf(from);
        const info = core.keywords.infoFor(applyOp(core.keywords.flagsOf(oldInfo), op, canon), oldInfo);
        // Flags unchanged: the file stays where it is (an unseen message stays in new/).
        return info === sortFlags(oldInfo) ? from : `c:2,${info}`;
      });
      if (!moved) continue; // gone: the next sync reports it expunged
      const to = moved[1];
      const flagsChanged = sortFlags(infoOf(to)) !== sortFlags(infoOf(m.loc));
      if (to !== m.loc || flagsChanged) lines.push(`=${m.uid} ${flagsChanged ? modseq : m.modseq} ${to}`);
      if (flagsChanged) changedUids.push(m.uid);
    }
    await core.index.append(lines);
    const changed = pick(core, changedUids);
    core.publish();
    return { changed, conflicts };
  });
}

/** Writes a message (LF on disk) into tmp/, then under the lock into cur/ with its flags; returns its UID. */
export async function appendMessage(core: FolderCore, message: Buffer, flags: readonly string[], internalDate?: number): Promise<number> {
  if (core.gone) throw new MailroomError('MAILBOX_NOT_FOUND', `mailbox ${core.name} no longer exists`);
  core.keywords.refresh();
  const canon = flags.map((f) => core.keywords.canonical(f)).filter((f): f is string => f !== undefined);
  const lf = toLf(message);
  const wire = crlfSizeOf(lf);
  const base = uniqueName(lf.length, wire);
  const tmp = join(core.dir, 'tmp', base);
  const date = Math.floor((internalDate ?? Date.now()) / 1000);
  const mode = modesUnder(core.dir).file;
  const fh = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    if (mode !== 0o600) await fh.chmod(mode); // the umask would cut the group's read
    await fh.write(lf, 0, lf.length, 0);
    await fh.sync();
    await fh.utimes(date, date);
  } catch (err) {
    await fh.close();
    await fsp.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    return await core.lock.run(async () => {
      await core.refreshLocked();
      await core.keywords.ensure(canon);
      const info = core.keywords.infoFor(new Set(canon), '');
      const loc = `c:2,${info}`;
      await fsp.rename(tmp, join(core.dir, pathOf(loc, base)));
      await syncDir(join(core.dir, 'cur'));
      const h = core.index.header;
      const uid = h.uidNext;
      await core.index.append([`+${uid} ${h.highestModseq + 1} ${wire} ${date * 1000} ${loc} ${base}`]);
      core.publish();
      return uid;
    });
  } finally {
    await fsp.unlink(tmp).catch(() => undefined); // already renamed, or given up
  }
}

/** Copies messages into `target` (hard links when they share a filesystem), flags kept; [source, target] UID pairs. */
export async function copyMessages(core: FolderCore, uids: readonly number[], target: FolderCore): Promise<Array<[number, number]>> {
  const sources = pick(core, uids);
  if (!sources.length) return [];
  return target.lock.run(async () => {
    await target.refreshLocked();
    // Keywords travel by name (each folder has its own letters); P and other unknown capitals stay.
    await target.keywords.ensure(new Set(sources.flatMap((m) => m.flags)));
    const infos = sources.map((m) => target.keywords.infoFor(new Set(m.flags), infoOf(m.loc).replace(/[^A-Z]/g, '')));
    const h = target.index.header;
    const modseq = h.highestModseq + 1;
    let uid = h.uidNext;
    const lines: string[] = [];
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < sources.length; i++) {
      const m = sources[i]!;
      const base = uniqueName(parseMaildirName(m.base).sizeHint, m.size);
      const loc = `c:2,${infos[i]!}`;
      const dest = join(target.dir, pathOf(loc, base));
      if (!(await linkOrCopy(core, m, dest))) continue; // gone meanwhile
      lines.push(`+${uid} ${modseq} ${m.size} ${m.internalDate} ${loc} ${base}`);
      pairs.push([m.uid, uid++]);
    }
    if (pairs.length) await syncDir(join(target.dir, 'cur'));
    await target.index.append(lines);
    target.publish();
    return pairs;
  });
}

async function linkOrCopy(core: FolderCore, m: Msg, dest: string): Promise<boolean> {
  for (let loc: string | undefined = m.loc, tries = 0; loc !== undefined && tries < 3; tries++) {
    const src = join(core.dir, pathOf(loc, m.base));
    try {
      await fsp.link(src, dest);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK') {
        try {
          await fsp.copyFile(src, dest, constants.COPYFILE_EXCL);
          await fsp.utimes(dest, m.internalDate / 1000, m.internalDate / 1000);
          return true;
        } catch (e) {
          if (!isGone(e)) throw e;
        }
      } else if (!isGone(err)) throw err;
      loc = await locate(core.dir, m.base);
    }
  }
  return false;
}

/** Removes messages (found again when renamed), fsyncs the directories, records them expunged; under the lock. */
export async function removeLocked(core: FolderCore, msgs: readonly Msg[]): Promise<number[]> {
  const modseq = core.index.header.highestModseq + 1;
  for (const m of msgs) {
    for (let loc: string | undefined = m.loc, tries = 0; loc !== undefined && tries < 3; tries++) {
      try {
        await fsp.unlink(join(core.dir, pathOf(loc, m.base)));
        break;
      } catch (err) {
        if (!isGone(err)) throw err;
        loc = await locate(core.dir, m.base);
      }
    }
  }
  if (msgs.length) for (const sub of ['new', 'cur']) await syncDir(join(core.dir, sub));
  await core.index.append(msgs.map((m) => `-${m.uid} ${modseq}`));
  core.publish();
  return msgs.map((m) => m.uid);
}

/** EXPUNGE: the \Deleted messages (of `uids` when given), as the disk says now. */
export function expungeDeleted(core: FolderCore, uids?: readonly number[]): Promise<readonly number[]> {
  return core.lock.run(async () => {
    await core.scanLocked(); // \Deleted may have been set by mutt meanwhile
    const within = uids ? new Set(uids) : undefined;
    return removeLocked(
      core,
      core.index.msgs.filter((m) => m.flags.includes('\\Deleted') && (!within || within.has(m.uid))),
    );
  });
}

/** Removes the given messages whatever their flags (the second half of MOVE). */
export function removeUids(core: FolderCore, uids: readonly number[]): Promise<readonly number[]> {
  return core.lock.run(async () => {
    await core.refreshLocked();
    return removeLocked(core, pick(core, uids));
  });
}

/** \Recent for one session: the UIDs nobody claimed yet; their files move from new/ to cur/ (as Dovecot does). */
export function claimRecent(core: FolderCore): Promise<readonly number[]> {
  // Nothing at or above the first \Recent UID in what the caller has synced to: nothing to claim, no lock, no write
  // (and, from the snapshot's counts, no reading of a deferred index's messages).
  const snap = core.snapshot;
  if (snap.counts.lastUid < snap.firstRecentUid) return Promise.resolve([]);
  return core.lock.run(async () => {
    await core.refreshLocked();
    const h = core.index.header;
    const recent = core.index.msgs.filter((m) => m.uid >= h.firstRecentUid);
    if (!recent.length) return [];
    const lines = [`R${h.uidNext}`];
    for (const m of recent) {
      if (m.loc[0] !== 'n') continue;
      const moved = await renameTo(core, m, (from) => (from[0] === 'n' ? `c${from.length > 1 ? from.slice(1) : ':2,'}` : from));
      if (moved && moved[1] !== m.loc) lines.push(`=${m.uid} ${m.modseq} ${moved[1]}`);
    }
    await core.index.append(lines);
    core.publish();
    return recent.map((m) => m.uid);
  });
}
