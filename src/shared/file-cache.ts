// What was made from a file, kept until the file changes: the one "stat,
// compare inode/size/mtime, re-read" cache of /etc/passwd, the users file, the
// aliases file and message sizes. The caller stats (it knows what a missing
// file means to it); a failed load is not kept, so the next call tries again.
// Only node:fs types: the sendmail fast path uses it.
import type { Stats } from 'node:fs';

/** A file's contents as far as stat can tell: the same inode, size and mtime. */
export function fileStamp(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

export interface FileCacheOptions {
  /** What must stay the same for an entry to hold (default fileStamp). */
  stamp?: (st: Stats) => string;
  /** Entries kept at most; past it the cache starts again empty. */
  max?: number;
}

export class FileCache<T> {
  private readonly entries = new Map<string, { stamp: string; value: T }>();
  private readonly stamp: (st: Stats) => string;
  private readonly max: number;

  constructor(opts: FileCacheOptions = {}) {
    this.stamp = opts.stamp ?? fileStamp;
    this.max = opts.max ?? Infinity;
  }

  /** The value kept for `key` while `st` matches the stat it was made from, else load()'s, kept. */
  get(key: string, st: Stats, load: () => T): T {
    const stamp = this.stamp(st);
    const hit = this.entries.get(key);
    if (hit && hit.stamp === stamp) return hit.value;
    const value = load();
    this.keep(key, stamp, value);
    return value;
  }

  /** get() for a load that reads asynchronously; a rejected load is not kept. */
  async getAsync(key: string, st: Stats, load: () => Promise<T>): Promise<T> {
    const stamp = this.stamp(st);
    const hit = this.entries.get(key);
    if (hit && hit.stamp === stamp) return hit.value;
    const value = await load();
    this.keep(key, stamp, value);
    return value;
  }

  private keep(key: string, stamp: string, value: T): void {
    if (!this.entries.has(key) && this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { stamp, value });
  }
}
