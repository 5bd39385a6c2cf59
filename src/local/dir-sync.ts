// Group commit for the syncs a Maildir delivery waits on. A rename or link
// into new/ is durable only once the directory is fsynced (or the whole file
// system is synced), but concurrent deliveries can share one sync — each waits
// for a sync that *started after* its own write or link, never for one already
// running (it might not cover it).
import { closeSync, constants } from 'node:fs';
import { fsyncDir, openFd } from '../spool/fsio.js';
import type { SpoolNative } from '../spool/syncfs.js';

interface KeyState {
  inflight?: Promise<void> | undefined;
  next?: Promise<void> | undefined;
}

/** `run(key)` shared among the callers that ask for the same key meanwhile. */
export function createGroupSyncer(run: (key: string) => Promise<void>): (key: string) => Promise<void> {
  const states = new Map<string, KeyState>();
  const start = (s: KeyState, key: string): Promise<void> => {
    const p: Promise<void> = run(key).finally(() => {
      if (s.inflight === p) s.inflight = undefined;
      if (!s.inflight && !s.next) states.delete(key);
    });
    s.inflight = p;
    return p;
  };
  return (key: string) => {
    let s = states.get(key);
    if (!s) states.set(key, (s = {}));
    if (s.next) return s.next;
    const running = s.inflight;
    if (!running) return start(s, key);
    const st = s;
    st.next = running.catch(() => undefined).then(() => {
      st.next = undefined;
      return start(st, key);
    });
    return st.next;
  };
}

/** fsync of a directory, shared. */
export function createDirSyncer(): (dir: string) => Promise<void> {
  return createGroupSyncer(fsyncDir);
}

/** syncfs(2) of the file system holding a directory, shared among the deliveries to it. */
export function createFsSyncer(native: Pick<SpoolNative, 'syncfs'>): (dir: string) => Promise<void> {
  return createGroupSyncer(async (dir) => {
    const fd = await openFd(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await native.syncfs(fd);
    } finally {
      closeSync(fd);
    }
  });
}
