// Reuse of SMTP sessions: several messages to the same host go over one
// connection (one transaction after another), with at most `maxPerKey` connections per
// destination and idle sessions closed after a few seconds.
import { openSession, targetKey, type Session, type SessionContext, type Target } from './session.js';

interface Slot {
  idle: { s: Session; timer: NodeJS.Timeout }[];
  active: number;
  waiters: (() => void)[];
}

export class SessionPool {
  private slots = new Map<string, Slot>();
  private closed = false;

  constructor(
    private ctx: SessionContext,
    private opts: { maxPerKey: number; idleMs: number; maxUses: number } = { maxPerKey: 4, idleMs: 5000, maxUses: 1000 },
  ) {}

  private slot(key: string): Slot {
    let s = this.slots.get(key);
    if (!s) this.slots.set(key, (s = { idle: [], active: 0, waiters: [] }));
    return s;
  }

  async acquire(target: Target): Promise<Session> {
    const key = targetKey(target);
    const slot = this.slot(key);
    for (;;) {
      const idle = slot.idle.pop();
      if (idle) {
        clearTimeout(idle.timer);
        if (idle.s.usable && Date.now() < idle.s.validUntil) {
          slot.active++;
          return idle.s;
        }
        idle.s.close();
        continue;
      }
      if (slot.active < this.opts.maxPerKey) break;
      await new Promise<void>((r) => slot.waiters.push(r));
    }
    slot.active++;
    try {
      return await openSession(target, this.ctx);
    } catch (err) {
      this.done(slot);
      throw err;
    }
  }

  release(s: Session): void {
    const slot = this.slot(s.key);
    if (!this.closed && s.usable && s.uses < this.opts.maxUses && Date.now() < s.validUntil) {
      const timer = setTimeout(() => {
        slot.idle = slot.idle.filter((i) => i.s !== s);
        s.close();
      }, this.opts.idleMs);
      timer.unref();
      slot.idle.push({ s, timer });
    } else s.close();
    this.done(slot);
  }

  private done(slot: Slot): void {
    slot.active--;
    slot.waiters.shift()?.();
  }

  closeAll(): void {
    this.closed = true;
    for (const slot of this.slots.values()) {
      for (const i of slot.idle) {
        clearTimeout(i.timer);
        i.s.close();
      }
      slot.idle = [];
    }
  }
}
