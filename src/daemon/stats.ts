// What the daemon counts about itself for `mailroom status` (control command
// "status") and the metrics endpoint: its pid, start time and version, and
// the outcome of every recipient's delivery attempt, in total and in the last
// hour. Kept in memory only: a restart starts the counters again at zero.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DELIVERY_RESULTS, type DaemonStatus, type DeliveryResult, type LastError, type ResultCounts } from '../shared/control.js';
import type { Reply } from '../shared/replies.js';

export { DELIVERY_RESULTS, type DaemonStatus, type DeliveryResult, type LastError, type ResultCounts };

/** The queue manager's hook: called once per recipient attempt. */
export interface OutcomeRecorder {
  outcome(id: string, result: DeliveryResult, reply: Reply | null): void;
}

/** One bucket per minute: the last hour is the current minute and the 59 before it. */
const BUCKET_MS = 60_000;
const BUCKETS = 60;

const zero = (): ResultCounts => ({ delivered: 0, deferred: 0, failed: 0 });

function readVersion(): string {
  try {
    // dist/src/daemon/stats.js -> the package root
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The SMTP code and enhanced status of a reply ("451 4.7.1"), or "error" when it has no code. */
export function replyCode(reply: Reply | null): string {
  return reply?.code !== undefined ? [reply.code, reply.enhanced].filter(Boolean).join(' ') : 'error';
}

export class DeliveryStats implements OutcomeRecorder {
  readonly startedAt: number;
  readonly version = readVersion();
  private readonly total = zero();
  /** A ring of per-minute counts; `minutes[i]` is the minute the bucket holds. */
  private readonly ring: ResultCounts[] = Array.from({ length: BUCKETS }, zero);
  private readonly minutes: number[] = new Array<number>(BUCKETS).fill(-1);
  private lastError: LastError | null = null;

  constructor(private readonly now: () => number = Date.now) {
    this.startedAt = now();
  }

  outcome(id: string, result: DeliveryResult, reply: Reply | null): void {
    const t = this.now();
    this.total[result]++;
    const minute = Math.floor(t / BUCKET_MS);
    const slot = minute % BUCKETS;
    if (this.minutes[slot] !== minute) {
      this.ring[slot] = zero();
      this.minutes[slot] = minute;
    }
    this.ring[slot]![result]++;
    if (result !== 'delivered') this.lastError = { id, at: new Date(t).toISOString(), result, code: replyCode(reply) };
  }

  /** Counts of the current minute and the 59 before it. */
  lastHour(): ResultCounts {
    const out = zero();
    const current = Math.floor(this.now() / BUCKET_MS);
    for (let i = 0; i < BUCKETS; i++) {
      if (this.minutes[i]! <= current - BUCKETS) continue;
      for (const r of DELIVERY_RESULTS) out[r] += this.ring[i]![r];
    }
    return out;
  }

  snapshot(): DaemonStatus {
    return {
      pid: process.pid,
      startedAt: new Date(this.startedAt).toISOString(),
      version: this.version,
      total: { ...this.total },
      lastHour: this.lastHour(),
      lastError: this.lastError && { ...this.lastError },
    };
  }
}
