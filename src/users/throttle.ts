// Login throttling per client address: every failed login is answered late
// (1 s, then 2 s, 4 s, up to 8 s), and after 10 failures within 10 minutes the
// address is refused outright until the window has passed. Memory is bounded.

export interface ThrottleOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { baseDelayMs: 1000, maxDelayMs: 8000, maxFailures: 10, windowMs: 10 * 60_000 };
const MAX_ADDRESSES = 10_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly opts: ThrottleOptions = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(addr: string): number[] {
    const since = this.now() - this.opts.windowMs;
    const list = (this.failures.get(addr) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(addr, list);
    else this.failures.delete(addr);
    return list;
  }

  /** True when the address has used up its failures for now. */
  isBlocked(addr: string): boolean {
    return this.recent(addr).length >= this.opts.maxFailures;
  }

  /** Records a failure; returns how long to wait before answering it. */
  recordFailure(addr: string): number {
    if (this.failures.size >= MAX_ADDRESSES) for (const a of [...this.failures.keys()]) this.recent(a);
    if (this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    const list = this.recent(addr);
    list.push(this.now());
    this.failures.set(addr, list);
    return Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(list.length - 1, 16));
  }

  /** A successful login clears the address's record. */
  recordSuccess(addr: string): void {
    this.failures.delete(addr);
  }
}
