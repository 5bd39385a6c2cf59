// Connection limits: at most so many IMAP connections per client address
// (checked when the connection is accepted) and per user (checked at login),
// so one client or one account cannot take the whole server.

export class ConnectionCounter {
  private readonly counts = new Map<string, number>();
  constructor(readonly max: number) {}

  /** Takes a slot for `key`; false when it has none left. */
  acquire(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

/** Defaults as Dovecot's mail_max_userip_connections is per user (10) and per address; a little more generous. */
export const MAX_CONNECTIONS_PER_USER = 20;
export const MAX_CONNECTIONS_PER_ADDRESS = 50;
