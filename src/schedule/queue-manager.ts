// The queue runner: takes due messages (new ones at once, deferred ones when
// their time comes) within its concurrency slots, rescans the spool, keeps the
// retry timers, and tells an administrator's command when a message is
// settled. What one attempt does is attempt.ts; what follows it, fate.ts
// (retries by relay.retry, expiry after relay.maxAge, hold and release).
import { readFileSync } from 'node:fs';
import { domainOf } from '../message/address.js';
import { heldByOther } from '../spool/claim.js';
import type { Envelope } from '../spool/envelope.js';
import type { QueueState } from '../spool/paths.js';
import type { QueueId } from '../spool/queue-id.js';
import { listIds } from '../spool/scan.js';
import { locate } from '../spool/transition.js';
import { attemptDelivery, carryOut, type AttemptContext, type AttemptDeps } from './attempt.js';
import { decideFate } from './fate.js';

export interface QueueManagerDeps extends AttemptDeps {
  /** Messages handled at once when local delivery is on (default LOCAL_CONCURRENCY, at least relay.concurrency). */
  localConcurrency?: number;
  now?: () => number;
  /** True for a message in incoming/ whose commit is still in progress: not to be touched yet. */
  committing?: (id: string) => boolean;
}

export interface QueueManager {
  /**
   * A message just entered incoming/; `env` is its envelope as written. The
   * runner then takes it without a look at the disk: nobody else has had it
   * (an administrator's command locks and asks `settled` first, which drops it).
   */
  enqueue(id: QueueId, env?: Envelope): void;
  /**
   * Resolves true once the runner is not working on `id` (at once when it is
   * not), false after timeoutMs. An administrator holding the message's lock
   * asks this before changing it (the runner skips locked messages).
   */
  settled(id: string, timeoutMs: number): Promise<boolean>;
  /** Flush: everything, one site (-qR), or one message (-qI); ignores retry times. */
  wake(filter?: { site?: string; id?: string }): void;
  /** A new, validated configuration: retry schedule, maximum age and concurrency apply to later decisions. */
  reload(config: QueueManagerDeps['config']): void;
  close(): Promise<void>;
}

const RESCAN_MS = 60_000;
const BUSY_RETRY_MS = 3_000;
/**
 * Local delivery waits on fsync latency, not on a peer: many deliveries at
 * once let the file system merge their fsyncs into one journal commit (and
 * share the new/ directory fsyncs). Remote deliveries still take one of
 * relay.concurrency slots, so a peer never sees more than that.
 */
const LOCAL_CONCURRENCY = 32;

export function startQueueManager(d: QueueManagerDeps): QueueManager {
  const { paths, log } = d;
  let { config } = d;
  const now = d.now ?? Date.now;
  const queue: { id: QueueId; force: boolean; seen?: QueueState }[] = [];
  const queued = new Set<string>();
  const running = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let nextDue = Infinity;
  let closed = false;
  let idleResolve: (() => void) | undefined;
  const busyTimers = new Set<NodeJS.Timeout>();
  const settleWaiters = new Map<string, (() => void)[]>();
  /** Envelopes of new messages as their publisher wrote them (see enqueue). */
  const fresh = new Map<string, Envelope>();
  const maxRunning = d.local ? Math.max(config.relay.concurrency, d.localConcurrency ?? LOCAL_CONCURRENCY) : config.relay.concurrency;
  let relayBusy = 0;
  const relayWaiters: (() => void)[] = [];
  /** One of relay.concurrency slots for a message's remote recipients. */
  const acquireRelay = (): Promise<void> => {
    if (relayBusy < config.relay.concurrency) {
      relayBusy++;
      return Promise.resolve();
    }
    return new Promise((r) => relayWaiters.push(r));
  };
  const releaseRelay = (): void => {
    const next = relayWaiters.shift();
    if (next) next();
    else relayBusy--;
  };

  /** `seen`: the state the message was last seen in (where to look first). */
  function enqueue(id: QueueId, force = false, seen?: QueueState): void {
    if (closed || queued.has(id)) return;
    queued.add(id);
    queue.push({ id, force, ...(seen ? { seen } : {}) });
    pump();
  }

  function pump(): void {
    while (!closed && running.size < maxRunning && queue.length) {
      const { id, force, seen } = queue.shift()!;
      queued.delete(id);
      if (running.has(id)) continue;
      running.add(id);
      processMessage(id, force, seen)
        .catch((err) => log.error('queue manager error; will retry', { id, error: (err as Error).message }))
        .finally(() => {
          running.delete(id);
          if (running.size === 0 && idleResolve) idleResolve();
          pump();
        });
    }
  }

  function scheduleAt(t: number): void {
    if (closed || t >= nextDue) return;
    nextDue = t;
    clearTimeout(timer);
    timer = setTimeout(() => {
      nextDue = Infinity;
      void scan(false);
    }, Math.max(0, Math.min(t - now(), 2 ** 31 - 1)));
  }

  async function scan(force: boolean, pick?: (env: Envelope) => boolean): Promise<void> {
    // A message still being committed is handed over by the publisher when it is durable.
    for (const id of await listIds(paths, 'incoming')) if (!d.committing?.(id)) enqueue(id, force, 'incoming');
    for (const id of await listIds(paths, 'deferred')) {
      if (pick || !force) {
        const found = await locate(paths, id, 'deferred').catch(() => undefined);
        if (!found) continue;
        if (pick && !pick(found.envelope)) continue;
        const ready = force ? undefined : decideFate(found.envelope, undefined, now(), config);
        if (ready?.kind === 'wait') {
          scheduleAt(ready.until);
          continue;
        }
      }
      enqueue(id, force, 'deferred');
    }
  }

  const ctx: AttemptContext = {
    ...d,
    now,
    relaySlot: async (send) => {
      await acquireRelay();
      try {
        await send();
      } finally {
        releaseRelay();
      }
    },
  };

  async function processMessage(id: QueueId, force: boolean, seen?: QueueState): Promise<void> {
    const written = fresh.get(id);
    fresh.delete(id);
    if (!written && heldByOther(paths, id)) {
      // An administrator's command has it: look again shortly rather than at
      // the next retry time.
      const t = setTimeout(() => {
        busyTimers.delete(t);
        enqueue(id, force, seen);
      }, BUSY_RETRY_MS);
      busyTimers.add(t);
      return;
    }
    try {
      const found = written ? { state: 'incoming' as const, envelope: written } : await locate(paths, id, seen);
      if (!found || found.state === 'hold') return;
      const { envelope: env, state } = found;
      if (!force && state === 'deferred') {
        const ready = decideFate(env, undefined, now(), config);
        if (ready.kind === 'wait') {
          scheduleAt(ready.until);
          return;
        }
      }
      // Read when a delivery or a bounce needs it (not to hold it); in the page
      // cache since it was written: no thread-pool round trip.
      let data: Buffer | undefined;
      const message = (): Buffer => (data ??= readFileSync(paths.eml(id)));
      const results = await attemptDelivery(ctx, env, state, message);
      const fate = decideFate(env, results, now(), config);
      await carryOut(ctx, fate, env, state, message);
      if (fate.kind === 'defer') scheduleAt(fate.until);
    } finally {
      for (const w of settleWaiters.get(id) ?? []) w();
      settleWaiters.delete(id);
    }
  }

  const rescan = setInterval(() => void scan(false).catch((err) => log.error('queue scan failed', { error: (err as Error).message })), RESCAN_MS);
  void scan(false).catch((err) => log.error('queue scan failed', { error: (err as Error).message }));

  return {
    enqueue(id, env) {
      // A copy: the publisher's caller may still read its own (to log it).
      if (env && !closed) fresh.set(id, { ...env, dsn: { ...env.dsn }, recipients: env.recipients.map((r) => ({ ...r })) });
      enqueue(id, false, 'incoming');
    },
    settled(id, timeoutMs) {
      fresh.delete(id); // an administrator has it now: look at the disk next time
      if (!running.has(id)) return Promise.resolve(true);
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), timeoutMs);
        settleWaiters.set(id, [...(settleWaiters.get(id) ?? []), () => (clearTimeout(t), resolve(true))]);
      });
    },
    wake(filter) {
      if (filter?.id) {
        enqueue(filter.id as QueueId, true);
        return;
      }
      const site = filter?.site?.toLowerCase();
      void scan(true, site ? (env) => env.recipients.some((r) => domainOf(r.address) === site || domainOf(r.address).endsWith(`.${site}`)) : undefined);
    },
    reload(next) {
      // Messages being attempted finish under the settings they started with.
      config = next;
      ctx.config = next;
    },
    async close() {
      closed = true;
      clearInterval(rescan);
      clearTimeout(timer);
      for (const t of busyTimers) clearTimeout(t);
      if (running.size) await new Promise<void>((r) => (idleResolve = r));
    },
  };
}
