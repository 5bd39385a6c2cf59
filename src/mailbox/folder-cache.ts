// The one FolderCore per folder directory of this process: shared by every
// session that has the folder open, and kept for a while after the last one
// lets go (an LRU bounded in folders and messages, each dropped after some
// idle minutes), so a SELECT after CLOSE or from the next connection finds
// the index in memory and only checks that the disk has not moved on.
import { FolderCore } from './folder.js';

/** Idle folders kept at most, and their messages at most (a 10,000-message folder holds a few MB). */
const IDLE_FOLDERS = 64;
const IDLE_MESSAGES = 200_000;
/** An idle folder is dropped after this long unused. */
const IDLE_MS = 5 * 60_000;

interface Entry {
  core: FolderCore;
  ready: Promise<unknown>;
  /** When the last holder let go (0 while held). */
  idleSince: number;
}

/** By directory; Map order is the LRU order of the idle ones (re-inserted on release). */
const cores = new Map<string, Entry>();
let sweeper: NodeJS.Timeout | undefined;

function fresh(name: string, dir: string): Entry {
  const core = new FolderCore(name, dir);
  const entry = { core, ready: core.sync(), idleSince: 0 };
  cores.set(dir, entry);
  return entry;
}

/**
 * The folder's core, synced with the disk by this call (so its snapshot is
 * as fresh as a sync the caller would make next; SELECT relies on it and
 * syncs once), held until releaseCore().
 */
export async function acquireCore(name: string, dir: string): Promise<FolderCore> {
  let entry = cores.get(dir);
  let held = false;
  if (!entry || entry.core.gone) entry = fresh(name, dir);
  else if (entry.idleSince) {
    // Kept from an earlier holder: the disk may have moved on meanwhile (a sync is a few stats when it has not).
    entry.idleSince = 0;
    const { core } = entry;
    entry.ready = entry.ready.then(() => core.sync());
  } else held = true;
  const { core } = entry;
  // Held by other sessions: their load is done (or theirs to wait for); this caller gets its own sync.
  const ready = held ? entry.ready.then(() => core.sync()) : entry.ready;
  core.refs++;
  try {
    await ready;
  } catch (err) {
    releaseCore(core);
    if (!held && cores.get(dir) === entry) cores.delete(dir);
    throw err;
  }
  return core;
}

export function releaseCore(core: FolderCore): void {
  if (--core.refs > 0) return;
  core.watcher.stop();
  const entry = cores.get(core.dir);
  if (entry?.core !== core || core.gone) {
    // Replaced or forgotten meanwhile, or gone: not kept, so nothing of it stays open.
    if (entry?.core === core) cores.delete(core.dir);
    core.index.dropDeferred();
    return;
  }
  cores.delete(core.dir);
  entry.idleSince = Date.now();
  cores.set(core.dir, entry); // most recently used last
  trim();
}

/** Drops idle folders beyond the bounds, oldest first, and those idle too long. */
function trim(): void {
  const now = Date.now();
  let folders = 0;
  let messages = 0;
  for (const e of cores.values()) {
    if (!e.idleSince) continue;
    folders++;
    messages += e.core.snapshot.counts.messages;
  }
  for (const [dir, e] of cores) {
    if (!e.idleSince) continue;
    if (folders <= IDLE_FOLDERS && messages <= IDLE_MESSAGES && now - e.idleSince < IDLE_MS) continue;
    cores.delete(dir);
    e.core.index.dropDeferred(); // nobody holds it: its index file need not stay open
    folders--;
    messages -= e.core.snapshot.counts.messages;
  }
  if (folders > 0 && !sweeper) {
    sweeper = setTimeout(() => {
      sweeper = undefined;
      trim();
    }, IDLE_MS / 5);
    sweeper.unref();
  }
}

/** Forgets the cores of directories that were renamed or removed (their holders find out on their next sync). */
export function forgetCores(dirs: Iterable<string>): void {
  for (const dir of dirs) {
    const e = cores.get(dir);
    if (e && e.core.refs === 0) e.core.index.dropDeferred();
    cores.delete(dir);
  }
}
