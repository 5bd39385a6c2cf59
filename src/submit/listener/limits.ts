// The listener's counters: messages per user or client in a time window
// (rateLimit: a fixed window per key, refused with 450 while it is full, so the
// client retries later and nothing is lost), and open connections per client
// address (maxConnectionsPerClient). Both hold at most MAX_KEYS keys.

const MAX_KEYS = 10_000;

export interface Rate {
  messages: number;
  per: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  private window(key: string, rate: Rate, t: number): { start: number; count: number } {
    let w = this.windows.get(key);
    if (!w || t - w.start >= rate.per) {
      if (!w && this.windows.size >= MAX_KEYS) this.prune(t, rate.per);
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }

  /** Counts one message against every key; false (and nothing counted) when one window is full. */
  take(limits: readonly (readonly [string, Rate])[]): boolean {
    const t = this.now();
    const ws = limits.map(([key, rate]) => [this.window(key, rate, t), rate] as const);
    if (ws.some(([w, rate]) => w.count >= rate.messages)) return false;
    for (const [w] of ws) w.count++;
    return true;
  }

  private prune(t: number, per: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= per) this.windows.delete(k);
    // Still full: the oldest window goes (a client may then send a little more, never less).
    if (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
  }
}

export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  /** Counts a connection from `client`; false (and nothing counted) when it already has `max`. */
  acquire(client: string, max: number): boolean {
    const n = this.open.get(client) ?? 0;
    if (n >= max || (n === 0 && this.open.size >= MAX_KEYS)) return false;
    this.open.set(client, n + 1);
    return true;
  }

  release(client: string): void {
    const n = (this.open.get(client) ?? 1) - 1;
    if (n <= 0) this.open.delete(client);
    else this.open.set(client, n);
  }
}
