// The listener's counters: messages per user or client in a time window
// (rateLimit: a fixed window per key, refused with 450 while it is full, so the
// client retries later and nothing is lost), and open connections per client
// address (maxConnectionsPerClient). Both hold at most MAX_KEYS keys.

import { ConnectionCounter } from '../../shared/connection-counter.js';

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

/** Open connections per client address, at most MAX_KEYS addresses at once. */
export function newConnectionCounter(): ConnectionCounter {
  return new ConnectionCounter(Infinity, MAX_KEYS);
}
