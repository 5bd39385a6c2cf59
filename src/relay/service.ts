// Builds the relay side of the daemon from the Config: the session pool, DNS
// resolver, OAuth2 token caches, rate limiter, and the two transports the
// queue manager calls. reload() builds a new set from a new Config for the
// deliveries that start after it; the old set closes once its last delivery ends.
import type { Config } from '../config/load.js';
import type { Logger } from '../shared/log.js';
import type { Deliverers, RelayJob, RelayResult } from '../shared/delivery.js';
import { replies } from '../shared/replies.js';
import { createDkimSigner } from './dkim-sign.js';
import { createResolver } from './mx.js';
import { OAuth2Tokens, type OAuth2Config } from './oauth2.js';
import { SessionPool } from './pool.js';
import { RateLimiter } from './rate-limit.js';
import { smarthostsFor } from './targets.js';
import { deliverViaMx, deliverViaSmarthosts } from './transport.js';

const MX_CONNECTIONS_PER_HOST = 8;

export interface RelayService extends Deliverers {
  /** Smart hosts, routes, timeouts and limits of `config` for deliveries that start from now on. */
  reload(config: Config): void;
  close(): void;
}

interface Built extends Deliverers {
  close(): void;
}

export function createRelayService(config: Config, log: Logger): RelayService {
  let current = buildRelay(config, log);
  // Deliveries in flight per generation: an old one closes when it has none left.
  const inFlight = new Map<Built, number>([[current, 0]]);
  const retired = new Set<Built>();
  const track = async <T>(run: (b: Built) => Promise<T>): Promise<T> => {
    const b = current;
    inFlight.set(b, (inFlight.get(b) ?? 0) + 1);
    try {
      return await run(b);
    } finally {
      const left = (inFlight.get(b) ?? 1) - 1;
      inFlight.set(b, left);
      if (left === 0 && retired.has(b)) {
        retired.delete(b);
        inFlight.delete(b);
        b.close();
      }
    }
  };
  return {
    smarthost: (job) => track((b) => b.smarthost(job)),
    mx: (domain, job) => track((b) => b.mx(domain, job)),
    reload(next) {
      const old = current;
      current = buildRelay(next, log);
      inFlight.set(current, 0);
      if ((inFlight.get(old) ?? 0) === 0) {
        inFlight.delete(old);
        old.close();
      } else retired.add(old);
    },
    close() {
      for (const b of [current, ...retired]) b.close();
      retired.clear();
    },
  };
}

function buildRelay(config: Config, log: Logger): Built {
  const tokens = new Map<string, OAuth2Tokens>();
  const ctx = {
    hostname: config.hostname,
    timeouts: config.relay.timeouts,
    log,
    oauth: (cfg: OAuth2Config) => {
      const key = `${cfg.tokenUrl}|${cfg.clientId}|${cfg.refreshTokenFile}`;
      let t = tokens.get(key);
      if (!t) tokens.set(key, (t = new OAuth2Tokens(cfg, log)));
      return t;
    },
  };
  // A smart host is the operator's own relay and takes all the mail: as many
  // connections as relay.concurrency allows. An MX host is someone else's
  // server: a few at most.
  const reuse = { idleMs: 5000, maxUses: 1000 };
  const smarthostPool = new SessionPool(ctx, { ...reuse, maxPerKey: config.relay.concurrency });
  const mxPool = new SessionPool(ctx, { ...reuse, maxPerKey: Math.min(config.relay.concurrency, MX_CONNECTIONS_PER_HOST) });
  const resolver = createResolver(config.relay.mx.dns);
  const limiter = config.relay.rateLimit ? new RateLimiter(config.relay.rateLimit.messages, config.relay.rateLimit.per) : undefined;
  // Keys are read here, once: a missing or unusable key stops the daemon's start.
  const dkim = createDkimSigner(config.dkim);
  // A message whose domain has a key is never sent unsigned: a signing failure
  // defers it (a receiver enforcing DMARC would refuse it unsigned).
  const signed = async (job: RelayJob, send: (job: RelayJob) => Promise<RelayResult[]>): Promise<RelayResult[]> => {
    if (!dkim) return send(job);
    let message: Buffer;
    try {
      message = (await dkim.sign(job.sender, job.message)).message;
    } catch (err) {
      log.warn('dkim signing failed', { id: job.id, error: (err as Error).message });
      return job.recipients.map((r) => ({ ...replies.localTemporary('DKIM signing failed; will try again'), address: r.address }));
    }
    return send({ ...job, message });
  };
  return {
    smarthost: (job) => signed(job, (j) => deliverViaSmarthosts(smarthostPool, smarthostsFor(config, j.sender).targets, j, log, limiter)),
    mx: (domain, job) => signed(job, (j) => deliverViaMx(mxPool, resolver, domain, config.relay.mx, j, log)),
    close: () => {
      smarthostPool.closeAll();
      mxPool.closeAll();
    },
  };
}
