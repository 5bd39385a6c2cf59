// Open connections per key (a client address, a user name), for the protocol
// servers' limits: IMAP per address and per user, the SMTP listener per client.
// A key is kept only while it has a connection open.

export class ConnectionCounter {
  private readonly open = new Map<string, number>();
  /**
   * @param max the default number of connections per key
   * @param maxKeys at most so many keys at once: a new key past it is refused (bounded memory)
   */
  constructor(
    readonly max = Infinity,
    private readonly maxKeys = Infinity,
  ) {}

  /** Takes a slot for `key`; false (and nothing counted) when it already has `max`. */
  acquire(key: string, max = this.max): boolean {
    const n = this.open.get(key) ?? 0;
    if (n >= max || (n === 0 && this.open.size >= this.maxKeys)) return false;
    this.open.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.open.get(key) ?? 1) - 1;
    if (n <= 0) this.open.delete(key);
    else this.open.set(key, n);
  }
}
