// One delivery attempt of one message: expands local aliases, delivers the
// local recipients, sends the remote ones by the relay's route (or holds or
// fails them), and records every recipient's result in the envelope, on disk
// before each next step, so a crash never re-sends to a delivered recipient.
// Then carries out the fate decided from those results (fate.ts): bounces,
// the move to hold/ or deferred/, or the message's removal.
import type { Config } from '../config/load.js';
import { domainOf } from '../message/address.js';
import type { LocalRouter } from '../route/destination.js';
import type { Bouncer } from '../relay/bounce.js';
import { remoteRouteFor, type ReleaseRoute } from '../relay/release-route.js';
import type { DeliveryOutcome, Deliverers, LocalDelivery, RelayJob, RelayResult } from '../shared/delivery.js';
import type { Logger } from '../shared/log.js';
import { dsnStatus, replies, replyLine, type Reply, type Result } from '../shared/replies.js';
import { formatDuration } from '../shared/units.js';
import type { Envelope, Recipient } from '../spool/envelope.js';
import type { QueueState, SpoolPaths } from '../spool/paths.js';
import type { QueueId } from '../spool/queue-id.js';
import { moveEnvelope, removeMessage, rewriteEnvelope } from '../spool/transition.js';
import { expandLocal } from './expand.js';
import type { AttemptResults, Outcome, RecipientResult } from './fate.js';

export interface AttemptDeps {
  config: Config;
  paths: SpoolPaths;
  log: Logger;
  relay: Deliverers;
  bouncer: Bouncer;
  local?: { router: LocalRouter; delivery: LocalDelivery } | undefined;
  /** Called once a message has left the queue (the commit journal's removal record). */
  forget?: (id: QueueId, state: QueueState) => void;
  /** Told every recipient's result as it is logged (the daemon's counters: daemon/stats.ts). */
  stats?: { outcome(id: string, result: 'delivered' | 'deferred' | 'failed', reply: Reply | null): void };
}

export interface AttemptContext extends AttemptDeps {
  now: () => number;
  /** Runs `send` in one of relay.concurrency slots (the runner's). */
  relaySlot(send: () => Promise<void>): Promise<void>;
}

/** The attempt in progress: the recipients tried in it. */
interface Run {
  c: AttemptContext;
  env: Envelope;
  tried: Set<Recipient>;
}

/** Keeps one recipient's result in its envelope: the reply line for mailq, its enhanced status for a DSN. */
function record(run: Run, r: Recipient, result: Result): void {
  r.status = result.status;
  r.attempts++;
  r.lastAttemptAt = new Date(run.c.now()).toISOString();
  keepReply(r, result.status === 'delivered' ? null : result);
  run.tried.add(r);
}

function keepReply(r: Recipient, reply: Reply | null): void {
  r.lastError = reply && replyLine(reply);
  if (reply?.enhanced) r.lastStatus = reply.enhanced;
  else delete r.lastStatus;
}

function logResult(run: Run, r: Recipient, result: Result, relay: string, tls: boolean | undefined): void {
  const { c, env } = run;
  const { status } = result;
  const delay = formatDuration(c.now() - Date.parse(env.createdAt));
  const name = status === 'delivered' ? 'sent' : status === 'failed' ? 'failed' : 'deferred';
  c.stats?.outcome(env.id, status, result);
  c.log.event(env.id, name, { to: `<${r.address}>`, orig_to: r.parent && r.parent !== r.address ? `<${r.parent}>` : undefined, relay, tls: tls === undefined ? undefined : tls ? 'yes' : 'no', delay, attempt: r.attempts, reply: replyLine(result) });
}

async function deliverLocal(run: Run, rcpts: Recipient[], message: Buffer): Promise<void> {
  const local = run.c.local;
  for (const r of rcpts) {
    let o: DeliveryOutcome;
    if (!local) o = replies.localTemporary('local delivery is not available in this daemon');
    else {
      try {
        o = await local.delivery.deliver(r.dest!, run.env, r.address, message);
      } catch (err) {
        o = replies.localTemporary(`local delivery error: ${(err as Error).message}`);
      }
    }
    record(run, r, o);
    logResult(run, r, o, o.relay ?? 'local', undefined);
  }
}

async function deliverRemote(run: Run, state: QueueState, rcpts: Recipient[], message: Buffer, via: ReleaseRoute): Promise<void> {
  const { c, env } = run;
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
      record(run, r, res);
      logResult(run, r, res, res.relay ?? 'none', res.tls);
    }
  };
  if (via === 'smarthost') {
    apply(await c.relay.smarthost(job(rcpts)), rcpts);
    return;
  }
  const byDomain = new Map<string, Recipient[]>();
  for (const r of rcpts) byDomain.set(domainOf(r.address), [...(byDomain.get(domainOf(r.address)) ?? []), r]);
  await Promise.all(
    [...byDomain].map(async ([domain, list]) => {
      apply(await c.relay.mx(domain, job(list)), list);
      if (byDomain.size > 1) await rewriteEnvelope(c.paths, state, env); // each result on disk before the next
    }),
  );
}

/** Tries every recipient of `env` (in `state`) that is due; `message` reads the spool's bytes when needed. */
export async function attemptDelivery(c: AttemptContext, env: Envelope, state: QueueState, message: () => Buffer): Promise<AttemptResults> {
  const { id } = env;
  const run: Run = { c, env, tried: new Set() };
  // The first run after an administrator's release (no recipient tried
  // since): the daemon's log says who let it go. ISO times in UTC compare
  // as strings.
  const release = env.release;
  if (release && !env.recipients.some((r) => r.lastAttemptAt !== undefined && r.lastAttemptAt >= release.at)) c.log.event(id, 'released', { by: release.by });
  if (c.local && !env.expanded) {
    const before = JSON.stringify(env.recipients);
    const unknown = expandLocal(env, c.local.router, c.config.hostname);
    // The expansion goes to disk before a remote delivery (which may take long
    // and shows in the queue listing meanwhile). When every recipient is local
    // it is written with the results (or the message is removed): a crash
    // before that only expands the original recipients again.
    const remoteLeft = env.recipients.some((r) => !r.dest && (r.status === 'pending' || r.status === 'deferred'));
    if (remoteLeft && JSON.stringify(env.recipients) !== before) await rewriteEnvelope(c.paths, state, env);
    for (const [r, reply] of unknown) c.log.event(id, 'failed', { to: `<${r.address}>`, reply: replyLine(reply) });
    for (const reply of unknown.values()) c.stats?.outcome(id, 'failed', reply);
  }
  const startFailed = new Set(env.recipients.filter((r) => r.status === 'failed' && r.attempts > 0).map((r) => r.address));
  const pending = env.recipients.filter((r) => r.status === 'pending' || r.status === 'deferred');
  const localR = pending.filter((r) => r.dest);
  const remoteR = pending.filter((r) => !r.dest);
  if (localR.length) await deliverLocal(run, localR, message());
  if (localR.length && remoteR.length) await rewriteEnvelope(c.paths, state, env);
  const held = new Set<Recipient>();
  // The configured mode, or for a released message under relay.mode hold its release route.
  const route = remoteR.length ? remoteRouteFor(c.config, env.sender, env.release !== undefined) : undefined;
  if (route === 'hold') for (const r of remoteR) held.add(r);
  else if (route === 'none') {
    for (const r of remoteR) {
      const refused = replies.relayDisabled();
      record(run, r, refused);
      logResult(run, r, refused, 'none', undefined);
    }
  } else if (route) await c.relaySlot(() => deliverRemote(run, state, remoteR, message(), route));
  // 'failed' (to bounce): every failed recipient whose address had not failed
  // in an earlier run; one failed without an attempt (an unknown alias
  // target) until its bounce is out (carryOut then counts it as attempted).
  return env.recipients.map((r): RecipientResult | undefined => {
    if (r.status === 'failed') return startFailed.has(r.address) ? undefined : 'failed';
    if (held.has(r)) return 'held';
    return run.tried.has(r) && r.status !== 'pending' ? r.status : undefined;
  });
}

async function bounce(c: AttemptDeps, env: Envelope, rcpts: Recipient[], message: Buffer, action: 'failed' | 'delayed'): Promise<void> {
  await c.bouncer.notify(
    env,
    rcpts.map((r) => ({
      address: r.address,
      orcpt: r.orcpt,
      action,
      status: dsnStatus(r.lastStatus, action === 'failed'),
      diagnostic: r.lastError ?? (action === 'failed' ? 'delivery failed' : 'delivery delayed'),
    })),
    message,
  );
}

async function remove(c: AttemptDeps, id: QueueId, state: QueueState): Promise<void> {
  await removeMessage(c.paths, id, state);
  c.forget?.(id, state);
  c.log.event(id, 'removed');
}

/** Carries out `fate` for `env` (in `state`) after an attempt: the runner then only schedules a deferral. */
export async function carryOut(c: AttemptDeps, fate: Outcome, env: Envelope, state: QueueState, message: () => Buffer): Promise<void> {
  const { id } = env;
  let marked = false;
  if (fate.bounce.length) {
    await bounce(c, env, fate.bounce, message(), 'failed');
    // A recipient that failed without an attempt (an unknown alias target,
    // failed at expansion) counts its failure as its attempt once the bounce
    // is out, so later runs do not bounce it again. A crash before this
    // change reaches disk bounces it once more, never not at all.
    for (const r of fate.bounce) {
      if (r.attempts === 0) {
        r.attempts = 1;
        marked = true;
      }
    }
  }
  switch (fate.kind) {
    case 'hold':
      // Every recipient change is already on disk; only a retry time (and a
      // release this daemon has no route for: held again, it waits for a new
      // release) needs clearing before the move (one rename, no rewrite, for
      // new mail).
      if (fate.clear) {
        env.nextAttemptAt = null;
        delete env.release;
      }
      if (fate.clear || marked) await rewriteEnvelope(c.paths, state, env);
      await moveEnvelope(c.paths, id, state, 'hold', false); // relay.mode hold does it again after a lost rename
      c.log.event(id, 'held', { reason: fate.reason, nrcpt: fate.held });
      return;
    case 'remove':
      await remove(c, id, state);
      return;
    case 'expire':
      for (const { recipient, lastError } of fate.expired) {
        recipient.status = 'failed';
        keepReply(recipient, { text: lastError });
      }
      c.log.event(id, 'expired', { age: formatDuration(fate.age), nrcpt: fate.expired.length });
      await bounce(c, env, fate.expired.map((e) => e.recipient), message(), 'failed');
      await remove(c, id, state);
      return;
    case 'defer':
      env.nextAttemptAt = new Date(fate.until).toISOString();
      if (fate.warn) {
        env.delayWarned = true;
        await bounce(c, env, fate.retry, message(), 'delayed');
      }
      await rewriteEnvelope(c.paths, state, env);
      if (state === 'incoming') await moveEnvelope(c.paths, id, 'incoming', 'deferred', false); // results are on disk; a lost rename means an early retry
      c.log.event(id, 'deferred', { nrcpt: fate.retry.length, attempt: fate.attempt, next: `+${formatDuration(fate.wait)}` });
  }
}
