// The queue runner: takes due messages (new ones at once, deferred ones when
// their time comes), expands local aliases, delivers locally and to the relay,
// and records every recipient's result in the spool before moving on, so a
// crash or retry never re-sends to a delivered recipient nor forgets one.
// Retries follow relay.retry; after relay.maxAge the rest bounces (expired).
// Under relay.mode hold remote mail is held, unless an administrator released
// it: then it goes on by its release route (relay/release-route.ts).
import { readFileSync } from 'node:fs';
import type { Config } from '../config/load.js';
import type { DeliveryOutcome } from '../local/outcome.js';
import { domainOf } from '../message/address.js';
import type { Destination, LocalRouter } from '../route/destination.js';
import { formatDuration } from '../shared/units.js';
import type { Logger } from '../shared/log.js';
import { heldByOther } from '../spool/claim.js';
import { isFinished, type Envelope, type Recipient } from '../spool/envelope.js';
import type { QueueState, SpoolPaths } from '../spool/paths.js';
import type { QueueId } from '../spool/queue-id.js';
import { listIds } from '../spool/scan.js';
import { locate, moveEnvelope, removeMessage, rewriteEnvelope } from '../spool/transition.js';
import type { Bouncer } from '../relay/bounce.js';
import { statusOf } from '../relay/classify.js';
import { NO_RELEASE_ROUTE, remoteRouteFor, type ReleaseRoute } from '../relay/release-route.js';
import type { RelayJob, RelayResult } from '../relay/transport.js';
import { nextAttemptDelay } from './retry.js';

export interface LocalDelivery {
  deliver(dest: Destination, env: Envelope, recipient: string, message: Buffer): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

export interface Deliverers {
  /** Remote recipients of one message through the smart hosts (grouped by the caller). */
  smarthost(job: RelayJob): Promise<RelayResult[]>;
  /** Remote recipients of one domain through its MX hosts. */
  mx(domain: string, job: RelayJob): Promise<RelayResult[]>;
}

export interface QueueManagerDeps {
  config: Config;
  paths: SpoolPaths;
  log: Logger;
  relay: Deliverers;
  bouncer: Bouncer;
  local?: { router: LocalRouter; delivery: LocalDelivery } | undefined;
  /** Messages handled at once when local delivery is on (default LOCAL_CONCURRENCY, at least relay.concurrency). */
  localConcurrency?: number;
  now?: () => number;
  /** True for a message in incoming/ whose commit is still in progress: not to be touched yet. */
  committing?: (id: string) => boolean;
  /** Called once a message has left the queue (the commit journal's removal record). */
  forget?: (id: QueueId, state: QueueState) => void;
  /** Told every recipient's result as it is logged (the daemon's counters: daemon/stats.ts). */
  stats?: { outcome(id: string, result: 'delivered' | 'deferred' | 'failed', reply: string | null): void };
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
  const { config, paths, log } = d;
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
        const due = found.envelope.nextAttemptAt ? Date.parse(found.envelope.nextAttemptAt) : 0;
        if (!force && due > now()) {
          scheduleAt(due);
          continue;
        }
      }
      enqueue(id, force, 'deferred');
    }
  }

  const record = (r: Recipient, status: Recipient['status'], reply: string | null) => {
    r.status = status;
    r.attempts++;
    r.lastAttemptAt = new Date(now()).toISOString();
    r.lastError = status === 'delivered' ? null : reply;
  };

  function expandLocal(env: Envelope, router: LocalRouter): void {
    const out: Recipient[] = [];
    const seen = new Set<string>();
    const add = (r: Recipient) => {
      const k = `${r.address.toLowerCase()}|${JSON.stringify(r.dest ?? null)}`;
      if (!seen.has(k)) out.push(r), seen.add(k);
    };
    for (const r of env.recipients) {
      if (r.dest || r.parent || (r.status !== 'pending' && r.status !== 'deferred') || !router.isLocal(r.address)) {
        add(r);
        continue;
      }
      for (const dest of router.resolve(r.address)) {
        const base = { status: 'pending' as const, attempts: 0, lastError: null, parent: r.address, ...(r.notify ? { notify: r.notify } : {}), orcpt: r.orcpt ?? `rfc822;${r.address}` };
        if (dest.kind === 'remote') add({ ...base, address: dest.address });
        else if (dest.kind === 'unknown') add({ ...base, address: dest.address, status: 'failed', lastError: `550 5.1.1 <${dest.address}>: ${dest.reason}` });
        else if (dest.kind === 'mailbox') add({ ...base, address: `${dest.user}@${config.hostname}`, dest });
        else add({ ...base, address: r.address, dest });
      }
    }
    env.recipients = out;
    env.expanded = true;
  }

  async function deliverLocal(env: Envelope, rcpts: Recipient[], message: Buffer): Promise<void> {
    for (const r of rcpts) {
      let o: DeliveryOutcome;
      if (!d.local) o = { status: 'deferred', reply: '451 4.3.0 local delivery is not available in this daemon' };
      else {
        try {
          o = await d.local.delivery.deliver(r.dest!, env, r.address, message);
        } catch (err) {
          o = { status: 'deferred', reply: `451 4.3.0 local delivery error: ${(err as Error).message}` };
        }
      }
      record(r, o.status, o.reply);
      logResult(env, r, o.status, o.reply, o.relay ?? 'local', undefined);
    }
  }

  function logResult(env: Envelope, r: Recipient, status: string, reply: string, relay: string, tls: boolean | undefined): void {
    const delay = formatDuration(now() - Date.parse(env.createdAt));
    const name = status === 'delivered' ? 'sent' : status === 'failed' ? 'failed' : 'deferred';
    d.stats?.outcome(env.id, status === 'delivered' ? 'delivered' : status === 'failed' ? 'failed' : 'deferred', reply);
    log.event(env.id, name, { to: `<${r.address}>`, orig_to: r.parent && r.parent !== r.address ? `<${r.parent}>` : undefined, relay, tls: tls === undefined ? undefined : tls ? 'yes' : 'no', delay, attempt: r.attempts, reply });
  }

  async function deliverRemote(env: Envelope, state: QueueState, rcpts: Recipient[], message: Buffer, via: ReleaseRoute): Promise<void> {
    const job = (list: Recipient[]): RelayJob => ({
      id: env.id,
      sender: env.sender,
      recipients: list.map((r) => ({ address: r.address, notify: r.notify, orcpt: r.orcpt })),
      message,
      ret: env.dsn.ret,
      envid: env.dsn.envid,
      eightBit: env.body === '8BITMIME',
      smtputf8: env.smtputf8,
    });
    const apply = (results: RelayResult[], list: Recipient[]) => {
      for (const res of results) {
        const r = list.find((x) => x.address === res.address);
        if (!r) continue;
        record(r, res.status, res.reply);
        logResult(env, r, res.status, res.reply, res.relay ?? 'none', res.tls);
      }
    };
    if (via === 'smarthost') {
      apply(await d.relay.smarthost(job(rcpts)), rcpts);
      return;
    }
    const byDomain = new Map<string, Recipient[]>();
    for (const r of rcpts) byDomain.set(domainOf(r.address), [...(byDomain.get(domainOf(r.address)) ?? []), r]);
    await Promise.all(
      [...byDomain].map(async ([domain, list]) => {
        apply(await d.relay.mx(domain, job(list)), list);
        if (byDomain.size > 1) await rewriteEnvelope(paths, state, env); // each result on disk before the next
      }),
    );
  }

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
      const env = found.envelope;
      let state = found.state;
      if (!force && state === 'deferred' && env.nextAttemptAt && Date.parse(env.nextAttemptAt) > now()) {
        scheduleAt(Date.parse(env.nextAttemptAt));
        return;
      }
      // The first run after an administrator's release (no recipient tried
      // since): the daemon's log says who let it go. ISO times in UTC compare
      // as strings.
      const release = env.release;
      if (release && !env.recipients.some((r) => r.lastAttemptAt !== undefined && r.lastAttemptAt >= release.at)) log.event(id, 'released', { by: release.by });
      // Read when a delivery or a bounce needs it (not to hold it); in the page
      // cache since it was written: no thread-pool round trip.
      let data: Buffer | undefined;
      const message = (): Buffer => (data ??= readFileSync(paths.eml(id)));
      if (d.local && !env.expanded) {
        const before = JSON.stringify(env.recipients);
        expandLocal(env, d.local.router);
        // The expansion goes to disk before a remote delivery (which may take long
        // and shows in the queue listing meanwhile). When every recipient is local
        // it is written with the results below (or the message is removed): a
        // crash before that only expands the original recipients again.
        const remoteLeft = env.recipients.some((r) => !r.dest && (r.status === 'pending' || r.status === 'deferred'));
        if (remoteLeft && JSON.stringify(env.recipients) !== before) await rewriteEnvelope(paths, state, env);
        for (const r of env.recipients) if (r.status === 'failed' && r.attempts === 0) log.event(id, 'failed', { to: `<${r.address}>`, reply: r.lastError });
        for (const r of env.recipients) if (r.status === 'failed' && r.attempts === 0) d.stats?.outcome(id, 'failed', r.lastError);
      }
      const startFailed = new Set(env.recipients.filter((r) => r.status === 'failed' && r.attempts > 0).map((r) => r.address));
      const pending = env.recipients.filter((r) => r.status === 'pending' || r.status === 'deferred');
      const localR = pending.filter((r) => r.dest);
      const remoteR = pending.filter((r) => !r.dest);
      if (localR.length) await deliverLocal(env, localR, message());
      if (localR.length && remoteR.length) await rewriteEnvelope(paths, state, env);
      let held = false;
      // The configured mode, or for a released message under relay.mode hold its release route.
      const route = remoteR.length ? remoteRouteFor(config, env.sender, env.release !== undefined) : undefined;
      if (route === 'hold') held = true;
      else if (route === 'none') {
        for (const r of remoteR) {
          record(r, 'failed', '550 5.7.1 relay.mode is none: mail to other domains is not sent');
          logResult(env, r, 'failed', r.lastError!, 'none', undefined);
        }
      } else if (route) {
        await acquireRelay();
        try {
          await deliverRemote(env, state, remoteR, message(), route);
        } finally {
          releaseRelay();
        }
      }
      // DSN for recipients that failed in this run (including unknown aliases).
      const failedNow = env.recipients.filter((r) => r.status === 'failed' && !startFailed.has(r.address));
      if (failedNow.length) await bounce(env, failedNow, message(), 'failed');
      if (held) {
        // Every recipient change above is already on disk; only a retry time
        // (and a release this daemon has no route for: held again, it waits
        // for a new release) needs clearing before the move (one rename, no
        // rewrite, for new mail).
        const unreleased = env.release !== undefined;
        if (env.nextAttemptAt !== null || unreleased) {
          env.nextAttemptAt = null;
          delete env.release;
          await rewriteEnvelope(paths, state, env);
        }
        await moveEnvelope(paths, id, state, 'hold', false); // relay.mode hold does it again after a lost rename
        log.event(id, 'held', { reason: unreleased ? NO_RELEASE_ROUTE : 'relay.mode is hold', nrcpt: remoteR.length });
        return;
      }
      if (isFinished(env)) {
        await removeMessage(paths, id, state);
        d.forget?.(id, state);
        log.event(id, 'removed');
        return;
      }
      const age = now() - Date.parse(env.createdAt);
      const left = env.recipients.filter((r) => r.status === 'pending' || r.status === 'deferred');
      if (age >= config.relay.maxAge) {
        for (const r of left) {
          r.status = 'failed';
          r.lastError = `expired after ${formatDuration(age)} in the queue; last error: ${r.lastError ?? 'none'}`;
        }
        log.event(id, 'expired', { age: formatDuration(age), nrcpt: left.length });
        await bounce(env, left, message(), 'failed');
        await removeMessage(paths, id, state);
        d.forget?.(id, state);
        log.event(id, 'removed');
        return;
      }
      const attempts = Math.max(...left.map((r) => r.attempts));
      const wait = nextAttemptDelay(config.relay.retry, attempts);
      const due = now() + wait;
      env.nextAttemptAt = new Date(due).toISOString();
      if (config.relay.delayWarning !== undefined && !env.delayWarned && env.source !== 'bounce' && age >= config.relay.delayWarning) {
        // (no delay warnings about bounces: their sender is the null sender)
        env.delayWarned = true;
        await bounce(env, left, message(), 'delayed');
      }
      await rewriteEnvelope(paths, state, env);
      if (state === 'incoming') {
        await moveEnvelope(paths, id, 'incoming', 'deferred', false); // results are on disk; a lost rename means an early retry
        state = 'deferred';
      }
      log.event(id, 'deferred', { nrcpt: left.length, attempt: attempts, next: `+${formatDuration(wait)}` });
      scheduleAt(due);
    } finally {
      for (const w of settleWaiters.get(id) ?? []) w();
      settleWaiters.delete(id);
    }
  }

  async function bounce(env: Envelope, rcpts: Recipient[], message: Buffer, action: 'failed' | 'delayed'): Promise<void> {
    await d.bouncer.notify(
      env,
      rcpts.map((r) => ({
        address: r.address,
        orcpt: r.orcpt,
        action,
        status: statusOf(r.lastError ?? '', action === 'failed'),
        diagnostic: r.lastError ?? (action === 'failed' ? 'delivery failed' : 'delivery delayed'),
      })),
      message,
    );
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
    async close() {
      closed = true;
      clearInterval(rescan);
      clearTimeout(timer);
      for (const t of busyTimers) clearTimeout(t);
      if (running.size) await new Promise<void>((r) => (idleResolve = r));
    },
  };
}
