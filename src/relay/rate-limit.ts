// relay.rateLimit: at most N messages per period toward each smart host
// (a token bucket per destination), so providers' sending limits are kept.
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private messages: number,
    private perMs: number,
  ) {}

  async take(key: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const b = this.buckets.get(key) ?? { tokens: this.messages, at: now };
      b.tokens = Math.min(this.messages, b.tokens + ((now - b.at) * this.messages) / this.perMs);
      b.at = now;
      this.buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - b.tokens) * this.perMs) / this.messages)));
    }
  }
}
