// Group commit for directory fsyncs: a rename or link into new/ is durable only
// once the directory is fsynced, but concurrent deliveries into one directory
// can share one fsync — each waits for an fsync that *started after* its own
// link, never for one already running (it might not cover the new entry).
import { fsyncDir } from '../shared/fsio.js';

interface DirState {
  inflight?: Promise<void> | undefined;
  next?: Promise<void> | undefined;
}

export function createDirSyncer(): (dir: string) => Promise<void> {
  const states = new Map<string, DirState>();
  const start = (s: DirState, dir: string): Promise<void> => {
    const p: Promise<void> = fsyncDir(dir).finally(() => {
      if (s.inflight === p) s.inflight = undefined;
      if (!s.inflight && !s.next) states.delete(dir);
    });
    s.inflight = p;
    return p;
  };
  return (dir: string) => {
    let s = states.get(dir);
    if (!s) states.set(dir, (s = {}));
    if (s.next) return s.next;
    const running = s.inflight;
    if (!running) return start(s, dir);
    const st = s;
    st.next = running.catch(() => undefined).then(() => {
      st.next = undefined;
      return start(st, dir);
    });
    return st.next;
  };
}
