// Group commit: one commit runs at a time, and whatever arrives meanwhile
// waits and goes into the next one, so a busy spool pays one commit for a
// whole batch. The fsync publisher (publish.ts) batches this way; the syncfs
// one has the addon's committer threads do the same (publish-syncfs.ts).

export interface GroupCommit<T> {
  add(item: T): void;
  /** Resolves when no commit is running. */
  idle(): Promise<void>;
}

/**
 * `commit` settles its batch's items itself; `unexpected` is told when it
 * throws all the same (items it already settled ignore a second settlement).
 */
export function groupCommit<T>(commit: (batch: T[]) => Promise<void>, unexpected: (batch: T[], err: unknown) => void): GroupCommit<T> {
  let waiting: T[] = [];
  let running: Promise<void> | null = null;
  function kick(): void {
    if (running || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    running = commit(batch)
      .catch((err: unknown) => unexpected(batch, err))
      .finally(() => {
        running = null;
        kick();
      });
  }
  return {
    add(item) {
      waiting.push(item);
      kick();
    },
    async idle() {
      while (running) await running;
    },
  };
}
