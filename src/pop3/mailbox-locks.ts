// The exclusive POP3 lock of each mailbox (RFC 1939 §8: one session at a
// time). A login that finds the mailbox held waits a short while before it
// answers [IN-USE]: a client that dropped its connection and logged in again
// at once may meet its own old session still being torn down. A released
// lock goes straight to the first waiter, so no later login can slip in.

export class MailboxLocks {
  private held = new Set<string>();
  private waiters = new Map<string, (() => void)[]>();

  /** Takes the lock of `key`, waiting up to `waitMs` for its holder; false when it is still held then. */
  acquire(key: string, waitMs: number): Promise<boolean> {
    if (!this.held.has(key)) {
      this.held.add(key);
      return Promise.resolve(true);
    }
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const queue = this.waiters.get(key) ?? [];
      this.waiters.set(key, queue);
      const handOver = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = queue.indexOf(handOver);
        if (i >= 0) queue.splice(i, 1);
        if (queue.length === 0) this.waiters.delete(key);
        resolve(false);
      }, waitMs);
      queue.push(handOver);
    });
  }

  /** Frees the lock, or hands it to the longest waiting login. */
  release(key: string): void {
    const queue = this.waiters.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiters.delete(key);
    if (next) next();
    else this.held.delete(key);
  }

  isHeld(key: string): boolean {
    return this.held.has(key);
  }
}
